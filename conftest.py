"""Shared fixtures: three users in two tenants (owner and viewer of one, an outsider in another).

Every view and API test reuses them: the owner may do everything, the viewer may only
read, and the outsider must get 404 for the first tenant's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tenants.models import Membership, Role, Tenant, User
from tenants.services import membership_add, signup

PASSWORD = "correct horse battery staple 42"


@dataclass
class TenantWorld:
    tenant: Tenant
    other_tenant: Tenant
    owner: User
    viewer: User
    outsider: User

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language, whatever the test before it activated."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def world(db: None) -> TenantWorld:
    owner, tenant = signup(email="alice@example.com", password=PASSWORD, company_name="Alice BV")
    viewer = User.objects.create_user(email="bob@example.com", password=PASSWORD)
    membership_add(tenant=tenant, user=viewer, role=Role.VIEWER)
    outsider, other = signup(
        email="charlie@example.com", password=PASSWORD, company_name="Charlie BV"
    )
    assert Membership.objects.count() == 3
    return TenantWorld(
        tenant=tenant, other_tenant=other, owner=owner, viewer=viewer, outsider=outsider
    )
