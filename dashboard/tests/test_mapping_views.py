"""The mapping editor: rules shown, saved as versions, errors at the rule, preview, rollback."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from dashboard.samples import cache_key
from dashboard.views.mapping import rows_from_spec
from mapping.models import MappingVersion
from mapping.selectors import mapping_current_version

pytestmark = pytest.mark.django_db

SAMPLE = {
    "sku": "FIETS-001",
    "name": "Stadsfiets Comfort",
    "short_description": "Een fiets",
    "long_description": "",
    "price_excl_vat": "499.00",
    "price_incl_vat": "603.79",
    "vat_rate": "21",
    "ean": "",
    "current_stock": "5",
    "reserved_stock": "1",
    "active": True,
    "is_variant": False,
}


def current(flow) -> MappingVersion:
    version = mapping_current_version(mapping=flow.mapping)
    assert version is not None
    return version


@pytest.fixture
def products(scene):
    flow = scene.products
    # The preview reads cached samples first: these stand for the source's records.
    cache.set(cache_key(flow), [SAMPLE], 300)
    return flow


def form_data(flow, change=None, drop=()) -> dict[str, str]:
    version = current(flow)
    rows = rows_from_spec(version.spec)
    data = {"rules": str(len(rows))}
    for row in rows:
        for name in ("target", "mode", "value", "steps", "when", "default", "items", "note"):
            data[f"rule-{row.index}-{name}"] = getattr(row, name)
        if row.create_only:  # a checkbox: sent only when ticked
            data[f"rule-{row.index}-create_only"] = "1"
        if row.target in drop:
            data[f"rule-{row.index}-delete"] = "1"
        if change and row.target == change[0] and not row.when:
            data[f"rule-{row.index}-steps"] = change[1]
    return data


def test_the_editor_shows_every_rule_and_the_function_library(world, products):
    response = world.client_for(world.owner).get(reverse("dashboard:mapping", args=[products.pk]))
    assert response.status_code == 200
    targets = [row.target for row in response.context["rows"]]
    assert "sku" in targets
    assert targets[-1] == ""  # the empty row that adds a rule
    body = response.content.decode()
    assert "split_address(line, part=None)" in body
    assert "FIETS-001" in body  # the live preview of the sample


def test_saving_makes_a_new_version(world, products):
    client = world.client_for(world.owner)
    data = form_data(products, change=("name", "upper"))
    data["version_note"] = "names in capitals"
    response = client.post(reverse("dashboard:mapping", args=[products.pk]), data)
    assert response.status_code == 302
    version = current(products)
    assert version.number == 2
    assert version.note == "names in capitals"
    assert version.created_by == world.owner
    name_rules = [r for r in version.spec["rules"] if r["target"] == "name"]
    assert name_rules[0]["steps"] == [{"fn": "upper"}]


def test_an_unknown_function_is_an_error_at_its_rule(world, products):
    data = form_data(products, change=("name", "shout(1)"))
    response = world.client_for(world.owner).post(
        reverse("dashboard:mapping", args=[products.pk]), data
    )
    assert response.status_code == 400
    [name_row] = [row for row in response.context["rows"] if row.target == "name"]
    assert any("shout" in e for e in name_row.errors)
    assert MappingVersion.objects.filter(mapping=products.mapping).count() == 1


def test_removing_a_required_field_is_refused(world, products):
    data = form_data(products, drop=("sku",))
    response = world.client_for(world.owner).post(
        reverse("dashboard:mapping", args=[products.pk]), data
    )
    assert response.status_code == 400
    assert any("sku" in e for e in response.context["general_errors"])


def test_preview_follows_the_form_without_saving(world, products):
    data = form_data(products, change=("name", "upper"))
    response = world.client_for(world.viewer).post(
        reverse("dashboard:mapping_preview", args=[products.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "&quot;name&quot;: &quot;STADSFIETS COMFORT&quot;" in response.content.decode()
    assert MappingVersion.objects.filter(mapping=products.mapping).count() == 1


def test_preview_of_unreadable_text_says_what_is_wrong(world, products):
    data = form_data(products, change=("name", "truncate(("))
    response = world.client_for(world.owner).post(
        reverse("dashboard:mapping_preview", args=[products.pk]), data
    )
    assert "not closed" in response.content.decode()


def test_versions_diff_and_rollback(world, products):
    client = world.client_for(world.owner)
    client.post(
        reverse("dashboard:mapping", args=[products.pk]),
        form_data(products, change=("name", "upper")),
    )
    versions = client.get(reverse("dashboard:mapping_versions", args=[products.pk]))
    changes = versions.context["changes"]
    assert [(c["target"], c["change"]) for c in changes] == [("name", "changed")]
    assert "upper" in versions.content.decode()
    client.post(reverse("dashboard:mapping_rollback", args=[products.pk]), {"number": "1"})
    rolled_back = current(products)
    assert rolled_back.number == 3
    first = MappingVersion.objects.get(mapping=products.mapping, number=1)
    assert rolled_back.spec == first.spec


def test_rollback_to_a_version_that_does_not_exist(world, products):
    client = world.client_for(world.owner)
    client.post(reverse("dashboard:mapping_rollback", args=[products.pk]), {"number": "9"})
    assert current(products).number == 1


def test_the_orders_flow_has_a_customer_mapping_too(world, scene):
    orders = scene.integration.flows.get(kind="orders")
    response = world.client_for(world.owner).get(
        reverse("dashboard:mapping", args=[orders.pk]), {"part": "customer"}
    )
    assert response.status_code == 200
    assert response.context["mapping"].flow_kind == "order_customer"
    assert response.context["parts"] == ["main", "customer"]
    products = world.client_for(world.owner).get(
        reverse("dashboard:mapping", args=[scene.products.pk]), {"part": "customer"}
    )
    assert products.status_code == 404


def test_mapping_access(world, products):
    url = reverse("dashboard:mapping", args=[products.pk])
    rollback = reverse("dashboard:mapping_rollback", args=[products.pk])
    assert world.client_for(world.viewer).get(url).status_code == 200
    assert world.client_for(world.viewer).post(url, form_data(products)).status_code == 403
    assert world.client_for(world.viewer).post(rollback, {"number": "1"}).status_code == 403
    for view in (url, reverse("dashboard:mapping_versions", args=[products.pk])):
        assert world.client_for(world.outsider).get(view).status_code == 404
    assert (
        world.client_for(world.outsider)
        .post(reverse("dashboard:mapping_preview", args=[products.pk]), {})
        .status_code
        == 404
    )


def test_a_rule_marked_only_when_creating_keeps_its_mark_through_the_editor(world, products):
    client = world.client_for(world.owner)
    data = form_data(products)
    name_row = next(k for k, v in data.items() if k.endswith("-target") and v == "name")
    data[name_row.replace("-target", "-create_only")] = "1"
    client.post(reverse("dashboard:mapping", args=[products.pk]), data)
    rules = {r["target"]: r for r in current(products).spec["rules"] if "when" not in r}
    assert rules["name"]["create_only"] is True
    assert rules["longDescription"]["create_only"] is True
    assert "create_only" not in rules["sku"]
