"""States that tell the truth: dry runs say "would", failed runs never read as "0 failed",
the setup card leaves once the company is live, and going live with a flow that cannot run
needs an explicit choice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.services import wizard_state_for
from flows.models import RunStatus, Trigger
from tests.factories import add_run, make_integration

pytestmark = pytest.mark.django_db


def test_a_dry_run_says_what_it_would_do_on_every_list(world, scene):
    dry = add_run(scene.products, created=3, failed=1, trigger=Trigger.DRY_RUN)
    client = world.client_for(world.owner)
    run_page = client.get(reverse("dashboard:run_detail", args=[dry.pk])).content.decode()
    assert "3 would be created" in run_page
    assert "3 created" not in run_page
    assert "would create" in run_page  # the badge of each record
    assert "dry run" in run_page
    activity = client.get(reverse("dashboard:activity")).content.decode()
    assert activity.count("would create") == 3  # the dry run's records
    assert activity.count('badge created">created') == 3  # the real run's records
    home = client.get(reverse("dashboard:home")).content.decode()
    assert "3 would be created" in home


def test_a_failed_run_never_shows_0_failed_alone(world, scene):
    run = add_run(scene.products, created=2)
    run.status, run.error = RunStatus.FAILED, "asperion GET /v1/articles answered 503"
    run.save()
    page = world.client_for(world.owner).get(reverse("dashboard:run_detail", args=[run.pk]))
    assert "the run stopped before its end" in page.content.decode()


def test_a_run_that_failed_its_only_record_does_not_read_as_succeeded(world, scene):
    scene.products.enabled = True
    scene.products.save()
    run = add_run(scene.products, failed=1)
    run.status = RunStatus.PARTIAL
    run.save()
    client = world.client_for(world.owner)
    page = client.get(reverse("dashboard:run_detail", args=[run.pk])).content.decode()
    assert "all records failed" in page
    assert "succeeded" not in page.split('class="page-head"')[1].split("</div>")[0]
    flows = client.get(reverse("dashboard:flows")).content.decode()
    assert "all records failed" in flows


def test_the_setup_card_leaves_once_the_company_is_live(world, scene):
    client = world.client_for(world.owner)
    assert 'data-testid="setup-card"' in client.get(reverse("dashboard:home")).content.decode()
    # Live without the wizard (the demo's setup, or the API): no more "Start the setup".
    scene.integration.live = True
    scene.integration.save()
    home = client.get(reverse("dashboard:home")).content.decode()
    assert 'data-testid="setup-card"' not in home
    assert "records today" in home


def at_the_live_step(world):
    integration = make_integration(world.tenant)
    integration.flows.filter(kind__in=["products", "review_invitations"]).update(enabled=True)
    integration.flows.exclude(kind__in=["products", "review_invitations"]).update(enabled=False)
    products = integration.flows.get(kind="products")
    dry = add_run(products, created=1, failed=2, trigger=Trigger.DRY_RUN)
    dry.status = RunStatus.PARTIAL
    dry.save()
    state = wizard_state_for(tenant=world.tenant)
    state.step, state.dry_run_ids = "live", [dry.pk]
    state.save()
    return integration


def test_the_dry_run_step_shows_failures_and_settings_problems(world):
    at_the_live_step(world)
    page = world.client_for(world.owner).get(reverse("dashboard:wizard_step", args=["dry_run"]))
    body = page.content.decode()
    # Review invitations have no Feeddex unit yet: our own check says so, not "the API".
    assert 'data-testid="concern-review_invitations"' in body
    assert "Our check of the settings: choose the Feeddex unit" in body
    assert 'data-testid="concern-products"' in body
    assert "ean: the check digit is wrong" in body


def test_going_live_needs_a_choice_for_each_flow_with_a_problem(world):
    integration = at_the_live_step(world)
    client = world.client_for(world.owner)
    url = reverse("dashboard:wizard_go_live")
    refused = client.post(url)
    assert refused.status_code == 400
    integration.refresh_from_db()
    assert not integration.live
    products = integration.flows.get(kind="products")
    invitations = integration.flows.get(kind="review_invitations")
    refused = client.post(url, {f"flow-{products.pk}": "anyway"})
    assert refused.status_code == 400
    done = client.post(url, {f"flow-{products.pk}": "anyway", f"flow-{invitations.pk}": "off"})
    assert done.status_code == 302
    integration.refresh_from_db()
    assert integration.live
    assert set(integration.flows.filter(enabled=True).values_list("kind", flat=True)) == {
        "products"
    }


def test_the_connection_page_names_its_settings_in_words(world, scene):
    page = world.client_for(world.owner).get(
        reverse("dashboard:connection_detail", args=[scene.integration.accounting.pk])
    )
    facts = page.content.decode().split('data-testid="connection-facts"')[1].split("<form")[0]
    assert "<dt>API address</dt>" in facts
    assert "<dt>Administration</dt>" in facts
    assert "api_base_url" not in facts
    assert "administration_id" not in facts


def test_the_api_docs_and_the_sandbox_admin_are_linked(world, scene, settings):
    from connectors.models import Connection
    from connectors.sandboxkit.provision import sandbox_base_url

    client = world.client_for(world.owner)
    page = client.get(reverse("dashboard:settings")).content.decode()
    assert f'href="{reverse("api:docs")}"' in page
    shop = scene.integration.shop
    assert (
        'data-testid="sandbox-admin"'
        not in client.get(reverse("dashboard:connection_detail", args=[shop.pk])).content.decode()
    )
    Connection.objects.filter(pk=shop.pk).update(
        config={**shop.config, "api_base_url": sandbox_base_url("feeddex")}
    )
    sandbox_page = client.get(reverse("dashboard:connection_detail", args=[shop.pk]))
    assert f'href="{reverse("feeddex_sandbox:admin")}"' in sandbox_page.content.decode()


def test_help_texts_are_where_the_fields_point(world, scene):
    page = world.client_for(world.owner).get(
        reverse("dashboard:flow_settings", args=[scene.products.pk])
    )
    body = page.content.decode()
    import re

    pointers = re.findall(r'aria-describedby="([^"]+)"', body)
    assert pointers
    for pointer in pointers:
        for target in pointer.split():
            assert f'id="{target}"' in body, target


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "a sales order (Asperion invoices it later)"),
        ("nl", "een verkooporder (Asperion factureert hem later)"),
    ],
)
def test_settings_choices_are_words_not_stored_values(world, scene, language, words):
    world.owner.language = language
    world.owner.save()
    orders = scene.integration.flows.get(kind="orders")
    page = world.client_for(world.owner).get(reverse("dashboard:flow_settings", args=[orders.pk]))
    body = page.content.decode()
    assert 'value="salesorder"' in body
    assert f">{words}</option>" in body
    assert ">salesorder<" not in body
