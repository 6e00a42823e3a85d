"""A tenant whose integration runs against both sandboxes over real HTTP (live server)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from connectors.asperion.sandbox import models as asperion_db
from connectors.asperion.sandbox.seed import seed_administration
from connectors.feeddex.sandbox import models as feeddex_db
from connectors.feeddex.sandbox import services as feeddex_sandbox
from connectors.sandboxkit.knobs import Knobs
from connectors.sandboxkit.provision import sandbox_connect
from flows import services
from flows.live_lists import integration_propose_defaults, shipping_article_create, with_defaults
from flows.models import COMPLETED_STATUSES, Flow, FlowRun, Integration, RunStatus, Trigger
from flows.services import integration_ensure
from flows.settings_schemas import parse_customer_defaults
from tenants.models import Tenant, User
from tenants.services import signup

# TEST_UNKNOWN_FIELDS=1 runs the flow suite against answers full of fields (and kinds) that no
# contract lists, as a real API that grows without notice gives them.
UNKNOWN_FIELDS = os.environ.get("TEST_UNKNOWN_FIELDS") == "1"
# TEST_SEED_PROFILE=other gives every flow test's company an ordinary administration whose
# codes are not the demo's (other VAT code and debtor kind ids, no VERZEND article), with its
# settings proposed from that administration's own lists as the wizard proposes them.
SEED_PROFILE = os.environ.get("TEST_SEED_PROFILE") or "demo"


@dataclass
class Synced:
    tenant: Tenant
    owner: User
    integration: Integration
    profile: str = "demo"  # the sandbox administration's seed profile

    def flow(self, kind: str) -> Flow:
        return self.integration.flows.get(kind=kind)

    def configure(self, kind: str, **settings: Any) -> Flow:
        flow = self.flow(kind)
        return services.flow_update_settings(flow=flow, data={**flow.settings, **settings})

    def run(self, kind: str, trigger: str = Trigger.MANUAL, **params: Any) -> FlowRun:
        """Run a flow to its end in this process (slices included) and return the run."""
        flow = self.flow(kind)
        run = FlowRun.objects.create(tenant=self.tenant, flow=flow, trigger=trigger, params=params)
        while services.run_execute(run.pk) == "continued":
            pass
        run.refresh_from_db()
        return run

    def set_knobs(self, **knobs: Any) -> None:
        """Set the faults of both sandboxes (the sandboxes' own rate limit is off unless given)."""
        values = {
            "rate_per_second": 0,
            "rate_per_minute": 0,
            "unknown_fields": UNKNOWN_FIELDS,
            **knobs,
        }
        administration = self.administration
        administration.knobs = values
        administration.save(update_fields=["knobs"])
        account = self.account
        account.knobs = Knobs(**values).model_dump(mode="json")
        account.save(update_fields=["knobs"])

    @property
    def administration(self) -> asperion_db.Administration:
        admin_id = self.integration.accounting.config["administration_id"]
        return asperion_db.Administration.objects.get(pk=admin_id)

    @property
    def account(self) -> feeddex_db.Account:
        return feeddex_db.Account.objects.get(
            organization=self.integration.shop.config["organization"]
        )


@pytest.fixture
def synced(live_server: Any, settings: Any, transactional_db: None) -> Synced:
    settings.SITE_URL = live_server.url
    settings.CONNECTOR_RETRY_BASE_DELAY = 0.02
    settings.CONNECTOR_RETRY_MAX_DELAY = 0.2
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"
    return connected_company(email="shop@example.com", name="Fietsen Jansen")


def connected_company(*, email: str, name: str, profile: str = SEED_PROFILE) -> Synced:
    """A company signed up and connected to sandbox accounts of its own, without limits."""
    owner, tenant = signup(email=email, password="a long enough secret 99", company_name=name)
    sandbox_connect(tenant=tenant, profile=profile)
    integration = integration_ensure(tenant=tenant)
    for connection in (integration.accounting, integration.shop):
        # The sandboxes' default rate limit would only slow the tests down.
        connection.config = {
            **connection.config,
            "rate_limit_per_second": 500,
            "rate_limit_burst": 100,
        }
        connection.save(update_fields=["config"])
    company = Synced(tenant=tenant, owner=owner, integration=integration, profile=profile)
    company.set_knobs(rate_per_second=0, rate_per_minute=0)
    if profile != "demo":
        # The demo's codes are the settings' defaults (proposing changes none of them, see
        # test_live_lists); any other administration gets what the wizard would propose.
        settle_defaults(company)
    return company


def settle_defaults(company: Synced) -> None:
    """What the wizard does on connecting: every setting that names something in Asperion or
    Feeddex proposed from their lists, and the shipping-cost article created when none is
    found."""
    integration = company.integration
    assert integration_propose_defaults(integration=integration)
    if not shipping_code(company):
        shipping_article_create(integration=integration)
    integration.refresh_from_db()


def reseed(synced: Synced, *, articles: int, debtors: int, seed: int) -> None:
    """Replace the administration's records with generated ones as its profile has them: the
    demo's come with the VERZEND article; another's gets the shipping-cost article that the
    wizard makes (the one made before went with the records)."""
    demo = synced.profile == "demo"
    seed_administration(
        synced.administration,
        articles=articles,
        debtors=debtors,
        seed=seed,
        shipping_article=demo,
    )
    if not demo:
        settle_defaults(synced)


def order_settings(synced: Synced) -> dict[str, Any]:
    """The orders flow's settings as they take effect (defaults never saved included)."""
    return with_defaults("orders", synced.flow("orders").settings or {})


def shipping_code(synced: Synced) -> str:
    """The article code of the shipping-cost line, as the orders settings name it."""
    return str(order_settings(synced)["shipping_article_code"])


def vat_code(synced: Synced, rate: str = "21") -> str:
    """The Asperion VAT code the orders settings book a Dutch sale at this rate on."""
    return str(order_settings(synced)["vat_code_map"][rate])


def debtor_kind(synced: Synced, *, business: bool) -> str:
    """The debtor kind the customer defaults give a new company or private person."""
    synced.integration.refresh_from_db()
    defaults = parse_customer_defaults(synced.integration.customer_defaults)
    return defaults.debtor_kind_company if business else defaults.debtor_kind_person


def code_of(synced: Synced, model: Any, description: str) -> str:
    """The code of the administration's list item with this description (the seed profiles
    rename codes, never descriptions): a VAT code, payment method or journal."""
    return str(
        model.objects.get(administration=synced.administration, description=description).code
    )


def assert_succeeded(run: FlowRun) -> None:
    assert run.status == RunStatus.SUCCEEDED, run.error


def assert_completed(run: FlowRun) -> None:
    """The run went through its records (some of which may have failed)."""
    assert run.status in COMPLETED_STATUSES, run.error


@pytest.fixture
def shop(synced: Synced) -> Synced:
    """The integration with a clean order book (with the shipping-cost article)."""
    admin = synced.administration
    code = shipping_code(synced)
    assert asperion_db.Article.objects.filter(administration=admin, code=code).exists()
    feeddex_db.Order.objects.filter(account=synced.account).delete()
    asperion_db.SalesOrder.objects.filter(administration=admin).delete()
    return synced


def article_codes(synced: Synced, count: int) -> list[str]:
    articles = asperion_db.Article.objects.filter(
        administration=synced.administration, is_variant=False, active=True
    ).exclude(code=shipping_code(synced))
    return list(articles.order_by("id").values_list("code", flat=True)[:count])


def place(
    synced: Synced,
    *,
    email: str,
    skus: list[str],
    paid: bool = True,
    company: str | None = None,
    country: str = "NL",
    vat_number: str | None = None,
    **extra: Any,
) -> feeddex_db.Order:
    new_order = feeddex_sandbox.NewOrder(
        customer_data={
            "email": email,
            "firstName": "Eva",
            "lastName": "de Vries",
            "companyName": company,
            "phone": "0612345678",
            "vatNumber": vat_number,
        },
        billing_address={
            "street": "Keizersgracht",
            "houseNumber": "123",
            "houseNumberAddition": "A",
            "postalCode": "1015 CJ",
            "city": "Amsterdam",
            "countryCode": country,
        },
        lines=[
            {
                "sku": sku,
                "name": sku,
                "quantity": 2,
                "unitPrice": 12.10,
                "priceIncludesVat": True,
                "vatRate": 21,
            }
            for sku in skus
        ],
        shipping_cost={"amount": 4.95, "priceIncludesVat": True, "vatRate": 21},
        payment_status="paid" if paid else "pending",
        **extra,
    )
    return feeddex_sandbox.order_place(
        account=synced.account, new_order=new_order, now=timezone.now()
    )


def sales_orders(synced: Synced) -> Any:
    return asperion_db.SalesOrder.objects.filter(administration=synced.administration)
