from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from connectors.sandboxkit.forms import KnobsForm, render_knobs_form
from connectors.sandboxkit.knobs import Knobs
from connectors.sandboxkit.paging import PagingInvalid, page_request, paginate


def ask(query: str, knob_max: int = 250):
    return page_request(QueryDict(query), default_size=50, contract_max=250, knob_max=knob_max)


def test_page_request_defaults_and_knob_cap():
    assert (ask("").page, ask("").page_size) == (1, 50)
    assert ask("page=3&pageSize=200", knob_max=20).page_size == 20


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=x", "page"),
        ("pageSize=251", "pageSize"),
        ("pageSize=-1", "pageSize"),
    ],
)
def test_page_request_rejects_out_of_range(query, field):
    with pytest.raises(PagingInvalid) as caught:
        ask(query)
    assert caught.value.field == field


def test_paginate_a_sequence_with_next_page():
    first = paginate(list(range(25)), ask("pageSize=10"))
    assert first.items == list(range(10))
    assert (first.total, first.next_page) == (25, 2)
    last = paginate(list(range(25)), ask("page=3&pageSize=10"))
    assert last.items == [20, 21, 22, 23, 24]
    assert last.next_page is None
    assert paginate([], ask("")).next_page is None


def test_knobs_form_round_trip_and_bounds():
    data = {**Knobs().dump(), "error_rate": "0.5", "rate_per_minute": "120"}
    form = KnobsForm(data)
    assert form.is_valid(), form.errors
    assert form.to_knobs() == Knobs(error_rate=0.5, rate_per_minute=120)
    bad = KnobsForm({**Knobs().dump(), "error_rate": "2"})
    assert not bad.is_valid()
    assert "error_rate" in bad.errors


def test_knobs_form_renders_with_help_texts_and_csrf():
    request = RequestFactory().get("/")
    html = render_knobs_form(request, KnobsForm(knobs=Knobs(latency_ms=12)), action="/x/")
    assert 'action="/x/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="latency_ms"' in html
    assert 'value="12"' in html
    assert "Requests per UTC day" in html
