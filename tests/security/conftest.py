"""Fixtures of the security tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.security.estate import Estate, estate_build


@pytest.fixture(autouse=True)
def _clean_cache():
    # Login throttles and API rate counters of one test must not reach the next.
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
