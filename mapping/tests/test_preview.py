"""Preview: sample records through a mapping, with the outcome, writing nothing."""

from __future__ import annotations

from mapping.kinds import default_mapping
from mapping.preview import preview
from mapping.tests import samples


def test_preview_shows_source_payload_and_outcome_per_record() -> None:
    records = [
        samples.product(1),
        samples.product(2, ean="8712345678901"),
        samples.product(3, name="x" * 300),
    ]
    rows = preview(
        default_mapping("products"),
        records,
        target="feeddex.Product",
        context=samples.context_for("products"),
    )
    assert [row.ok for row in rows] == [True, False, True]
    assert rows[0].source == records[0].as_source()
    assert rows[0].payload["sku"] == "ART-00001"
    assert [(e.field, e.function) for e in rows[1].errors] == [("ean", "ean")]
    assert len(rows[2].payload["name"]) == 255
    assert rows[1].as_dict()["errors"][0]["field"] == "ean"


def test_preview_reports_schema_problems_of_an_edited_mapping() -> None:
    spec = {
        "rules": [{"target": "sku", "source": "sku"}, {"target": "vatRate", "source": "vat_rate"}]
    }
    [row] = preview(spec, [samples.product(vat_rate="20")], target="feeddex.Product")
    assert [(e.field, e.message) for e in row.errors] == [
        ("name", "is required"),
        ("price", "is required"),
        ("vatRate", "must be one of 0, 9, 21, is 20"),
    ]


def test_preview_of_an_invalid_mapping_gives_its_errors_on_every_row() -> None:
    rows = preview(
        {"rules": [{"target": "sku", "steps": [{"fn": "nope"}]}]},
        [samples.product(1), {"sku": "raw"}],
        target="feeddex.Product",
    )
    assert len(rows) == 2
    assert all("unknown function 'nope'" in row.errors[0].message for row in rows)
    assert rows[1].source == {"sku": "raw"}
    assert all(row.payload == {} for row in rows)
