"""Target schemas from the API contracts, source schemas from the canonical records, and the
check of a mapping against both.

The contracts (connectors/<system>/<system>.openapi.yaml) are read with PyYAML; a target is a
component schema with its $refs inlined and its read-only fields left out, since a payload
never sends those. Fields are listed flat, a list's items as `[]`: `lines._data[].articleCode`.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel

from connectors.records import Record
from mapping.functions import FUNCTIONS
from mapping.paths import parse_source_path
from mapping.schema import (
    FieldError,
    FieldRule,
    MappingInvalid,
    MappingSpec,
    SourceArg,
    parse_mapping,
)

CONNECTORS_DIR = Path(__file__).resolve().parent.parent / "connectors"

# target name → (system, component schema, or a request body found under a path and method)
TARGETS: dict[str, tuple[str, str]] = {
    "feeddex.Product": ("feeddex", "Product"),
    "feeddex.StockUpdate": ("feeddex", "StockUpdate"),
    "feeddex.Customer": ("feeddex", "Customer"),
    "feeddex.NewTransaction": ("feeddex", "NewTransaction"),
    "feeddex.OrderPatch": ("feeddex", "/v1/orders/{id} patch"),
    "asperion.Debtor": ("asperion", "Debtor"),
    "asperion.ContactPerson": ("asperion", "ContactPerson"),
    "asperion.SalesOrder": ("asperion", "SalesOrder"),
    "asperion.SalesInvoice": ("asperion", "SalesInvoice"),
}

# Required fields that the flow fills in itself when it writes, not the mapping: the debtor
# number a new debtor gets from the integration's number range, and the debtor an order or
# invoice is booked on (found or created by the orders flow).
FLOW_PROVIDED: dict[str, frozenset[str]] = {
    "asperion.Debtor": frozenset({"customerNumber"}),
    "asperion.ContactPerson": frozenset({"debtorId"}),
    "asperion.SalesOrder": frozenset({"debtorCustomerNumber"}),
    "asperion.SalesInvoice": frozenset({"debtorCustomerNumber"}),
}

JsonType = Literal["string", "number", "integer", "boolean", "array", "object", "any"]


_JSON_TYPES = frozenset(typing.get_args(JsonType))


@dataclass(frozen=True)
class TargetField:
    path: str
    type: JsonType
    required: bool  # required within its parent object
    nullable: bool = False
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    description: str = ""


# ---- contracts --------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def load_contract(system: str) -> dict[str, Any]:
    path = CONNECTORS_DIR / system / f"{system}.openapi.yaml"
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@lru_cache(maxsize=32)
def target_schema(target: str) -> dict[str, Any]:
    """Return the target's JSON schema: refs inlined, read-only fields and `_meta` left out,
    `oneOf [X, null]` and `type: [t, null]` folded into X / t with `nullable`."""
    if target not in TARGETS:
        raise KeyError(f"unknown target {target!r}; known: {', '.join(sorted(TARGETS))}")
    system, name = TARGETS[target]
    contract = load_contract(system)
    if " " in name:
        url, method = name.rsplit(" ", 1)
        operation = contract["paths"][url][method]
        raw = operation["requestBody"]["content"]["application/json"]["schema"]
    else:
        raw = contract["components"]["schemas"][name]
    resolved: dict[str, Any] = _resolve(raw, contract)
    return resolved


def _resolve(node: Any, contract: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_resolve(item, contract) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _resolve(contract["components"]["schemas"][name], contract)
    resolved = {k: _resolve(v, contract) for k, v in node.items()}
    return _fold_nullable(resolved)


def _fold_nullable(node: dict[str, Any]) -> dict[str, Any]:
    kind = node.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        node = {**node, "type": rest[0] if len(rest) == 1 else rest, "nullable": True}
    options = node.get("oneOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = next(o for o in options if o != {"type": "null"})
        node = {k: v for k, v in node.items() if k != "oneOf"}
        node = {**other, **node, "nullable": True}
    if isinstance(node.get("properties"), dict):
        props = {
            k: v
            for k, v in node["properties"].items()
            if not (isinstance(v, dict) and v.get("readOnly")) and k != "_meta"
        }
        node = {**node, "properties": props}
    return node


@lru_cache(maxsize=32)
def target_fields(target: str) -> dict[str, TargetField]:
    """Return every writable field of the target, flat, parents before children."""
    fields: dict[str, TargetField] = {}
    _collect(target_schema(target), "", fields)
    return fields


def _collect(schema: dict[str, Any], prefix: str, out: dict[str, TargetField]) -> None:
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        out[path] = _field(path, prop, name in required)
        if prop.get("type") == "object":
            _collect(prop, f"{path}.", out)
        elif prop.get("type") == "array" and isinstance(prop.get("items"), dict):
            _collect(prop["items"], f"{path}[].", out)


def _field(path: str, prop: dict[str, Any], required: bool) -> TargetField:
    kind = prop.get("type", "any")
    return TargetField(
        path=path,
        type=kind if kind in _JSON_TYPES else "any",
        required=required,
        nullable=bool(prop.get("nullable")),
        enum=tuple(prop["enum"]) if "enum" in prop else None,
        pattern=prop.get("pattern"),
        max_length=prop.get("maxLength"),
        minimum=prop.get("minimum"),
        maximum=prop.get("maximum"),
        exclusive_minimum=prop.get("exclusiveMinimum"),
        min_items=prop.get("minItems"),
        max_items=prop.get("maxItems"),
        description=prop.get("description", ""),
    )


# ---- canonical records ------------------------------------------------------------------------

SourceType = Literal[
    "string", "number", "integer", "boolean", "date", "datetime", "object", "list", "any"
]


@lru_cache(maxsize=32)
def source_fields(record: type[BaseModel]) -> dict[str, SourceType]:
    """Return every path of a canonical record's JSON form with its type (`lines[].sku`)."""
    out: dict[str, SourceType] = {}
    _collect_model(record, "", out)
    return out


def _collect_model(model: type[BaseModel], prefix: str, out: dict[str, SourceType]) -> None:
    for name, info in model.model_fields.items():
        _collect_annotation(info.annotation, f"{prefix}{name}", out)


def _collect_annotation(annotation: Any, path: str, out: dict[str, SourceType]) -> None:
    annotation = _unwrap_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin in (tuple, list):
        out[path] = "list"
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        if args:
            _collect_annotation(args[0], f"{path}[]", out)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        out[path] = "object"
        _collect_model(annotation, f"{path}.", out)
        return
    out[path] = _scalar_type(annotation)


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _scalar_type(annotation: Any) -> SourceType:
    if typing.get_origin(annotation) is Literal:
        return "string"
    simple: dict[Any, SourceType] = {
        str: "string",
        bool: "boolean",
        int: "integer",
        Decimal: "number",
        float: "number",
        datetime: "datetime",
        date: "date",
        dict: "object",
    }
    return simple.get(annotation, "any")


# ---- checking a mapping against source and target ---------------------------------------------

_FITS: dict[str, set[str]] = {
    "string": {"string", "number", "integer", "date", "datetime", "any"},
    "number": {"number", "integer", "any"},
    "integer": {"integer", "number", "any"},
    "boolean": {"boolean", "any"},
    "array": {"list", "any"},
    "object": {"object", "any"},
    "any": {"string", "number", "integer", "boolean", "date", "datetime", "object", "list", "any"},
}
_RETURN_TYPES: dict[str, SourceType] = {"array": "list", "list": "list"}


def fits(value_type: str, target_type: str) -> bool:
    return value_type in _FITS.get(target_type, {"any"})


def const_type(value: Any) -> SourceType:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "any"


@dataclass
class _Check:
    sources: dict[str, SourceType]
    fields: dict[str, TargetField]
    context: dict[str, type[BaseModel]] | None
    problems: list[FieldError]


def validate_mapping(
    mapping: MappingSpec | dict[str, Any] | list[Any],
    *,
    source: type[Record],
    target: str,
    context: dict[str, type[BaseModel]] | None = None,
) -> list[FieldError]:
    """Return the problems of a mapping for a source record type and a target: invalid rules,
    target fields that do not exist, required target fields not mapped, unknown source paths,
    and types that obviously do not fit. `context` (e.g. {"settings": ProductSettings}) lets
    `$settings.…` paths be checked too. An empty list means it is fine."""
    try:
        spec = parse_mapping(mapping)
    except MappingInvalid as error:
        return error.errors
    check = _Check(source_fields(source), target_fields(target), context, [])
    _check_rules(check, spec.rules, prefix="", item_prefix=None)
    _check_required(check, spec.rules, FLOW_PROVIDED.get(target, frozenset()))
    return check.problems


def _check_rules(
    check: _Check, rules: list[FieldRule], *, prefix: str, item_prefix: str | None
) -> None:
    for index, rule in enumerate(rules):
        path = prefix + rule.target
        field = check.fields.get(path)
        if field is None:
            check.problems.append(FieldError(path, "is not a field of the target", rule=index))
            continue
        value_type = _rule_value_type(
            check, rule=rule, path=path, index=index, item_prefix=item_prefix
        )
        if value_type and not fits(value_type, field.type):
            check.problems.append(
                FieldError(
                    path,
                    f"gets {_a(value_type)}, but the target wants {_a(field.type)}",
                    function=rule.steps[-1].fn if rule.steps else None,
                    rule=index,
                )
            )
        if rule.items is not None:
            _check_items(check, rule=rule, path=path, index=index, item_prefix=item_prefix)


def _a(kind: str) -> str:
    return {
        "list": "a list",
        "array": "a list",
        "object": "an object",
        "any": "anything",
        "integer": "a whole number",
        "datetime": "a date and time",
    }.get(kind, f"a {kind}")


def _check_items(
    check: _Check, *, rule: FieldRule, path: str, index: int, item_prefix: str | None
) -> None:
    assert rule.source is not None
    assert rule.items is not None
    source_type = _source_type(
        check, text=rule.source, field=path, index=index, item_prefix=item_prefix
    )
    if source_type not in {None, "list", "any"}:
        check.problems.append(
            FieldError(
                path, f"items need a source list, {rule.source} is {_a(source_type)}", rule=index
            )
        )
    list_path = _source_schema_path(rule.source, item_prefix)
    _check_rules(
        check,
        rule.items,
        prefix=f"{path}[].",
        item_prefix=f"{list_path}[]." if list_path is not None else None,
    )


def _rule_value_type(
    check: _Check, *, rule: FieldRule, path: str, index: int, item_prefix: str | None
) -> str | None:
    """Return the type of what the rule produces, checking every path it reads on the way."""
    value_type: str | None = None
    if rule.source is not None:
        value_type = _source_type(
            check, text=rule.source, field=path, index=index, item_prefix=item_prefix
        )
    elif rule.has_const:
        value_type = const_type(rule.const)
    for condition in rule.conditions:
        _source_type(check, text=condition.source, field=path, index=index, item_prefix=item_prefix)
    for step in rule.steps:
        for arg in step.args:
            if isinstance(arg, SourceArg):
                _source_type(
                    check, text=arg.source, field=path, index=index, item_prefix=item_prefix
                )
        value_type = FUNCTIONS[step.fn].returns
    if rule.items is not None:
        return "list"
    if rule.has_default and value_type is not None and rule.default is not None:
        default_type = const_type(rule.default)
        if not fits(default_type, check.fields[path].type):
            check.problems.append(
                FieldError(
                    path,
                    f"the default is {_a(default_type)}, the "
                    f"target wants {_a(check.fields[path].type)}",
                    rule=index,
                )
            )
    return None if value_type is None else _RETURN_TYPES.get(value_type, value_type)


def _source_schema_path(text: str, item_prefix: str | None) -> str | None:
    path = parse_source_path(text)
    if path.root is None:
        return (item_prefix or "") + path.schema_path
    if path.root == "root":
        return path.schema_path
    return None


def _source_type(
    check: _Check, *, text: str, field: str, index: int, item_prefix: str | None
) -> str | None:
    path = parse_source_path(text)
    if path.root not in (None, "root"):
        return _context_type(
            check, root=path.root or "", rest=path.schema_path, text=text, field=field, index=index
        )
    if path.root == "root" and item_prefix is None:
        check.problems.append(
            FieldError(field, f"{text}: $root is only for rules inside items", rule=index)
        )
        return None
    schema_path = _source_schema_path(text, item_prefix)
    found = check.sources.get(schema_path or "")
    if found is None:
        check.problems.append(FieldError(field, f"unknown source path {text}", rule=index))
        return None
    has_each = any(i is not None and i < 0 for _, i in path.segments)
    return "list" if has_each else found


def _context_type(
    check: _Check, *, root: str, rest: str, text: str, field: str, index: int
) -> str | None:
    if check.context is None:
        return "any"
    model = check.context.get(root)
    if model is None:
        check.problems.append(FieldError(field, f"unknown context ${root} in {text}", rule=index))
        return None
    if not rest:
        return "object"
    found = source_fields(model).get(rest)
    if found is None:
        check.problems.append(FieldError(field, f"unknown setting {text}", rule=index))
    return found


def _check_required(check: _Check, rules: list[FieldRule], provided: frozenset[str]) -> None:
    mapped = _mapped_paths(rules, "")
    whole = _whole_values(rules, "")
    for path, field in check.fields.items():
        if not field.required or path in mapped or path in provided:
            continue
        if any(path.startswith((w + ".", w + "[].")) for w in whole):
            continue  # inside a list or object one rule builds whole: checked when applied
        parent = _parent(path)
        if parent is None or parent in mapped:
            check.problems.append(FieldError(path, "is required by the target but not mapped"))


def _whole_values(rules: list[FieldRule], prefix: str) -> set[str]:
    whole: set[str] = set()
    for rule in rules:
        path = prefix + rule.target
        if rule.items is None:
            whole.add(path)
        else:
            whole |= _whole_values(rule.items, f"{path}[].")
    return whole


def _parent(path: str) -> str | None:
    """Return the object or list this field sits in: `lines._data[].x` → `lines._data`."""
    if "." not in path:
        return None
    head = path.rsplit(".", 1)[0]
    return head[:-2] if head.endswith("[]") else head


def _mapped_paths(rules: list[FieldRule], prefix: str) -> set[str]:
    mapped: set[str] = set()
    for rule in rules:
        path = prefix + rule.target
        parts = path.split(".")
        mapped.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        if rule.items is not None:
            mapped |= _mapped_paths(rule.items, f"{path}[].")
    return mapped


# ---- checking a payload -----------------------------------------------------------------------


def payload_problems(payload: dict[str, Any], target: str) -> list[FieldError]:
    """Return how a payload breaks the target's schema: required, types, enums, patterns,
    lengths and bounds, each naming the field (`lines._data[0].quantity`). Fields the flow
    fills in itself (FLOW_PROVIDED) may be missing."""
    problems: list[FieldError] = []
    _payload_checker(target)(payload, "", problems)
    if not problems:
        return problems
    provided = FLOW_PROVIDED.get(target, frozenset())
    return [p for p in problems if not (p.field in provided and p.message == "is required")]


# A checker is compiled once per target (this runs for every record a flow maps).
Checker = typing.Callable[[Any, str, list[FieldError]], None]


@lru_cache(maxsize=32)
def _payload_checker(target: str) -> Checker:
    return _object_checker(target_schema(target))


def _object_checker(schema: dict[str, Any]) -> Checker:
    props = {name: _value_checker(prop) for name, prop in schema.get("properties", {}).items()}
    required = tuple(name for name in schema.get("required", []) if name in props)

    def check(value: Any, path: str, problems: list[FieldError]) -> None:
        for name in required:
            if value.get(name) is None:
                problems.append(FieldError(f"{path}{name}", "is required"))
        for name, item in value.items():
            checker = props.get(name)
            if checker is not None and item is not None:
                checker(item, f"{path}{name}", problems)

    return check


def _value_checker(schema: dict[str, Any]) -> Checker:
    kind = schema.get("type")
    types_ = _PY_TYPES.get(kind) if isinstance(kind, str) else None
    bounds = _bounds_checks(schema)
    inner: Checker | None = None
    if kind == "object" and "properties" in schema:
        inner = _object_checker(schema)
    items = _value_checker(schema["items"]) if isinstance(schema.get("items"), dict) else None

    def check(value: Any, path: str, problems: list[FieldError]) -> None:
        if types_ is not None and (
            not isinstance(value, types_) or (isinstance(value, bool) and bool not in types_)
        ):
            problems.append(FieldError(path, f"must be {_a(str(kind))}, is {value!r:.40}"))
            return
        for bound in bounds:
            problem = bound(value)
            if problem:
                problems.append(FieldError(path, problem))
                return
        if inner is not None:
            inner(value, f"{path}.", problems)
        elif items is not None and isinstance(value, list):
            for position, item in enumerate(value):
                items(item, f"{path}[{position}]", problems)

    return check


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}

Bound = typing.Callable[[Any], str]


def _bounds_checks(schema: dict[str, Any]) -> tuple[Bound, ...]:
    checks: list[Bound] = []
    if "enum" in schema:
        allowed = schema["enum"]
        shown = ", ".join(map(str, allowed))
        checks.append(lambda v: "" if v in allowed else f"must be one of {shown}, is {v!r:.40}")
    checks += _text_checks(schema) + _number_checks(schema) + _list_checks(schema)
    return tuple(checks)


def _text_checks(schema: dict[str, Any]) -> list[Bound]:
    checks: list[Bound] = []
    if "maxLength" in schema:
        most = schema["maxLength"]
        checks.append(
            lambda v: (
                f"is longer than {most} characters" if isinstance(v, str) and len(v) > most else ""
            )
        )
    if "pattern" in schema:
        pattern = re.compile(schema["pattern"])
        checks.append(
            lambda v: (
                f"does not have the expected form ({v!r:.40})"
                if isinstance(v, str) and not pattern.search(v)
                else ""
            )
        )
    return checks


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_checks(schema: dict[str, Any]) -> list[Bound]:
    checks: list[Bound] = []
    if "minimum" in schema:
        low = schema["minimum"]
        checks.append(lambda v: f"must be at least {low}" if _is_number(v) and v < low else "")
    if "maximum" in schema:
        high = schema["maximum"]
        checks.append(lambda v: f"must be at most {high}" if _is_number(v) and v > high else "")
    if "exclusiveMinimum" in schema:
        above = schema["exclusiveMinimum"]
        checks.append(
            lambda v: f"must be more than {above}" if _is_number(v) and v <= above else ""
        )
    return checks


def _list_checks(schema: dict[str, Any]) -> list[Bound]:
    checks: list[Bound] = []
    if "minItems" in schema:
        fewest = schema["minItems"]
        checks.append(
            lambda v: (
                f"needs at least {fewest} items" if isinstance(v, list) and len(v) < fewest else ""
            )
        )
    if "maxItems" in schema:
        most = schema["maxItems"]
        checks.append(
            lambda v: f"takes at most {most} items" if isinstance(v, list) and len(v) > most else ""
        )
    return checks
