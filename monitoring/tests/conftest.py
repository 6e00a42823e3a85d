"""Fixtures for the monitoring tests: a team of four, an integration, eager Celery."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import PASSWORD, TenantWorld
from flows.models import Flow, Integration
from tenants.models import Role, User
from tenants.services import membership_add
from tests.factories import make_bare_integration, make_flow


@dataclass
class Team:
    world: TenantWorld
    admin: User
    integration: Integration
    products: Flow
    orders: Flow

    @property
    def tenant(self) -> Any:
        return self.world.tenant


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> None:
    """A cache of the test's own: locks and cached choices never meet the dev server's."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "monitoring-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def team(world: TenantWorld) -> Team:
    admin = User.objects.create_user(email="dana@example.com", password=PASSWORD, language="da")
    membership_add(tenant=world.tenant, user=admin, role=Role.ADMIN)
    integration = make_bare_integration(world.tenant)
    return Team(
        world=world,
        admin=admin,
        integration=integration,
        products=make_flow(integration, "products", interval=60),
        orders=make_flow(integration, "orders", interval=5),
    )


@pytest.fixture
def eager_celery(settings: Any) -> Iterator[None]:
    """Run tasks in-process: the Celery app read its configuration once, so set both."""
    from apicenter.celery import app

    # Read the app's values before touching the settings: a configuration not read yet would
    # otherwise be read from the changed settings, and "restored" to eager for later tests.
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def deliver(
    eager_celery: None, django_capture_on_commit_callbacks: Any
) -> Callable[[], AbstractContextManager[Any]]:
    """`with deliver():` runs what is queued on commit inside it, tasks included."""

    @contextmanager
    def run() -> Iterator[Any]:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    return run
