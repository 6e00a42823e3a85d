"""An answer read to be written back keeps only what the payload's contract defines."""

from __future__ import annotations

from connectors.asperion.schemas import DebtorIn
from connectors.feeddex.schemas import ProductIn


def test_unknown_fields_go_at_every_depth_and_known_ones_stay():
    answer = {
        "id": 7,
        "sku": "FIETS-1",
        "name": "Fiets",
        "price": 499.0,
        "active": True,
        "xNew": {"a": 1},
        "attributes": [
            {"name": "Kleur", "value": "rood", "xRevision": 3},
            {"name": "Maat", "value": "L", "xTags": ["a"]},
        ],
        "createdAt": "2026-01-01T00:00:00Z",
    }
    assert ProductIn.contract_fields(answer) == {
        "sku": "FIETS-1",
        "name": "Fiets",
        "price": 499.0,
        "active": True,
        "attributes": [{"name": "Kleur", "value": "rood"}, {"name": "Maat", "value": "L"}],
    }
    ProductIn.model_validate(ProductIn.contract_fields(answer))  # sendable as it is


def test_a_flat_payload_keeps_its_fields_and_drops_the_read_only_and_unknown_ones():
    answer = {
        "id": 3,
        "customerNumber": "10001",
        "name": "Jan",
        "debtorKindId": "PART",
        "dateLastChange": "2026-01-01",
        "xSandboxRevision": 2,
    }
    assert DebtorIn.contract_fields(answer) == {
        "customerNumber": "10001",
        "name": "Jan",
        "debtorKindId": "PART",
    }
