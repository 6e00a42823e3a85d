"""The typed mapping model: what a stored mapping JSON means, and what makes it invalid.

A mapping is a list of field rules. Each rule fills one target field from a source path, a
constant, or a chain of function calls, with an optional condition and default:

    {"rules": [
      {"target": "sku", "source": "sku"},
      {"target": "currency", "const": "EUR"},
      {"target": "billingAddress.street", "source": "billing.line",
       "steps": [{"fn": "split_address", "args": [{"const": "street"}]}]},
      {"target": "price", "source": "price_excl_vat",
       "steps": [{"fn": "price_incl_vat", "args": [{"source": "vat_rate"}]}],
       "when": {"source": "$settings.price_includes_vat", "op": "truthy"}},
      {"target": "lines._data", "source": "lines", "items": [
        {"target": "articleCode", "source": "sku"}]}
    ]}

A step's arguments are source paths, constants or {"previous": true}, the value so far. When
no argument is the previous value, the value so far is the first argument (so
{"fn": "upper"} upper-cases it); a rule with neither source nor constant starts with nothing,
and its first step gets only its own arguments.

A rule whose condition (or every one of a list of conditions) does not hold leaves its
target alone (so two rules with opposite
conditions can fill one field). The default replaces a result that is missing or empty text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Tag,
    ValidationError,
    field_validator,
)

from mapping.functions import FUNCTIONS, FunctionError
from mapping.paths import is_source_path, target_keys


@dataclass(frozen=True)
class FieldError:
    """One problem with one target field: from validating a mapping or applying it."""

    field: str
    message: str
    function: str | None = None
    rule: int | None = None

    def __str__(self) -> str:
        where = f"{self.field} ({self.function})" if self.function else self.field
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "message": self.message,
            "function": self.function,
            "rule": self.rule,
        }


class MappingInvalid(ValueError):
    """A mapping spec that cannot be used; `errors` name the rule and field of each problem."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_source(value: str) -> str:
    if not is_source_path(value):
        raise ValueError(
            f"{value!r} is not a source path (e.g. billing.line, lines[].sku, $settings.currency)"
        )
    return value


class SourceArg(_Model):
    source: str

    _valid = field_validator("source")(_check_source)


class ConstArg(_Model):
    const: JsonValue


class PreviousArg(_Model):
    previous: Literal[True]


def _arg_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        kinds: dict[type[BaseModel], str] = {
            SourceArg: "source",
            ConstArg: "const",
            PreviousArg: "previous",
        }
        return kinds.get(type(value))
    if isinstance(value, dict):
        return next((k for k in ("source", "const", "previous") if k in value), None)
    return None


Arg = Annotated[
    Annotated[SourceArg, Tag("source")]
    | Annotated[ConstArg, Tag("const")]
    | Annotated[PreviousArg, Tag("previous")],
    Discriminator(
        _arg_kind,
        custom_error_type="argument",
        custom_error_message='an argument is {"source": path}, {"const": value} or '
        '{"previous": true}',
    ),
]


class Step(_Model):
    fn: str
    args: list[Arg] = Field(default_factory=list, max_length=20)

    @field_validator("fn")
    @classmethod
    def _known_function(cls, value: str) -> str:
        if value not in FUNCTIONS:
            raise ValueError(f"unknown function {value!r}")
        return value

    @property
    def takes_previous_explicitly(self) -> bool:
        return any(isinstance(a, PreviousArg) for a in self.args)


ConditionOp = Literal[
    "truthy", "falsy", "empty", "not_empty", "equals", "not_equals", "in", "not_in"
]


class Condition(_Model):
    source: str
    op: ConditionOp = "truthy"
    value: JsonValue = None

    _valid = field_validator("source")(_check_source)


class FieldRule(_Model):
    target: str
    source: str | None = None
    const: JsonValue = None
    steps: list[Step] = Field(default_factory=list, max_length=20)
    when: Condition | list[Condition] | None = None
    default: JsonValue = None
    items: list[FieldRule] | None = None
    note: str = Field("", max_length=500)
    # Written only when the target record is created; an update leaves the field as the
    # target keeps it (e.g. a description enriched in the shop).
    create_only: bool = False

    @field_validator("target")
    @classmethod
    def _target_path(cls, value: str) -> str:
        target_keys(value)  # raises ValueError with the reason
        return value

    _valid = field_validator("source")(lambda v: v if v is None else _check_source(v))

    @property
    def conditions(self) -> list[Condition]:
        if self.when is None:
            return []
        return self.when if isinstance(self.when, list) else [self.when]

    @property
    def has_const(self) -> bool:
        return "const" in self.model_fields_set

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set


class MappingSpec(_Model):
    rules: list[FieldRule] = Field(max_length=500)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)

    @property
    def create_only(self) -> frozenset[str]:
        """The top-level target fields that only a create writes."""
        return frozenset(r.target.split(".")[0] for r in self.rules if r.create_only)


def parse_mapping(data: MappingSpec | dict[str, Any] | list[Any]) -> MappingSpec:
    """Return the typed mapping, or raise MappingInvalid naming the rule and field of each
    problem. A bare list is read as the list of rules."""
    if isinstance(data, MappingSpec):
        spec = data
    else:
        raw = {"rules": data} if isinstance(data, list) else data
        try:
            spec = MappingSpec.model_validate(raw)
        except ValidationError as error:
            raise MappingInvalid(_field_errors(raw, error)) from None
    problems = list(_structure_errors(spec.rules, prefix=""))
    if problems:
        raise MappingInvalid(problems)
    return spec


def _structure_errors(rules: list[FieldRule], *, prefix: str) -> list[FieldError]:
    problems: list[FieldError] = []
    for index, rule in enumerate(rules):
        field = prefix + rule.target
        if rule.source is not None and rule.has_const:
            problems.append(FieldError(field, "give a source or a constant, not both", rule=index))
        if rule.items is not None:
            if rule.source is None:
                problems.append(FieldError(field, "items need a source list", rule=index))
            problems += _structure_errors(rule.items, prefix=f"{field}[].")
        problems += _arity_errors(rule, field, index)
        problems += _constant_errors(rule, field, index)
    return problems


def _arity_errors(rule: FieldRule, field: str, index: int) -> list[FieldError]:
    problems = []
    starts_empty = rule.source is None and not rule.has_const
    for position, step in enumerate(rule.steps):
        function = FUNCTIONS[step.fn]
        implicit = not step.takes_previous_explicitly and not (starts_empty and position == 0)
        given = len(step.args) + int(implicit)
        high = function.max_args
        if given < function.min_args or (high is not None and given > high):
            problems.append(
                FieldError(
                    field,
                    f"{function.signature} takes {_arity_text(function.min_args, high)}, "
                    f"gets {given}" + (" (with the value so far)" if implicit else ""),
                    function=step.fn,
                    rule=index,
                )
            )
    return problems


def _constant_errors(rule: FieldRule, field: str, index: int) -> list[FieldError]:
    """Run each function's checks on the constants it is given (a regex pattern that the
    engine cannot run), so the error shows at the rule before any record is read."""
    problems = []
    starts_empty = rule.source is None and not rule.has_const
    for position, step in enumerate(rule.steps):
        function = FUNCTIONS[step.fn]
        implicit = not step.takes_previous_explicitly and not (starts_empty and position == 0)
        for number, arg in enumerate(step.args, start=int(implicit)):
            name = function.params[number] if number < len(function.params) else None
            check = function.checks.get(name or "")
            if check is None or not isinstance(arg, ConstArg):
                continue
            try:
                check(arg.const)
            except FunctionError as error:
                problems.append(FieldError(field, str(error), function=step.fn, rule=index))
    return problems


def _arity_text(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {low} arguments"
    return f"{low} arguments" if low == high else f"{low} to {high} arguments"


def _field_errors(raw: Any, error: ValidationError) -> list[FieldError]:
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        rule_index, field = _locate(raw, loc)
        # Union members each report; keep the message of the loc that names the real field.
        message = item["msg"].removeprefix("Value error, ")
        problems.append(FieldError(field, f"{_loc_text(loc)}: {message}", rule=rule_index))
    return _dedupe(problems)


def _locate(raw: Any, loc: list[Any]) -> tuple[int | None, str]:
    """Return the top-level rule index and the target path the error loc points into."""
    if len(loc) < 2 or loc[0] != "rules" or not isinstance(loc[1], int):
        return None, "mapping"
    index, node, targets = loc[1], raw.get("rules") if isinstance(raw, dict) else None, []
    position = 1
    while isinstance(node, list) and position < len(loc) and isinstance(loc[position], int):
        rule = node[loc[position]] if loc[position] < len(node) else None
        if not isinstance(rule, dict):
            break
        targets.append(str(rule.get("target", f"rule {loc[position]}")))
        if position + 1 < len(loc) and loc[position + 1] == "items":
            node, position = rule.get("items"), position + 2
        else:
            break
    return index, "[].".join(targets) or f"rule {index}"


def _loc_text(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _dedupe(problems: list[FieldError]) -> list[FieldError]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        if (problem.field, problem.message) not in seen:
            seen.add((problem.field, problem.message))
            unique.append(problem)
    return unique
