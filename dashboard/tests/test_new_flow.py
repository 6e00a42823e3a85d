"""A flow is one class: a flow written here, in a test module, is listed, scheduled,
configurable and mapped without a line in any other file."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pydantic import Field

from connectors.records import Product, Record
from flows.definitions import FlowDefinition
from flows.engine import Outcome, RunContext, skipped
from flows.models import FlowRun, Trigger
from flows.registry import flow_registered
from flows.services import flow_set_enabled, flow_update_settings, schedule_due_flows
from flows.settings_schemas import Settings, SettingsInvalid
from mapping.defaults import rule
from mapping.kinds import MappingKind, mapping_kinds
from mapping.services import mapping_problems
from tests.factories import make_integration

pytestmark = pytest.mark.django_db


class GiftCardSettings(Settings):
    minimum_value: int = Field(10, ge=0, description="Only gift cards worth at least this much.")


class GiftCardsFlow(FlowDefinition):
    kind = "gift_cards"
    name = "Gift cards"
    label = "Gift cards (Asperion → Feeddex)"
    description = "Gift card articles become Feeddex gift cards."
    source, target = "accounting", "shop"
    stream = "articles"
    record_type = Product
    log_entities = ("gift card",)
    default_interval = 30
    settings_schema = GiftCardSettings
    mapping = MappingKind(
        "gift_cards",
        "Article → gift card",
        Product,
        "feeddex.Product",
        [
            rule("sku", "sku"),
            rule("type", const="simple"),
            rule("name", "name"),
            rule("price", "price_excl_vat"),
            rule("currency", const="EUR"),
        ],
    )

    def handle(self, ctx: RunContext, record: Record) -> Outcome:
        return skipped("gift card", record.key, "not a gift card", source=record.as_source())


@pytest.fixture
def gift_cards():
    with flow_registered(GiftCardsFlow()) as definition:
        yield definition


def test_a_new_flow_is_listed_scheduled_configurable_and_mapped(world, gift_cards):
    integration = make_integration(world.tenant)
    flow = integration.flows.get(kind="gift_cards")
    client = world.client_for(world.owner)

    # listed with its label; its page says what it does
    page = client.get(reverse("dashboard:flows")).content.decode()
    assert "Gift cards (Asperion → Feeddex)" in page
    detail = client.get(reverse("dashboard:flow_detail", args=[flow.pk])).content.decode()
    assert "Gift card articles become Feeddex gift cards." in detail

    # configurable: its settings schema is the form, and the only way in
    settings_page = client.get(reverse("dashboard:flow_settings", args=[flow.pk])).content.decode()
    assert 'name="gift_cards-minimum_value"' in settings_page
    assert "Only gift cards worth at least this much." in settings_page
    flow_update_settings(flow=flow, data={"minimum_value": 25})
    with pytest.raises(SettingsInvalid):
        flow_update_settings(flow=flow, data={"minimum_value": -1})

    # mapped: its default mapping is stored, valid, and its kind is known to the mapping app
    assert "gift_cards" in mapping_kinds()
    assert flow.mapping is not None
    assert flow.mapping.flow_kind == "gift_cards"
    default = mapping_kinds()["gift_cards"].spec()
    assert mapping_problems(flow_kind="gift_cards", spec=default) == []
    assert client.get(reverse("dashboard:mapping", args=[flow.pk])).status_code == 200

    # scheduled on its own interval once switched on
    assert flow.interval_minutes == 30
    flow_set_enabled(flow=flow, enabled=True)
    integration.live = True
    integration.save(update_fields=["live"])
    schedule_due_flows()
    assert FlowRun.objects.filter(flow=flow, trigger=Trigger.SCHEDULE).count() == 1


def test_without_it_no_integration_has_the_flow(world):
    integration = make_integration(world.tenant)
    assert not integration.flows.filter(kind="gift_cards").exists()
    assert "gift_cards" not in mapping_kinds()
