"""A mapping regex cannot hang the platform: the attack of issue 19, point 3.

Patterns that made the backtracking engine run for seconds to years on a short text (a
bounded repeat inside a repeat) are evaluated by a linear-time engine; what it cannot express
is refused at the rule; the preview stops at its time budget with a clear error.

How fast the preview answers is measured by `bench/regex_preview.py`, not asserted here: the
first test only needs the attack to finish at all (the old engine took hours at N = 30).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from dashboard.samples import cache_key
from mapping.models import MappingVersion
from mapping.selectors import mapping_current_version
from mapping.services import mapping_save_version

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
RUNAWAY = [r"^(?:a{0,2}){30}$", r"^(?:a?){30}a{30}$", r"^(a|a)*$", r"^(a+)+$"]
# Far more than the linear engine needs, far less than the old one took: the attack either
# finishes or it does not.
NEVER = 120


@pytest.mark.parametrize("pattern", RUNAWAY)
def test_a_runaway_pattern_finishes(pattern):
    code = (
        "from mapping.functions import regex_replace;"
        f"print(regex_replace('a' * 100, {pattern!r}, 'x'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=NEVER
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() in ("x", "a" * 100)


SAMPLE = {
    "sku": "A-1",
    "name": "a" * 100,
    "short_description": "",
    "long_description": "",
    "price_excl_vat": "1.00",
    "price_incl_vat": "1.21",
    "vat_rate": "21",
    "ean": "",
    "current_stock": "1",
    "reserved_stock": "0",
    "active": True,
    "is_variant": False,
}


UNCHANGED = f"&quot;name&quot;: &quot;{'a' * 100}&quot;"


def with_name_rule(flow, steps: list[dict[str, Any]]) -> dict[str, Any]:
    version = mapping_current_version(mapping=flow.mapping)
    assert version is not None
    spec = version.spec
    rules = [dict(rule) for rule in spec["rules"]]
    for rule in rules:
        if rule["target"] == "name":
            rule["steps"] = steps
    return {"rules": rules}


def regex_step(pattern: str, replacement: str = "x") -> dict[str, Any]:
    return {"fn": "regex_replace", "args": [{"const": pattern}, {"const": replacement}]}


def store_unchecked(flow, spec: dict[str, Any]) -> None:
    """A version saved before the checks existed: straight into the table."""
    latest = mapping_current_version(mapping=flow.mapping)
    assert latest is not None
    MappingVersion.objects.create(
        tenant=flow.tenant, mapping=flow.mapping, number=latest.number + 1, spec=spec
    )


@pytest.fixture
def products(estate):
    flow = estate.mine.flow
    cache.set(cache_key(flow), [SAMPLE], 300)
    return flow


def test_viewers_opening_a_mapping_with_a_runaway_pattern_get_the_page(estate, products):
    store_unchecked(products, with_name_rule(products, [regex_step(r"^(?:a?){30}a{30}$")]))
    viewer = estate.viewer
    from django.test import Client

    client = Client()
    client.force_login(viewer)
    page = client.get(f"/flows/{products.pk}/mapping/")
    assert page.status_code == 200
    # At most 60 a's match: the name comes back unchanged, after the search failed.
    assert UNCHANGED in page.content.decode()


def test_the_preview_of_a_runaway_pattern_answers_with_its_result(estate, products):
    from django.test import Client

    client = Client()
    client.force_login(estate.viewer)  # the preview needs only read access
    spec = with_name_rule(products, [regex_step(r"^(?:a{0,2}){30}$")])
    store_unchecked(products, spec)
    answer = client.post(f"/flows/{products.pk}/mapping/preview/", form_of(spec))
    assert answer.status_code == 200
    assert UNCHANGED in answer.content.decode()


def form_of(spec: dict[str, Any]) -> dict[str, str]:
    from dashboard.views.mapping import rows_from_spec

    rows = rows_from_spec(spec)
    data = {"rules": str(len(rows))}
    for row in rows:
        for name in ("target", "mode", "value", "steps", "when", "default", "items", "note"):
            data[f"rule-{row.index}-{name}"] = getattr(row, name)
    return data


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"(?=a)a", "look-ahead"),
        (r"(?<=a)b", "look-behind"),
        (r"(a)\1", "back-reference"),
        (r"a++", "possessive"),
    ],
)
def test_a_pattern_the_linear_engine_cannot_run_is_refused_at_its_rule(products, pattern, words):
    spec = with_name_rule(products, [regex_step(pattern)])
    with pytest.raises(ValidationError) as refused:
        mapping_save_version(mapping=products.mapping, spec=spec, user=None)
    problems = refused.value.message_dict
    assert "name" in problems, problems
    assert any(words in message for message in problems["name"]), problems["name"]


def test_the_preview_stops_at_its_time_budget_with_a_clear_error(estate, products, settings):
    from django.test import Client

    settings.MAPPING_PREVIEW_SECONDS = 0
    client = Client()
    client.force_login(estate.viewer)
    page = client.get(f"/flows/{products.pk}/mapping/")
    assert page.status_code == 200
    assert "The preview took longer than" in page.content.decode()
