"""With several integrations, the activity log and insights show one at a time: the one
the flows page shows, chosen with the same switcher; the main navigation links to the
integrations. Owner, viewer and outsider."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flows.models import Integration
from tests.factories import add_run, make_integration

pytestmark = pytest.mark.django_db

ACTIVITY = reverse("dashboard:activity")
INSIGHTS = reverse("dashboard:insights")
SWITCH = reverse("dashboard:integration_switch")


@pytest.fixture
def two(world) -> tuple[Integration, Integration]:
    """Two integrations of the company with records of their own (2 and 3 created)."""
    first = make_integration(world.tenant, name="Webshop NL")
    second = make_integration(world.tenant, name="Webshop DK")
    add_run(first.flows.get(kind="products"), created=2)
    add_run(second.flows.get(kind="products"), created=3)
    return first, second


def shown_integrations(response) -> set[int]:
    return {record.flow.integration_id for record in response.context["records"]}


@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_the_activity_log_shows_the_chosen_integrations_records(world, two, who):
    first, second = two
    client = world.client_for(getattr(world, who))
    page = client.get(ACTIVITY)
    assert shown_integrations(page) == {first.pk}
    assert len(page.context["records"]) == 2
    assert 'data-testid="integration-switcher"' in page.content.decode()
    flows = {choice for choice, _label in page.context["form"].fields["flow"].choices if choice}
    assert flows == set(first.flows.values_list("pk", flat=True))

    switched = client.post(SWITCH, {"integration": second.pk, "next": ACTIVITY})
    assert switched["Location"] == ACTIVITY
    page = client.get(ACTIVITY, {"action": "created"})
    assert shown_integrations(page) == {second.pk}
    assert len(page.context["records"]) == 3
    # The other integration's flow is not a choice here.
    other_flow = first.flows.get(kind="products")
    assert client.get(ACTIVITY, {"flow": other_flow.pk}).status_code == 400


@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_insights_show_the_chosen_integrations_figures(world, two, who):
    first, second = two
    client = world.client_for(getattr(world, who))
    page = client.get(INSIGHTS)
    assert {f.flow.integration_id for f in page.context["figures"]} == {first.pk}
    assert page.context["totals"]["created"] == 2
    connections = {first.accounting.name, first.shop.name}
    assert {u.name for u in page.context["usage"]} == connections
    assert len(page.context["usage"]) == 2  # not the other integration's two
    assert 'data-testid="integration-switcher"' in page.content.decode()

    client.post(SWITCH, {"integration": second.pk, "next": INSIGHTS})
    page = client.get(INSIGHTS)
    assert {f.flow.integration_id for f in page.context["figures"]} == {second.pk}
    assert page.context["totals"]["created"] == 3


def test_outsiders_see_none_of_the_companys_records(world, two):
    outsider = world.client_for(world.outsider)
    assert outsider.post(SWITCH, {"integration": two[0].pk}).status_code == 404
    assert list(outsider.get(ACTIVITY).context["records"]) == []
    page = outsider.get(INSIGHTS)
    assert page.context["figures"] == []
    assert page.context["totals"]["created"] == 0


def test_one_integration_shows_no_switcher_and_all_its_records(world, scene):
    page = world.client_for(world.owner).get(ACTIVITY)
    assert 'data-testid="integration-switcher"' not in page.content.decode()
    assert len(page.context["records"]) == 5


@pytest.mark.parametrize(
    ("language", "word"), [("en", "Integrations"), ("nl", "Integraties"), ("da", "Integrationer")]
)
def test_the_main_navigation_links_to_the_integrations(world, language, word):
    client = world.client_for(world.viewer)
    client.post(reverse("dashboard:language"), {"language": language})
    body = client.get(reverse("dashboard:flows")).content.decode()
    nav = body.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{reverse("dashboard:integrations")}"' in nav
    assert f">{word}</a>" in nav
