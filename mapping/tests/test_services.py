"""Stored mappings with the real database: defaults, versions, rollback, diff, and the
compiled form the flows run."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import TenantWorld
from mapping.kinds import default_mapping
from mapping.models import Mapping, MappingVersion
from mapping.selectors import (
    mapping_current_version,
    mapping_runnable,
    mapping_version_list,
)
from mapping.services import (
    mapping_create_default,
    mapping_diff,
    mapping_rollback,
    mapping_save_version,
)
from mapping.tests import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(world: TenantWorld) -> Mapping:
    return mapping_create_default(tenant=world.tenant, flow_kind="products")


def edited(spec: dict[str, Any], target: str, **changes: Any) -> dict[str, Any]:
    rules = [dict(r, **changes) if r["target"] == target else r for r in spec["rules"]]
    return {"rules": rules}


def test_create_default_stores_version_one(world: TenantWorld, products: Mapping) -> None:
    version = mapping_current_version(mapping=products)
    assert version is not None
    assert (version.number, version.note, version.created_by) == (1, "default mapping", None)
    assert version.spec == default_mapping("products")
    assert version.tenant == world.tenant
    assert products.tenant == world.tenant
    assert products.name == "Article → product"


def test_create_default_rejects_an_unknown_kind(world: TenantWorld) -> None:
    with pytest.raises(ValidationError) as caught:
        mapping_create_default(tenant=world.tenant, flow_kind="invoices")
    assert "flow_kind" in caught.value.message_dict
    assert not Mapping.objects.exists()


def test_every_save_is_a_new_number(world: TenantWorld, products: Mapping) -> None:
    spec = edited(
        default_mapping("products"), "name", steps=[{"fn": "truncate", "args": [{"const": 100}]}]
    )
    second = mapping_save_version(mapping=products, spec=spec, user=world.owner, note="shorter")
    third = mapping_save_version(mapping=products, spec=spec, user=world.owner)
    assert (second.number, third.number) == (2, 3)
    assert second.created_by == world.owner
    assert mapping_current_version(mapping=products) == third
    assert [v.number for v in mapping_version_list(mapping=products)] == [3, 2, 1]


def test_a_bad_spec_raises_field_errors_and_stores_nothing(
    world: TenantWorld, products: Mapping
) -> None:
    spec = default_mapping("products")
    spec["rules"] = [r for r in spec["rules"] if r["target"] != "sku"]
    spec["rules"].append({"target": "ean", "source": "gtin"})
    spec["rules"].append({"target": "currency", "source": "$settings.valuta"})
    with pytest.raises(ValidationError) as caught:
        mapping_save_version(mapping=products, spec=spec, user=world.owner)
    errors = caught.value.message_dict
    assert errors["sku"] == ["is required by the target but not mapped"]
    assert errors["ean"] == ["unknown source path gtin"]
    assert errors["currency"] == ["unknown setting $settings.valuta"]
    assert MappingVersion.objects.filter(mapping=products).count() == 1


def test_a_malformed_spec_names_the_rule(world: TenantWorld, products: Mapping) -> None:
    with pytest.raises(ValidationError) as caught:
        mapping_save_version(
            mapping=products, spec={"rules": [{"target": "sku"}, {}]}, user=world.owner
        )
    assert "rules[1].target: Field required" in caught.value.message_dict["rule 1"]
    with pytest.raises(ValidationError):
        mapping_save_version(mapping=products, spec="nonsense", user=world.owner)  # type: ignore[arg-type]


def test_rollback_adds_a_version_with_the_old_rules(world: TenantWorld, products: Mapping) -> None:
    changed = edited(default_mapping("products"), "name", source="sku")
    mapping_save_version(mapping=products, spec=changed, user=world.owner)
    back = mapping_rollback(mapping=products, to_number=1, user=world.owner)
    assert back.number == 3
    assert back.note == "rollback to version 1"
    assert back.spec == default_mapping("products")
    assert MappingVersion.objects.get(mapping=products, number=2).spec == changed


def test_rollback_to_a_missing_version(world: TenantWorld, products: Mapping) -> None:
    with pytest.raises(ValidationError) as caught:
        mapping_rollback(mapping=products, to_number=9, user=world.owner)
    assert "to_number" in caught.value.message_dict


def test_diff_names_changed_added_and_removed_rules(world: TenantWorld, products: Mapping) -> None:
    spec = edited(default_mapping("products"), "name", source="sku")
    spec["rules"] = [r for r in spec["rules"] if r["target"] != "longDescription"]
    spec["rules"].append({"target": "manageStock", "const": False})
    first = mapping_current_version(mapping=products)
    assert first is not None
    second = mapping_save_version(mapping=products, spec=spec, user=world.owner)
    diff = mapping_diff(first, second)
    assert [(d["target"], d["change"]) for d in diff] == [
        ("name", "changed"),
        ("manageStock", "added"),
        ("longDescription", "removed"),
    ]
    assert diff[0]["before"]["source"] == "name"
    assert diff[0]["after"]["source"] == "sku"
    assert mapping_diff(first, first) == []


def test_diff_tells_conditional_rules_for_one_field_apart(
    world: TenantWorld, products: Mapping
) -> None:
    spec = default_mapping("products")
    price_rules = [r for r in spec["rules"] if r["target"] == "price"]
    price_rules[1]["steps"] = [{"fn": "round", "args": [{"const": 1}]}]
    first = mapping_current_version(mapping=products)
    assert first is not None
    second = mapping_save_version(mapping=products, spec=spec, user=world.owner)
    [change] = mapping_diff(first, second)
    assert change["target"] == "price"
    assert change["before"]["when"]["op"] == "falsy"


def test_runnable_applies_the_current_version_with_its_number(
    world: TenantWorld, products: Mapping
) -> None:
    runnable = mapping_runnable(mapping=products)
    payload, errors = runnable.apply(
        samples.product().as_source(), context=samples.context_for("products")
    )
    assert (runnable.version, errors) == (1, "")
    assert payload is not None
    assert payload["sku"] == "ART-00001"
    mapping_save_version(
        mapping=products,
        user=world.owner,
        spec=edited(default_mapping("products"), "name", source="sku"),
    )
    newer = mapping_runnable(mapping=products)
    payload, _ = newer.apply(samples.product().as_source(), context=samples.context_for("products"))
    assert newer.version == 2
    assert payload is not None
    assert payload["name"] == "ART-00001"


def test_runnable_reports_errors_in_words(world: TenantWorld, products: Mapping) -> None:
    payload, errors = mapping_runnable(mapping=products).apply(
        samples.product(ean="123").as_source(), context=samples.context_for("products")
    )
    assert payload is None
    assert errors == "ean (ean): '123' is not an EAN: 8, 12, 13 or 14 digits expected"


def test_every_flow_kind_gets_a_default(world: TenantWorld) -> None:
    for kind in (
        "products",
        "stock",
        "customers",
        "orders",
        "order_customer",
        "review_invitations",
    ):
        mapping = mapping_create_default(tenant=world.tenant, flow_kind=kind)
        payload, errors = mapping_runnable(mapping=mapping).apply(
            samples.SAMPLES[kind].as_source(), context=samples.context_for(kind)
        )
        assert errors == "", kind
        assert payload
