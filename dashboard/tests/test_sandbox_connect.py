""" "Use the sandboxes" gives every tenant sandbox accounts of its own."""

from __future__ import annotations

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from connectors.feeddex.sandbox.seed import DEMO_ORGANIZATION
from connectors.sandboxkit.provision import sandbox_connect


def accounts_of(tenant) -> tuple[asperion_db.Administration, feeddex_db.Account]:
    asperion, feeddex = sandbox_connect(tenant=tenant)
    administration = asperion_db.Administration.objects.get(pk=asperion.config["administration_id"])
    account = feeddex_db.Account.objects.get(organization=feeddex.config["organization"])
    assert account.auth_code == feeddex.secrets["auth_code"]
    return administration, account


def test_each_tenant_gets_an_administration_and_an_organization_of_its_own(world):
    first = accounts_of(world.tenant)
    other = accounts_of(world.other_tenant)
    assert first[0].pk != other[0].pk
    assert first[1].pk != other[1].pk
    for administration, account in (first, other):
        codes = set(
            asperion_db.Article.objects.filter(administration=administration).values_list(
                "code", flat=True
            )
        )
        assert codes
        orders = feeddex_db.Order.objects.filter(account=account)
        ordered = {line["sku"] for order in orders for line in order.lines}
        assert ordered
        assert ordered <= codes  # the shop sells the tenant's own articles
    # Connecting again keeps the tenant's accounts (and their data).
    assert accounts_of(world.tenant) == first
    assert not feeddex_db.Account.objects.filter(organization=DEMO_ORGANIZATION).exists()


def test_the_demo_company_uses_the_demo_accounts(world):
    _asperion, feeddex = sandbox_connect(tenant=world.tenant, demo_accounts=True)
    assert feeddex.config["organization"] == DEMO_ORGANIZATION
