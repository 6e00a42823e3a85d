"""Mapping editor: per target field a source or a function chain, live preview, versions.

The editor shows each rule of the current version as a card (target, source or constant,
function chain, condition, default); saving validates through the mapping app and stores a
new version, with the errors at the rules they name. The preview applies what is in the
form (saved or not) to a few real records from the flow's source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.models import ConnectionStatus
from dashboard import function_chain, mapping_text
from dashboard.function_chain import ChainStep
from dashboard.samples import sample_sources, sample_values, samples_pending, source_connection
from flows.models import Flow
from flows.settings_schemas import SettingsInvalid, parse_customer_defaults, parse_settings
from mapping import services as mapping_services
from mapping.functions import FUNCTIONS
from mapping.kinds import mapping_kind
from mapping.models import Mapping, MappingVersion
from mapping.preview import PreviewRow, preview
from mapping.selectors import mapping_current_version, mapping_version_get, mapping_version_list
from mapping.targets import source_fields, target_fields
from tenants.access import get_for_request

PARTS = {"main": "mapping", "customer": "customer_mapping"}


# ---- the rules as form rows ---------------------------------------------------------------


@dataclass
class RuleRow:
    index: int
    target: str = ""
    mode: str = "source"  # source | const | none
    source: str = ""
    const: str = ""
    steps: str = ""
    when: str = ""
    default: str = ""
    items: str = ""
    note: str = ""
    create_only: bool = False
    errors: list[str] = field(default_factory=list)
    # The steps as the builder's rows (None: the text cannot be read, the text mode shows why).
    chain: list[ChainStep] | None = None

    @property
    def value(self) -> str:
        return self.const if self.mode == "const" else self.source

    @property
    def is_blank(self) -> bool:
        return not self.target.strip()


def row_from_rule(index: int, rule: dict[str, Any]) -> RuleRow:
    mode = "source" if "source" in rule else "const" if "const" in rule else "none"
    return RuleRow(
        index=index,
        target=str(rule.get("target", "")),
        mode=mode,
        source=str(rule.get("source", "")),
        const=mapping_text.json_text(rule["const"]) if "const" in rule else "",
        steps=mapping_text.steps_text(rule.get("steps") or []),
        when=mapping_text.conditions_text(rule.get("when")),
        default=mapping_text.json_text(rule["default"]) if "default" in rule else "",
        items=json.dumps(rule["items"], indent=1, ensure_ascii=False) if rule.get("items") else "",
        note=str(rule.get("note", "")),
        create_only=bool(rule.get("create_only")),
    )


def rule_words(rule: dict[str, Any]) -> str:
    """A rule as the editor shows it: "from description · truncate(_, 255) · only when …"."""
    row = row_from_rule(0, rule)
    parts = {
        "source": _("from %(field)s") % {"field": row.source},
        "const": _("always %(value)s") % {"value": row.const},
        "none": _("only the functions"),
    }
    words = [parts[row.mode]]
    words += [line for line in row.steps.splitlines() if line.strip()]
    if row.when:
        words.append(_("only when %(condition)s") % {"condition": row.when.replace("\n", "; ")})
    if row.default:
        words.append(_("default %(value)s") % {"value": row.default})
    if row.items:
        words.append(_("rules per list item"))
    return " · ".join(words)


def rows_from_spec(spec: dict[str, Any]) -> list[RuleRow]:
    return [row_from_rule(i, rule) for i, rule in enumerate(spec.get("rules", []))]


def rows_from_post(data: QueryDict) -> list[RuleRow]:
    count = int(data.get("rules", "0")) if data.get("rules", "0").isdigit() else 0
    action = function_chain.chain_action(data)
    rows: list[RuleRow] = []
    for i in range(min(count, 500)):
        if data.get(f"rule-{i}-delete"):
            continue

        def text(name: str, i: int = i) -> str:
            return str(data.get(f"rule-{i}-{name}", ""))

        row = RuleRow(
            index=len(rows),
            target=text("target"),
            mode=text("mode"),
            steps=text("steps"),
            when=text("when"),
            default=text("default"),
            items=text("items"),
            note=text("note"),
            create_only=bool(text("create_only")),
        )
        removed = action[2] if action and action[0] == "remove" and action[1] == i else None
        built = function_chain.steps_from_post(data, i, removed=removed)
        if built is not None:
            row.steps = built
        # One input holds the source path or the constant, as the mode says.
        value = text("value")
        row.source, row.const = (value, "") if row.mode == "source" else ("", value)
        if not row.is_blank:
            rows.append(row)
    return rows


def rule_from_row(row: RuleRow) -> dict[str, Any]:
    """Return the rule's JSON; TextError when one of its texts cannot be read."""
    rule: dict[str, Any] = {"target": row.target.strip()}
    if row.mode == "source" and row.source.strip():
        rule["source"] = row.source.strip()
    elif row.mode == "const":
        rule["const"] = mapping_text.parse_json(row.const.strip() or "null")
    if row.steps.strip():
        rule["steps"] = mapping_text.parse_steps(row.steps)
    conditions = mapping_text.parse_conditions(row.when)
    if conditions:
        rule["when"] = conditions[0] if len(conditions) == 1 else conditions
    if row.default.strip():
        rule["default"] = mapping_text.parse_json(row.default.strip())
    if row.items.strip():
        rule["items"] = mapping_text.parse_json(row.items)
    if row.note.strip():
        rule["note"] = row.note.strip()
    if row.create_only:
        rule["create_only"] = True
    return rule


def spec_from_rows(rows: list[RuleRow]) -> dict[str, Any] | None:
    """Return the mapping JSON, or None after putting each unreadable text at its row."""
    rules = []
    for row in rows:
        try:
            rules.append(rule_from_row(row))
        except mapping_text.TextError as error:
            row.errors.append(str(error))
    return None if any(row.errors for row in rows) else {"rules": rules}


def attach_errors(rows: list[RuleRow], problems: dict[str, list[str]]) -> list[str]:
    """Put each problem at the rule of its target field; return the ones without a rule."""
    by_target: dict[str, RuleRow] = {}
    for row in rows:
        by_target.setdefault(row.target.strip(), row)
    general: list[str] = []
    for field_name, messages_ in problems.items():
        found = by_target.get(field_name) or by_target.get(field_name.split("[]")[0])
        if found is None:
            general += [f"{field_name}: {m}" for m in messages_]
        else:
            found.errors += messages_
    return general


# ---- loading -------------------------------------------------------------------------------------


def mapping_of(flow: Flow, part: str) -> Mapping:
    mapping: Mapping | None = getattr(flow, PARTS.get(part, "mapping"), None)
    if mapping is None:
        raise Http404("this flow has no such mapping")
    return mapping


def mapping_context(flow: Flow) -> dict[str, Any]:
    """What `$settings.…` and `$customer_defaults.…` read, as in a run."""
    try:
        settings = parse_settings(flow.kind, flow.settings).model_dump(mode="json")
        defaults = parse_customer_defaults(flow.integration.customer_defaults)
    except SettingsInvalid:
        return {}
    return {"settings": settings, "customer_defaults": defaults.model_dump(mode="json")}


@dataclass
class Preview:
    flow: Flow
    rows: list[dict[str, Any]]
    error: str | None
    # Where to test the source's connection, when the preview could not read from it.
    connection_url: str = ""


def preview_for(flow: Flow, mapping: Mapping, spec: dict[str, Any]) -> Preview:
    sources, error = sample_sources(flow)
    target = mapping_kind(mapping.flow_kind).target
    rows = preview(
        spec,
        sources,
        target=target,
        context=mapping_context(flow),
        budget_seconds=settings.MAPPING_PREVIEW_SECONDS,
    )
    connection = source_connection(flow)
    connection_url = (
        reverse("dashboard:connection_detail", args=[connection.pk])
        if error and connection.status != ConnectionStatus.OK
        else ""
    )
    return Preview(
        flow=flow,
        rows=[preview_row(row) for row in rows],
        error=error,
        connection_url=connection_url,
    )


def preview_row(row: PreviewRow) -> dict[str, Any]:
    return {
        "key": next(
            (row.source.get(k) for k in ("sku", "email", "number", "code") if row.source.get(k)), ""
        ),
        "source_json": json.dumps(row.source, indent=2, ensure_ascii=False, default=str),
        "payload_json": json.dumps(row.payload, indent=2, ensure_ascii=False, default=str),
        "errors": [str(e) for e in row.errors],
    }


def flow_preview(flow: Flow) -> Preview:
    """The current mapping of a flow applied to its sample records (the wizard's step 4)."""
    mapping = getattr(flow, "mapping", None)
    version = mapping_current_version(mapping=mapping) if mapping else None
    if mapping is None or version is None:
        return Preview(flow=flow, rows=[], error=_("This flow has no mapping."))
    return preview_for(flow, mapping, version.spec)


def json_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@cache
def function_library() -> list[tuple[str, list[dict[str, Any]]]]:
    """The functions by category, with their examples as calls (the library never changes)."""
    by_category: dict[str, list[dict[str, Any]]] = {}
    for function in sorted(FUNCTIONS.values(), key=lambda f: (f.category, f.name)):
        described = function.describe()
        described["examples_text"] = [
            f"{function.name}({', '.join(json_value(a) for a in e['args'])})"
            f" → {json_value(e['result'])}"
            for e in described["examples"]
        ]
        by_category.setdefault(function.category, []).append(described)
    return sorted(by_category.items())


def editor_context(
    flow: Flow, *, mapping: Mapping, part: str, rows: list[RuleRow], spec: dict[str, Any] | None
) -> dict[str, Any]:
    definition = mapping_kind(mapping.flow_kind)
    rows = [*rows, RuleRow(index=len(rows))]
    for row in rows:
        starts_empty = row.mode == "none" or (row.mode == "source" and not row.source.strip())
        row.chain = function_chain.chain_rows(row.steps, starts_empty=starts_empty)
    return {
        "flow": flow,
        "mapping": mapping,
        "part": part,
        "parts": [p for p in PARTS if getattr(flow, PARTS[p], None) is not None],
        "version": mapping_current_version(mapping=mapping),
        "rows": rows,
        "functions": function_library(),
        "source_fields": sorted(source_fields(definition.source)),
        # Beside each source field, its value in the first sample record (when read).
        "sample_values": sample_values(flow),
        "target_fields": target_fields(definition.target),
        # Reading sample records may take seconds (a sign-in, a first page): the page comes
        # at once and the preview follows it, with words while it reads.
        "preview": preview_for(flow, mapping, spec)
        if spec is not None and not samples_pending(flow)
        else None,
        "preview_pending": spec is not None and samples_pending(flow),
        "source_name": source_connection(flow).name,
        "operators": [
            "truthy",
            "falsy",
            "empty",
            "not_empty",
            "equals",
            "not_equals",
            "in",
            "not_in",
        ],
    }


# ---- views ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def mapping_editor(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_for_request(request, Flow, pk, write=request.method == "POST")
    part = request.GET.get("part", "main")
    mapping = mapping_of(flow, part)
    if request.method == "POST" and function_chain.chain_action(request.POST):
        # The builder's "add" or "remove": the same form again with its new rows, not saved.
        rows = rows_from_post(request.POST)
        context = editor_context(
            flow, mapping=mapping, part=part, rows=rows, spec=spec_from_rows(rows)
        )
        return render(request, "dashboard/mapping_editor.html", context)
    if request.method == "POST":
        return mapping_save(request, flow=flow, mapping=mapping, part=part)
    version = mapping_current_version(mapping=mapping)
    spec = version.spec if version else {"rules": []}
    context = editor_context(flow, mapping=mapping, part=part, rows=rows_from_spec(spec), spec=spec)
    return render(request, "dashboard/mapping_editor.html", context)


def mapping_save(request: HttpRequest, *, flow: Flow, mapping: Mapping, part: str) -> HttpResponse:
    rows = rows_from_post(request.POST)
    spec = spec_from_rows(rows)
    general: list[str] = []
    if spec is not None:
        try:
            version = mapping_services.mapping_save_version(
                mapping=mapping,
                spec=spec,
                user=request.user,
                note=request.POST.get("version_note", ""),
            )
        except ValidationError as error:
            general = attach_errors(rows, error.message_dict)
        else:
            messages.success(request, _("Version %d saved.") % version.number)
            return redirect(f"{reverse('dashboard:mapping', args=[flow.pk])}?part={part}")
    context = editor_context(flow, mapping=mapping, part=part, rows=rows, spec=spec)
    context["general_errors"] = general
    return render(request, "dashboard/mapping_editor.html", context, status=400)


@require_POST
@login_required
def mapping_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the rules as they stand in the form (saved or not) to the sample records."""
    flow = get_for_request(request, Flow, pk)
    mapping = mapping_of(flow, request.GET.get("part", "main"))
    rows = rows_from_post(request.POST)
    spec = spec_from_rows(rows)
    if spec is None:
        errors = [f"{row.target}: {e}" for row in rows for e in row.errors]
        result = Preview(flow=flow, rows=[], error="; ".join(errors))
    else:
        result = preview_for(flow, mapping, spec)
    context = {"preview": result, "compact": True}
    return render(request, "dashboard/partials/preview_rows.html", context)


@require_GET
@login_required
def mapping_versions(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_for_request(request, Flow, pk)
    part = request.GET.get("part", "main")
    mapping = mapping_of(flow, part)
    versions = list(mapping_version_list(mapping=mapping).select_related("created_by"))
    current = versions[0] if versions else None
    chosen = chosen_version(mapping, request.GET.get("compare"), versions)
    context = {
        "flow": flow,
        "mapping": mapping,
        "part": part,
        "versions": versions,
        "current": current,
        "chosen": chosen,
        "changes": diff_rows(chosen, current) if chosen and current else [],
    }
    return render(request, "dashboard/mapping_versions.html", context)


def chosen_version(
    mapping: Mapping, number: str | None, versions: list[MappingVersion]
) -> MappingVersion | None:
    if number and number.isdigit():
        return mapping_version_get(mapping=mapping, number=int(number))
    return versions[1] if len(versions) > 1 else None


def diff_rows(old: MappingVersion, new: MappingVersion) -> list[dict[str, Any]]:
    return [
        {
            **change,
            # In the editor's own terms (where from, functions, condition), not as JSON.
            "before_text": rule_words(change["before"]) if change["before"] else "",
            "after_text": rule_words(change["after"]) if change["after"] else "",
        }
        for change in mapping_services.mapping_diff(old, new)
    ]


@require_POST
@login_required
def mapping_rollback(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_for_request(request, Flow, pk, write=True)
    part = request.GET.get("part", "main")
    mapping = mapping_of(flow, part)
    number = request.POST.get("number", "")
    try:
        version = mapping_rollback_service(mapping, number, request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(old)s is current again (as version %(new)d).")
            % {"old": number, "new": version.number},
        )
    return redirect(f"{reverse('dashboard:mapping_versions', args=[flow.pk])}?part={part}")


def mapping_rollback_service(mapping: Mapping, number: str, request: HttpRequest) -> MappingVersion:
    if not number.isdigit():
        raise ValidationError(_("Choose a version."))
    return mapping_services.mapping_rollback(
        mapping=mapping, to_number=int(number), user=request.user
    )
