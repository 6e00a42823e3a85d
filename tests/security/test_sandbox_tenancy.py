"""Sandbox accounts belong to their company: the attacks of issue 19, points 1 and 2.

Two companies use the sandboxes. Company B holds a sandbox token of its own and tries to read
company A's administration with it over real HTTP, to list A's administration in its wizard,
and to open or change A's sandbox accounts on the sandbox admin pages. Someone signs up as
demo@example.com, the address of the embedded demo, hoping for the demo user's rights.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.test import Client

from connectors.asperion.sandbox import seed as asperion_seed
from connectors.asperion.sandbox.models import Administration, SalesOrder
from connectors.feeddex.sandbox import seed as feeddex_seed
from connectors.feeddex.sandbox.models import Account
from connectors.models import Connection
from connectors.sandboxkit.provision import sandbox_connect
from connectors.services import connection_test
from tenants.models import Tenant, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_companies(world, live_server, settings) -> dict[str, tuple[Connection, Connection]]:
    settings.SITE_URL = live_server.url
    companies = {
        "a": sandbox_connect(tenant=world.tenant),
        "b": sandbox_connect(tenant=world.other_tenant),
    }
    for connection in companies["b"]:
        assert connection_test(connection=connection) is None  # as the wizard does
    return companies


def sandbox_get(path: str, asperion: Connection, **headers: str) -> httpx.Response:
    base = asperion.config["api_base_url"]
    token = asperion.secrets["access_token"]
    return httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}", **headers})


def administration_of(asperion: Connection) -> Administration:
    return Administration.objects.get(pk=asperion.config["administration_id"])


def test_a_tenants_sandbox_token_never_reads_another_tenants_administration(two_companies):
    a_asperion, _ = two_companies["a"]
    b_asperion, _ = two_companies["b"]
    a_id = str(a_asperion.config["administration_id"])
    answer = sandbox_get("/v1/articles", b_asperion, **{"X-Tenant-Id": a_id})
    assert answer.status_code == 403, answer.text[:200]
    assert sandbox_get("/v1/articles", b_asperion, **{"X-TenantId": a_id}).status_code == 403
    assert sandbox_get(f"/v1/administrations/{a_id}", b_asperion).status_code in (403, 404)
    # B's own administration still answers.
    own = sandbox_get(
        "/v1/articles", b_asperion, **{"X-Tenant-Id": str(b_asperion.config["administration_id"])}
    )
    assert own.status_code == 200


def test_each_company_has_a_sandbox_login_and_client_of_its_own(two_companies):
    a_asperion, _ = two_companies["a"]
    b_asperion, _ = two_companies["b"]
    a_admin, b_admin = administration_of(a_asperion), administration_of(b_asperion)
    assert a_admin.owner_id != b_admin.owner_id
    assert a_admin.owner.username != asperion_seed.DEMO_USERNAME
    assert a_asperion.config["client_id"] != b_asperion.config["client_id"]
    assert a_asperion.secrets["client_secret"] != asperion_seed.DEMO_CLIENT_SECRET


def test_the_wizard_lists_only_the_companys_own_administrations(two_companies, world):
    a_admin = administration_of(two_companies["a"][0])
    b_asperion = two_companies["b"][0]
    listed = sandbox_get("/v1/administrations", b_asperion).json()["_data"]
    assert [row["id"] for row in listed] == [b_asperion.config["administration_id"]]
    page = world.client_for(world.outsider).get("/setup/apps/").content.decode()
    assert a_admin.name not in page
    assert administration_of(b_asperion).name in page


def test_choosing_another_companys_administration_in_the_wizard_is_refused(two_companies, world):
    a_admin = administration_of(two_companies["a"][0])
    client = world.client_for(world.outsider)
    response = client.post(
        "/setup/apps/administration/", {"admin-administration_id": str(a_admin.pk)}
    )
    assert response.status_code == 400
    b_asperion = Connection.objects.get(tenant=world.other_tenant, system="asperion")
    assert b_asperion.config["administration_id"] != a_admin.pk


def test_the_sandbox_admin_pages_show_a_member_only_their_companys_accounts(two_companies, world):
    a_asperion, a_feeddex = two_companies["a"]
    b_asperion, b_feeddex = two_companies["b"]
    a_admin, b_admin = administration_of(a_asperion), administration_of(b_asperion)
    a_account = Account.objects.get(organization=a_feeddex.config["organization"])
    b_account = Account.objects.get(organization=b_feeddex.config["organization"])
    b = world.client_for(world.outsider)

    asperion_page = b.get("/sandbox/asperion/admin/")
    assert asperion_page.status_code == 200
    assert b_admin.name in asperion_page.content.decode()
    assert a_admin.name not in asperion_page.content.decode()
    assert b.get(f"/sandbox/asperion/admin/?administration={a_admin.pk}").status_code == 404
    knobs = {"rate_per_second": "0", "error_rate": "1", "errors": "500"}
    changed = b.post(f"/sandbox/asperion/admin/knobs/?administration={a_admin.pk}", knobs)
    assert changed.status_code == 404
    a_admin.refresh_from_db()
    assert a_admin.knobs.get("error_rate", 0) != 1
    order = SalesOrder.objects.filter(administration=a_admin).first()
    if order is not None:
        answer = b.post(f"/sandbox/asperion/admin/orders/{order.pk}/status/", {"status": "9"})
        assert answer.status_code == 404

    feeddex_page = b.get("/sandbox/feeddex/admin/")
    assert feeddex_page.status_code == 200
    assert b_account.organization in feeddex_page.content.decode()
    assert a_account.organization not in feeddex_page.content.decode()
    assert b.get(f"/sandbox/feeddex/admin/{a_account.pk}/").status_code == 404
    assert b.post(f"/sandbox/feeddex/admin/{a_account.pk}/", {"action": "knobs"}).status_code == 404
    assert b.get(f"/sandbox/feeddex/admin/{b_account.pk}/").status_code == 200


def test_staff_see_every_companys_sandbox_accounts(two_companies):
    staff = User.objects.create_user(email="ops@example.com", password="x" * 20, is_staff=True)
    client = Client()
    client.force_login(staff)
    page = client.get("/sandbox/asperion/admin/").content.decode()
    for name in ("a", "b"):
        assert administration_of(two_companies[name][0]).name in page


def signup_as(email: str) -> Client:
    """Sign up, and confirm the address as its holder would (the link of the mail)."""
    from django.core import signing

    from tenants.models import SignupRequest
    from tenants.services import signup_token

    client = Client()
    response = client.post(
        "/accounts/signup/",
        {"company_name": "Sneaky BV", "email": email, "password": "a long enough secret 99"},
    )
    assert response.status_code == 200, response.content[:300]
    pending = SignupRequest.objects.get(email=email)
    assert signing.loads(signup_token(pending), salt="tenants.signup") == pending.pk
    confirmed = client.post(f"/accounts/signup/confirm/{signup_token(pending)}/")
    assert confirmed.status_code == 302
    return client


def test_signing_up_as_demo_at_example_com_gives_no_sandbox_rights(two_companies):
    demo_user, _client = asperion_seed.ensure_demo_user()
    demo_account = feeddex_seed.ensure_demo_account()
    a_admin = administration_of(two_companies["a"][0])
    client = signup_as("demo@example.com")
    assert Tenant.objects.filter(memberships__user__email="demo@example.com").exists()

    page = client.get("/sandbox/asperion/admin/").content.decode()
    assert asperion_seed.DEMO_CLIENT_SECRET not in page
    assert a_admin.name not in page
    assert not any(a.name in page for a in demo_user.administrations.all())
    listing = client.get("/sandbox/feeddex/admin/").content.decode()
    assert demo_account.organization not in listing.replace("demo@example.com", "")
    other: Any = Account.objects.exclude(pk=demo_account.pk).first()
    assert client.get(f"/sandbox/feeddex/admin/{other.pk}/").status_code == 404
    assert client.get(f"/sandbox/feeddex/admin/{demo_account.pk}/").status_code == 404
