"""Fixtures of the security tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from tests.security.estate import Estate, estate_build


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> Iterator[None]:
    """A cache of this process only: the sweeps clear it before every request (throttles,
    rate counters), which must not touch the file cache other test runs share."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "security-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def estate(world) -> Estate:
    """Both tenants' rows: connections, integration, flows, a run, records, tokens."""
    return estate_build(
        tenant=world.tenant,
        other_tenant=world.other_tenant,
        owner=world.owner,
        viewer=world.viewer,
        outsider=world.outsider,
    )
