"""The mapper's function-chain builder as a plain form: the browser sends what the page gave
it (no JavaScript), "add" and "remove" come back as the same form with new rows, and what is
saved is the stored rule format the text mode writes too."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse

from dashboard.function_chain import chain_step, shown_value, step_from_post
from dashboard.tests.test_mapping_views import current, products  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


class FormReader(HTMLParser):
    """The fields of the mapping form as a browser would send them, and the selects' ids."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.names: dict[str, str] = {}  # data-testid → field name
        self.select: str | None = None
        self.textarea: str | None = None
        self.first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "data-testid" in a and "name" in a:
            self.names[a["data-testid"]] = a["name"]
        if tag == "input" and a.get("name"):
            if a.get("type") not in {"checkbox", "radio"} or "checked" in a:
                self.data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select, self.first_option = a.get("name"), None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value", "")
                self.data.setdefault(self.select, self.first_option)
            if "selected" in a:
                self.data[self.select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.data[self.textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            # Django's textarea starts with a newline that the browser drops.
            self.data[self.textarea] += data


def read_form(body: str) -> FormReader:
    reader = FormReader()
    if 'id="mapping-form"' in body:  # not after a save, which redirects
        reader.feed(body.split('id="mapping-form"', 1)[1].split("</form>", 1)[0])
    return reader


def editor(client, flow, data=None):
    url = reverse("dashboard:mapping", args=[flow.pk])
    response = client.post(url, data) if data is not None else client.get(url)
    return response, read_form(response.content.decode())


def name_rule(flow) -> dict[str, Any]:
    return next(r for r in current(flow).spec["rules"] if r["target"] == "name")


def test_each_step_is_a_function_select_with_an_input_per_argument(world, products):  # noqa: F811
    _response, form = editor(world.client_for(world.owner), products)
    # The name's rule is truncate(255): the function, then its arguments after the value.
    assert form.data[form.names["fn-name-0"]] == "truncate"
    assert form.data[form.names["arg-name-0-0"]] == "255"
    body = _response.content.decode()
    step = body.split('data-testid="step-name-0"')[1].split("</li>")[0]
    assert ">length</label>" in step
    assert ">ellipsis</label>" in step  # the optional one, left empty
    # The catalogue by category, each function with what it does.
    assert '<optgroup label="text">' in body
    assert "upper — " in body


def test_adding_a_function_shows_its_arguments_and_saves_the_chain(world, products):  # noqa: F811
    client = world.client_for(world.owner)
    versions = current(products).number
    _page, form = editor(client, products)
    data = dict(form.data)
    data[form.names["add-fn-name"]] = "replace"
    data["chain_action"] = "add:" + form.names["add-fn-name"].split("-")[1]
    response, form = editor(client, products, data)
    assert response.status_code == 200
    assert current(products).number == versions  # adding is not saving
    assert form.data[form.names["fn-name-1"]] == "replace"
    data = dict(form.data)
    data[form.names["arg-name-1-0"]] = "Comfort"
    data[form.names["arg-name-1-1"]] = "Deluxe"
    response, _form = editor(client, products, data)
    assert response.status_code == 302
    assert name_rule(products)["steps"] == [
        {"fn": "truncate", "args": [{"const": 255}]},
        {"fn": "replace", "args": [{"const": "Comfort"}, {"const": "Deluxe"}]},
    ]
    # The preview of the form applies the chain as the builder sends it.
    preview = client.post(reverse("dashboard:mapping_preview", args=[products.pk]), data)
    assert "Stadsfiets Deluxe" in preview.content.decode()


def test_removing_a_step_and_reading_a_source_field_as_argument(world, products):  # noqa: F811
    client = world.client_for(world.owner)
    _page, form = editor(client, products)
    data = dict(form.data)
    data[form.names["add-fn-name"]] = "concat"
    response, form = editor(client, products, {**data, "chain_action": "add:x"})
    assert response.status_code == 302  # not an action of the builder: a save
    _page, form = editor(client, products)
    data = dict(form.data)
    index = form.names["fn-name-0"].split("-")[1]
    data[f"rule-{index}-step-1-kind-0"] = "source"
    data[form.names["arg-name-1-0"]] = "sku"
    data["chain_action"] = f"remove:{index}:0"
    response, form = editor(client, products, data)
    assert form.data[form.names["fn-name-0"]] == "concat"
    response, _form = editor(client, products, dict(form.data))
    assert response.status_code == 302
    assert name_rule(products)["steps"] == [{"fn": "concat", "args": [{"source": "sku"}]}]


def test_an_edited_text_wins_over_the_selects(world, products):  # noqa: F811
    client = world.client_for(world.owner)
    _page, form = editor(client, products)
    data = dict(form.data)
    data[form.names["steps-name"]] = "upper\ntruncate(20)"
    data[form.names["add-fn-name"]] = "lower"  # ignored: the text was edited
    response, _form = editor(client, products, data)
    assert response.status_code == 302
    assert name_rule(products)["steps"] == [
        {"fn": "upper"},
        {"fn": "truncate", "args": [{"const": 20}]},
    ]


def test_the_builder_speaks_dutch(world, products):  # noqa: F811
    world.owner.language = "nl"
    world.owner.save()
    body = editor(world.client_for(world.owner), products)[0].content.decode()
    assert "Een functie toevoegen" in body
    assert '<optgroup label="tekst">' in body
    assert "upper — Hoofdletters<" in body
    step = body.split('data-testid="step-name-0"')[1].split("</li>")[0]
    assert ">lengte</label>" in step  # the argument's name too


def test_values_keep_their_type_through_the_inputs():
    for arg in ({"const": "255"}, {"const": 255}, {"const": "a, b"}, {"const": None}):
        kind, text = shown_value(arg)
        data = QueryDict(mutable=True)
        data.update({"s-fn": "join", "s-args": "1", "s-kind-0": kind, "s-arg-0": text})
        step = step_from_post(data, "s")
        assert step == {"fn": "join", "args": [arg]}
    # An explicit `_` shows every parameter; the value so far is one of them.
    step = chain_step(
        0, {"fn": "round", "args": [{"previous": True}, {"const": 2}]}, starts_empty=False
    )
    assert [(a.label, a.kind, a.value) for a in step.args] == [
        ("value", "previous", ""),
        ("decimals", "const", "2"),
    ]
