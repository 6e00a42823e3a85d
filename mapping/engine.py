"""The mapping engine: pure, compiled once, applied to many records, never raising for data.

    compiled = compile_mapping(spec, target="feeddex.Product")   # MappingInvalid if bad
    result = compiled.apply(product.as_source(), context={"settings": {...}})
    result.payload, result.errors

`apply_mapping(spec, source, context=...)` does both in one call (and reports a bad spec as
errors rather than raising). A function that fails on a record's data becomes a FieldError
naming the target field and the function; the other fields are still mapped, so the record
log can show everything that is wrong at once. With a target, values are converted to the
field's JSON type (a Decimal for an integer field becomes an int, or an error when it has a
fraction) and the payload is checked against the target's schema.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mapping.functions import (
    FUNCTIONS,
    FunctionError,
    as_bool,
    as_decimal,
    as_int,
    as_text,
    is_empty,
)
from mapping.paths import Reader, compile_reader, parse_source_path, target_keys, write_value
from mapping.schema import (
    Condition,
    ConstArg,
    FieldError,
    FieldRule,
    MappingInvalid,
    MappingSpec,
    PreviousArg,
    SourceArg,
    parse_mapping,
)

__all__ = [
    "CompiledMapping",
    "FieldError",
    "MappingResult",
    "MappingTimeout",
    "apply_mapping",
    "compile_mapping",
]

_PREVIOUS: Any = object()  # marks where a step takes the value so far


@dataclass
class MappingResult:
    payload: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_text(self) -> str:
        return "; ".join(str(e) for e in self.errors)


class MappingTimeout(Exception):
    """Applying the mapping went past its deadline (the preview's time budget)."""


class _StepFailed(Exception):
    """Carries a function's error out of a chain with the function's name."""

    def __init__(self, function: str, error: Exception) -> None:
        super().__init__(function)
        self.function = function
        self.error = error


StepRun = Callable[[Any, Any, dict[str, Any], Any], Any]


@dataclass(frozen=True)
class _Step:
    name: str
    run: StepRun  # run(value so far, data, context, root) → new value


def _step_runner(impl: Callable[..., Any], args: tuple[Any, ...], implicit: bool) -> StepRun:
    """Return the fastest way to call the function with these arguments: most steps take
    the value so far and constants only, which need no work per record."""
    if implicit and all(isinstance(a, tuple) for a in args):
        consts = tuple(a[1] for a in args)
        if not consts:
            return lambda value, data, context, root: impl(value)
        return lambda value, data, context, root: impl(value, *consts)

    def run(value: Any, data: Any, context: dict[str, Any], root: Any) -> Any:
        values = [value] if implicit else []
        for arg in args:
            if arg is _PREVIOUS:
                values.append(value)
            elif isinstance(arg, tuple):
                values.append(arg[1])
            else:
                values.append(arg(data, context, root))
        return impl(*values)

    return run


Coerce = Callable[[Any], Any]


@dataclass(frozen=True)
class _Rule:
    index: int
    field: str
    keys: tuple[str, ...]
    start: Reader | None
    const: Any
    steps: tuple[_Step, ...]
    when: Callable[[Any, dict[str, Any], Any], bool] | None
    has_default: bool
    default: Any
    items: tuple[_Rule, ...] | None
    coerce: Coerce


class CompiledMapping:
    """A mapping ready to apply: paths parsed, functions looked up, target types known."""

    def __init__(self, spec: MappingSpec, *, target: str | None = None) -> None:
        self.spec = spec
        self.target = target
        fields = _target_fields(target)
        self.rules = tuple(
            _compile_rule(i, rule=r, prefix="", fields=fields) for i, r in enumerate(spec.rules)
        )

    def apply(
        self, source: Any, *, context: dict[str, Any] | None = None, deadline: float | None = None
    ) -> MappingResult:
        """Return the payload and the errors; never raises for bad data. With a `deadline`
        (a time.monotonic() value), raise MappingTimeout once it has passed, checked before
        each rule: a preview must answer within its budget whatever the mapping does."""
        errors: list[FieldError] = []
        if not isinstance(source, dict):
            errors.append(FieldError("source", f"the record is not an object: {source!r:.40}"))
            source = {}
        ctx = context if isinstance(context, dict) else {}
        payload = _apply_rules(self.rules, source, ctx, source, "", errors, deadline)
        if self.target is not None:
            errors += _schema_errors(payload, self.target, errors)
        return MappingResult(payload=payload, errors=errors)


def compile_mapping(
    mapping: MappingSpec | dict[str, Any] | list[Any], *, target: str | None = None
) -> CompiledMapping:
    """Return the compiled mapping; raise MappingInvalid naming the bad rules."""
    return CompiledMapping(parse_mapping(mapping), target=target)


def apply_mapping(
    mapping: CompiledMapping | MappingSpec | dict[str, Any] | list[Any],
    source: Any,
    *,
    context: dict[str, Any] | None = None,
    target: str | None = None,
) -> MappingResult:
    """Apply a mapping to one source record; an invalid mapping gives its errors, not an
    exception. Compile once with compile_mapping when applying to many records."""
    if not isinstance(mapping, CompiledMapping):
        try:
            mapping = compile_mapping(mapping, target=target)
        except MappingInvalid as error:
            return MappingResult(payload={}, errors=list(error.errors))
    return mapping.apply(source, context=context)


# ---- applying ---------------------------------------------------------------------------------


def _apply_rules(
    rules: tuple[_Rule, ...],
    data: Any,
    context: dict[str, Any],
    root: Any,
    prefix: str,
    errors: list[FieldError],
    deadline: float | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for rule in rules:
        if deadline is not None and time.monotonic() >= deadline:
            raise MappingTimeout(rule.field)
        try:
            _apply_rule(rule, data, context, root, prefix, payload, errors, deadline)
        except MappingTimeout:
            raise
        except _StepFailed as failed:
            errors.append(
                _field_error(
                    prefix + rule.field, error=failed.error, function=failed.function, rule=rule
                )
            )
        except Exception as error:  # noqa: BLE001 - a record must never crash the run
            errors.append(_field_error(prefix + rule.field, error=error, function=None, rule=rule))
    return payload


def _field_error(field: str, *, error: Exception, function: str | None, rule: _Rule) -> FieldError:
    if isinstance(error, FunctionError):
        message = str(error)
    else:  # a bug or an input no function foresaw: still an error on the field, not a crash
        message = f"unexpected {type(error).__name__}: {error}"
    return FieldError(field, message, function=function, rule=rule.index)


def _apply_rule(
    rule: _Rule,
    data: Any,
    context: dict[str, Any],
    root: Any,
    prefix: str,
    payload: dict[str, Any],
    errors: list[FieldError],
    deadline: float | None = None,
) -> None:
    if rule.when is not None and not rule.when(data, context, root):
        return
    value = rule.start(data, context, root) if rule.start is not None else rule.const
    for step in rule.steps:
        try:
            value = step.run(value, data, context, root)
        except Exception as error:  # noqa: BLE001 - named and reported by _apply_rules
            raise _StepFailed(step.name, error) from None
    if rule.items is not None:
        value = _apply_items(rule, value, context, root, prefix, errors, deadline)
    if rule.has_default and is_empty(value) and not isinstance(value, list):
        value = rule.default
    value = rule.coerce(value)
    if value is not None:
        write_value(payload, rule.keys, value)


def _apply_items(
    rule: _Rule,
    value: Any,
    context: dict[str, Any],
    root: Any,
    prefix: str,
    errors: list[FieldError],
    deadline: float | None = None,
) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise FunctionError(f"items need a list, got {value!r:.40}")
    assert rule.items is not None
    return [
        _apply_rules(
            rule.items, item, context, root, f"{prefix}{rule.field}[{i}].", errors, deadline
        )
        for i, item in enumerate(value)
    ]


def _schema_errors(
    payload: dict[str, Any], target: str, errors: list[FieldError]
) -> list[FieldError]:
    """The target's schema problems, less those on fields a rule already reported."""
    from mapping.targets import payload_problems

    reported = {e.field for e in errors}
    return [p for p in payload_problems(payload, target) if p.field not in reported]


# ---- compiling --------------------------------------------------------------------------------


def _target_fields(target: str | None) -> dict[str, Any]:
    if target is None:
        return {}
    from mapping.targets import target_fields

    return dict(target_fields(target))


def _compile_rule(index: int, *, rule: FieldRule, prefix: str, fields: dict[str, Any]) -> _Rule:
    path = prefix + rule.target
    starts_empty = rule.source is None and not rule.has_const
    items = None
    if rule.items is not None:
        items = tuple(
            _compile_rule(i, rule=r, prefix=f"{path}[].", fields=fields)
            for i, r in enumerate(rule.items)
        )
    target_field = fields.get(path)
    return _Rule(
        index=index,
        field=rule.target,
        keys=target_keys(rule.target),
        start=None if rule.source is None else _reader(rule.source),
        const=rule.const,
        steps=tuple(
            _compile_step(s, first_without_value=starts_empty and n == 0)
            for n, s in enumerate(rule.steps)
        ),
        when=_compile_conditions(rule.conditions),
        has_default=rule.has_default,
        default=rule.default,
        items=items,
        coerce=_coercer(target_field.type if target_field else "any"),
    )


def _reader(text: str) -> Reader:
    return compile_reader(parse_source_path(text))


def _compile_step(step: Any, *, first_without_value: bool) -> _Step:
    args: list[Any] = []
    for arg in step.args:
        if isinstance(arg, PreviousArg):
            args.append(_PREVIOUS)
        elif isinstance(arg, ConstArg):
            args.append(("const", arg.const))
        elif isinstance(arg, SourceArg):
            args.append(_reader(arg.source))
    implicit = not step.takes_previous_explicitly and not first_without_value
    impl = FUNCTIONS[step.fn].impl
    return _Step(name=step.fn, run=_step_runner(impl, tuple(args), implicit))


def _compile_conditions(
    conditions: list[Condition],
) -> Callable[[Any, dict[str, Any], Any], bool] | None:
    if not conditions:
        return None
    if len(conditions) == 1:
        return _compile_condition(conditions[0])
    tests = tuple(_compile_condition(c) for c in conditions)
    return lambda data, context, root: all(test(data, context, root) for test in tests)


def _compile_condition(condition: Condition) -> Callable[[Any, dict[str, Any], Any], bool]:
    read = _reader(condition.source)
    test = _CONDITIONS[condition.op]
    expected = condition.value
    return lambda data, context, root: test(read(data, context, root), expected)


def _truthy(value: Any) -> bool:
    try:
        return as_bool(value)
    except FunctionError:
        return not is_empty(value)


def _same(value: Any, expected: Any) -> bool:
    if value == expected:
        return True
    if value is None or expected is None or isinstance(value, bool | dict | list):
        return False
    try:
        return as_decimal(value) == as_decimal(expected)
    except FunctionError:
        return str(value).strip().lower() == str(expected).strip().lower()


def _among(value: Any, expected: Any) -> bool:
    return isinstance(expected, list) and any(_same(value, option) for option in expected)


_CONDITIONS: dict[str, Callable[[Any, Any], bool]] = {
    "truthy": lambda v, _: _truthy(v),
    "falsy": lambda v, _: not _truthy(v),
    "empty": lambda v, _: is_empty(v),
    "not_empty": lambda v, _: not is_empty(v),
    "equals": _same,
    "not_equals": lambda v, e: not _same(v, e),
    "in": _among,
    "not_in": lambda v, e: not _among(v, e),
}


# ---- JSON out ---------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """Return the value as JSON data: Decimal → int or float, dates → ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def _to_integer(value: Any) -> Any:
    return None if value is None else as_int(value, "a whole number for this field")


def _to_number(value: Any) -> Any:
    return None if value is None else plain(as_decimal(value))


def _to_string(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool | dict | list | tuple):
        raise FunctionError(f"this field takes text, got {value!r:.40}")
    return as_text(value)


def _to_boolean(value: Any) -> Any:
    return None if value is None else as_bool(value)


def _to_list(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise FunctionError(f"this field takes a list, got {value!r:.40}")
    return plain(value)


def _to_object(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FunctionError(f"this field takes an object, got {value!r:.40}")
    return plain(value)


_COERCERS: dict[str, Coerce] = {
    "integer": _to_integer,
    "number": _to_number,
    "string": _to_string,
    "boolean": _to_boolean,
    "array": _to_list,
    "object": _to_object,
}


def _coercer(kind: str) -> Coerce:
    return _COERCERS.get(kind, plain)
