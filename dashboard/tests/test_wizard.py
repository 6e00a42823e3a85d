"""The setup wizard over real HTTP against the platform's own sandboxes (no browser)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from connectors.models import Connection
from dashboard.models import WizardState
from dashboard.services import wizard_state_for
from dashboard.tests.sandboxes import unthrottled_connections, unthrottled_sandboxes
from flows.models import FlowRun, Integration, Trigger

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandboxes(settings, live_server):
    """The sandboxes are this live server; runs execute inside the request that starts them."""
    from apicenter.celery import app

    settings.SITE_URL = live_server.url
    # Read before touching the settings, or a not-yet-read configuration comes from them.
    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    unthrottled_sandboxes()
    yield live_server
    app.conf.task_always_eager = previous


def step_url(step: str) -> str:
    return reverse("dashboard:wizard_step", args=[step])


def test_the_wizard_resumes_at_the_furthest_step(world):
    client = world.client_for(world.owner)
    assert client.get(reverse("dashboard:wizard"))["Location"] == step_url("apps")
    state = wizard_state_for(tenant=world.tenant)
    state.step = "settings"
    state.save()
    assert client.get(reverse("dashboard:wizard"))["Location"] == step_url("settings")
    assert client.get(step_url("live"))["Location"] == step_url("settings")
    assert client.get(step_url("apps")).status_code == 200
    assert client.get(step_url("nonsense")).status_code == 404


def test_flows_cannot_be_chosen_before_both_applications_are_connected(world):
    client = world.client_for(world.owner)
    response = client.post(reverse("dashboard:wizard_apps_done"))
    assert response["Location"] == step_url("apps")
    assert not Integration.objects.exists()
    assert WizardState.objects.get(tenant=world.tenant).step == "apps"


def test_feeddex_credentials_are_checked_at_the_field(world):
    response = world.client_for(world.owner).post(
        reverse("dashboard:wizard_feeddex"),
        {"feeddex-organization": "", "feeddex-api_base_url": "x"},
    )
    assert response.status_code == 400
    errors = response.context["feeddex_form"].errors
    assert {"organization", "auth_code", "password", "api_base_url"} <= set(errors)
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("url", "form", "prefix"),
    [
        ("dashboard:asperion_connect", "oauth_form", "oauth"),
        ("dashboard:wizard_asperion_token", "token_form", "token"),
    ],
)
def test_asperion_credentials_are_checked_at_the_field(world, url, form, prefix):
    response = world.client_for(world.owner).post(reverse(url), {f"{prefix}-client_id": ""})
    assert response.status_code == 400
    assert {"client_id", "client_secret"} <= set(response.context[form].errors)
    assert response.context["step"] == "apps"
    assert not Connection.objects.exists()


def test_sandbox_setup_to_live(world, sandboxes):
    client = world.client_for(world.owner)
    client.post(reverse("dashboard:wizard_sandbox"))
    unthrottled_connections()
    asperion = Connection.objects.get(tenant=world.tenant, system="asperion")
    feeddex = Connection.objects.get(tenant=world.tenant, system="feeddex")
    assert (asperion.status, feeddex.status) == ("ok", "ok"), (
        asperion.last_error,
        feeddex.last_error,
    )
    # The Test button answers with the green check, or the API's own words.
    tested = client.post(
        reverse("dashboard:connection_test", args=[feeddex.pk]), HTTP_HX_REQUEST="true"
    )
    assert "✓" in tested.content.decode()
    page = client.get(step_url("apps"))
    assert page.context["administration_form"] is not None  # the administrations are listed

    client.post(reverse("dashboard:wizard_apps_done"))
    integration = Integration.objects.get(tenant=world.tenant)
    assert integration.flows.count() == 5
    client.post(reverse("dashboard:wizard_flows"), {"flows": ["products", "customers"]})
    assert set(integration.flows.filter(enabled=True).values_list("kind", flat=True)) == {
        "products",
        "customers",
    }

    settings_page = client.get(step_url("settings"))
    keys = [s.key for s in settings_page.context["sections"]]
    assert keys == ["products", "customers", "customer_defaults"]
    debtor_kinds = settings_page.context["sections"][2].form.fields["debtor_kind_company"]
    assert len(debtor_kinds.choices) > 1  # Asperion's own list fills the select
    data = {
        f"{s.form.prefix}-{name}": value
        for s in settings_page.context["sections"]
        for name, value in s.form.initial.items()
        if value not in (None, False)
    }
    data["products-update_existing"] = "on"
    response = client.post(reverse("dashboard:wizard_settings"), data)
    assert response.status_code == 302, response.context and [
        s.form.errors for s in response.context["sections"]
    ]

    mapping_page = client.get(step_url("mapping"))
    preview = mapping_page.context["previews"][0]
    assert preview.error is None
    assert preview.rows
    assert '"sku"' in preview.rows[0]["payload_json"]
    client.post(reverse("dashboard:wizard_mapping_done"))

    client.post(reverse("dashboard:wizard_dry_run"))
    runs = FlowRun.objects.filter(tenant=world.tenant, trigger=Trigger.DRY_RUN)
    assert runs.count() == 2
    assert all(run.status == "succeeded" for run in runs), [run.error for run in runs]
    dry = client.get(step_url("dry_run"))
    assert dry.context["finished"]
    products_run = runs.get(flow__kind="products")
    assert dry.context["outcomes"][products_run.pk]

    client.post(reverse("dashboard:wizard_dry_run_done"))
    client.post(reverse("dashboard:wizard_go_live"))
    integration.refresh_from_db()
    assert integration.live
    assert WizardState.objects.get(tenant=world.tenant).completed_at is not None


def test_asperion_consent_round_trip(world, sandboxes):
    from connectors.asperion.sandbox import seed
    from connectors.asperion.sandbox.oauth import code_issue

    user, sandbox_client = seed.ensure_demo_user()
    client = world.client_for(world.owner)
    base = f"{sandboxes.url}/sandbox/asperion"
    response = client.post(
        reverse("dashboard:asperion_connect"),
        {
            "oauth-client_id": seed.DEMO_CLIENT_ID,
            "oauth-client_secret": seed.DEMO_CLIENT_SECRET,
            "oauth-api_base_url": base,
            "oauth-identity_base_url": base,
        },
    )
    authorize = urlparse(response["Location"])
    query = parse_qs(authorize.query)
    assert authorize.path.endswith("/connect/authorize")
    assert query["client_id"] == [seed.DEMO_CLIENT_ID]
    redirect_uri, state = query["redirect_uri"][0], query["state"][0]
    assert redirect_uri.endswith(reverse("dashboard:asperion_callback"))

    # A forged state is refused and changes nothing.
    forged = client.get(reverse("dashboard:asperion_callback"), {"code": "x", "state": "1.nope"})
    assert forged["Location"] == step_url("apps")
    connection = Connection.objects.get(tenant=world.tenant, system="asperion")
    assert "refresh_token" not in connection.secrets

    # The consent page's answer: a code for the demo login (the browser test clicks it).
    client.post(
        reverse("dashboard:asperion_connect"),
        {
            "oauth-client_id": seed.DEMO_CLIENT_ID,
            "oauth-client_secret": seed.DEMO_CLIENT_SECRET,
            "oauth-api_base_url": base,
            "oauth-identity_base_url": base,
        },
    )
    state = client.session["asperion_oauth_state"]
    code = code_issue(client=sandbox_client, user=user, redirect_uri=redirect_uri)
    client.get(reverse("dashboard:asperion_callback"), {"code": code, "state": state})
    connection.refresh_from_db()
    assert connection.secrets["refresh_token"]
    assert connection.status == "ok", connection.last_error
    assert client.get(reverse("dashboard:asperion_callback"), {"code": code, "state": state})[
        "Location"
    ] == step_url("apps")


def test_a_refused_consent_is_said_plainly(world):
    client = world.client_for(world.owner)
    session = client.session
    session["asperion_oauth_state"] = "5.abc"
    session.save()
    response = client.get(
        reverse("dashboard:asperion_callback"),
        {"error": "access_denied", "state": "5.abc"},
        follow=True,
    )
    assert "Asperion did not give access: access_denied" in response.content.decode()


def test_choosing_no_flow_is_an_error(world):
    from tests.factories import make_integration

    make_integration(world.tenant)
    state = wizard_state_for(tenant=world.tenant)
    state.step = "flows"
    state.save()
    response = world.client_for(world.owner).post(reverse("dashboard:wizard_flows"), {})
    assert response.status_code == 400
    assert "Choose at least one flow." in response.content.decode()
    assert WizardState.objects.get(tenant=world.tenant).step == "flows"


def test_an_administration_must_be_one_of_the_list(world, sandboxes):
    client = world.client_for(world.owner)
    client.post(reverse("dashboard:wizard_sandbox"))
    response = client.post(
        reverse("dashboard:wizard_administration"), {"admin-administration_id": "999999"}
    )
    assert response.status_code == 400
    asperion = Connection.objects.get(tenant=world.tenant, system="asperion")
    assert asperion.config["administration_id"] != 999999


def test_a_later_step_cannot_be_skipped_to(world):
    from tests.factories import make_integration

    integration = make_integration(world.tenant)
    state = wizard_state_for(tenant=world.tenant)
    state.step = "flows"
    state.save()
    response = world.client_for(world.owner).post(reverse("dashboard:wizard_go_live"))
    assert response["Location"] == step_url("flows")
    integration.refresh_from_db()
    assert not integration.live


def test_the_wizard_asks_which_asperion_package_as_a_question_of_its_own(world, sandboxes):
    from dashboard.tests.form_html import form_data

    client = world.client_for(world.owner)
    client.post(reverse("dashboard:wizard_sandbox"))
    unthrottled_connections()
    client.post(reverse("dashboard:wizard_apps_done"))
    client.post(reverse("dashboard:wizard_flows"), {"flows": ["orders"]})
    orders = Integration.objects.get(tenant=world.tenant).flows.get(kind="orders")

    # Asperion's API does not say: a question of its own, not a field among the orders'.
    html = client.get(step_url("settings")).content.decode()
    question = html.index('data-testid="question-accounting_package"')
    section = html.index('id="section-orders"')
    assert question < section
    assert html.count('name="orders-accounting_package"') == 3  # the three radios only
    assert 'type="radio" name="orders-accounting_package" value="unknown" checked' in html
    assert "inBalance, without sales orders" in html

    # inBalance books invoices: it needs the sales journal and revenue account, named.
    data = form_data(
        html,
        containing="orders-vat_code_map-key-0",
        changes={"orders-accounting_package": "inBalance"},
    )
    refused = client.post(reverse("dashboard:wizard_settings"), data)
    assert refused.status_code == 400
    assert "invoice_journal_id is required" in refused.content.decode()
    assert 'value="inBalance" checked' in refused.content.decode()  # the answer stays
    data |= {"orders-invoice_journal_id": "VKW", "orders-revenue_ledger_account_id": "8000"}
    assert client.post(reverse("dashboard:wizard_settings"), data).status_code == 302
    orders.refresh_from_db()
    assert orders.settings["accounting_package"] == "inBalance"
    assert orders.settings["book_as"] == "salesinvoice"

    # Answered: back to an ordinary setting of the orders.
    html = client.get(step_url("settings")).content.decode()
    assert 'data-testid="question-accounting_package"' not in html
    assert '<select name="orders-accounting_package"' in html
