"""What a browser without JavaScript would post for a form on a page: its inputs, checked
boxes, selected options and text areas, read from the HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.forms: list[list[tuple[str, str]]] = []
        self.data: list[tuple[str, str]] = []
        self.select: str | None = None
        self.select_value: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = True
            self.data = []
            self.forms.append(self.data)
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.data.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self.select, self.select_value, self.first_option = a.get("name"), None, None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value", "")
            if "selected" in a:
                self.select_value = a.get("value", "")
        elif tag == "textarea":
            self.textarea, self.text = a.get("name"), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            value = self.select_value if self.select_value is not None else self.first_option
            self.data.append((self.select, value or ""))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text += data


def form_data(
    html: str, *, containing: str, changes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The fields of the form that has a field `containing`, as the browser posts them (the
    last value of a repeated name), with `changes` made."""
    reader = FormReader()
    reader.feed(html)
    for fields in reader.forms:
        if any(name == containing for name, _value in fields):
            return {**dict(fields), **(changes or {})}
    raise AssertionError(f"no form with a field {containing!r}")
