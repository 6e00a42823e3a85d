"""Writing mappings: the default for a new flow, saving a version, rolling back; and the
difference between two versions for the history view."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from pydantic import BaseModel

from mapping.kinds import mapping_kind, mapping_kinds
from mapping.models import Mapping, MappingVersion
from mapping.schema import FieldError, MappingInvalid, parse_mapping
from mapping.selectors import mapping_version_get
from mapping.targets import validate_mapping

DEFAULT_NOTE = "default mapping"
UNKNOWN_KIND = "Unknown flow kind {kind!r}."
NO_SUCH_VERSION = "Version {number} of this mapping does not exist."


@transaction.atomic
def mapping_create_default(*, tenant: Any, flow_kind: str) -> Mapping:
    """Create a flow's mapping with the default rules as version 1."""
    if flow_kind not in mapping_kinds():
        raise ValidationError({"flow_kind": UNKNOWN_KIND.format(kind=flow_kind)})
    definition = mapping_kind(flow_kind)
    mapping = Mapping(tenant=tenant, flow_kind=flow_kind, name=definition.title)
    mapping.full_clean()
    mapping.save()
    _add_version(mapping=mapping, spec=definition.spec(), user=None, note=DEFAULT_NOTE)
    return mapping


def mapping_save_version(
    *, mapping: Mapping, spec: dict[str, Any], user: Any, note: str = ""
) -> MappingVersion:
    """Validate a mapping against its flow's source and target and store it as the next
    version. A bad spec raises ValidationError whose message_dict maps each target field
    (or "mapping") to its problems."""
    problems = mapping_problems(flow_kind=mapping.flow_kind, spec=spec)
    if problems:
        raise ValidationError(_by_field(problems))
    clean = parse_mapping(spec).as_json()
    with transaction.atomic():
        return _add_version(mapping=mapping, spec=clean, user=user, note=note)


def mapping_rollback(*, mapping: Mapping, to_number: int, user: Any) -> MappingVersion:
    """Make an earlier version current again, as a new version with a copy of its rules."""
    old = mapping_version_get(mapping=mapping, number=to_number)
    if old is None:
        raise ValidationError({"to_number": NO_SUCH_VERSION.format(number=to_number)})
    note = f"rollback to version {to_number}"
    return mapping_save_version(mapping=mapping, spec=old.spec, user=user, note=note)


def mapping_problems(*, flow_kind: str, spec: Any) -> list[FieldError]:
    """Return what is wrong with a spec for a flow kind; empty when it can be saved."""
    if not isinstance(spec, dict | list):
        return [FieldError("mapping", "a mapping is an object with a list of rules")]
    definition = mapping_kind(flow_kind)
    return validate_mapping(
        spec,
        source=definition.source,
        target=definition.target,
        context=_context_schemas(flow_kind),
    )


def _context_schemas(flow_kind: str) -> dict[str, type[BaseModel]] | None:
    """The typed values `$settings.…` and `$customer_defaults.…` read in this kind of
    mapping, as the flow that declares it registered them."""
    return mapping_kind(flow_kind).context or None


def _add_version(*, mapping: Mapping, spec: dict[str, Any], user: Any, note: str) -> MappingVersion:
    # Lock the mapping row so that two saves at once cannot take the same number.
    Mapping.objects.select_for_update().filter(pk=mapping.pk).first()
    last = MappingVersion.objects.filter(mapping=mapping).aggregate(n=Max("number"))["n"]
    version = MappingVersion(
        tenant_id=mapping.tenant_id,
        mapping=mapping,
        number=(last or 0) + 1,
        spec=spec,
        created_by=user,
        note=note[:200],
    )
    version.full_clean()
    version.save()
    return version


def _by_field(problems: list[FieldError]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        message = (
            f"{problem.message} ({problem.function})" if problem.function else (problem.message)
        )
        grouped.setdefault(problem.field, []).append(message)
    return grouped


def mapping_diff(a: MappingVersion, b: MappingVersion) -> list[dict[str, Any]]:
    """Return the rules that differ from version a to version b, in b's order, then the
    removed ones: [{"target", "change": added|removed|changed, "before", "after"}]. Rules
    are matched by target and by their order among rules for the same target (a field can
    have several conditional rules)."""
    before = _keyed_rules(a.spec)
    after = _keyed_rules(b.spec)
    changes: list[dict[str, Any]] = []
    for key, rule in after.items():
        old = before.get(key)
        if old != rule:
            changes.append(
                {
                    "target": key[0],
                    "change": "changed" if old else "added",
                    "before": old,
                    "after": rule,
                }
            )
    for key, rule in before.items():
        if key not in after:
            changes.append({"target": key[0], "change": "removed", "before": rule, "after": None})
    return changes


def _keyed_rules(spec: Any) -> dict[tuple[str, int], dict[str, Any]]:
    rules = spec.get("rules", []) if isinstance(spec, dict) else spec
    seen: Counter[str] = Counter()
    keyed = {}
    for rule in rules if isinstance(rules, list) else []:
        target = str(rule.get("target", "")) if isinstance(rule, dict) else ""
        keyed[(target, seen[target])] = rule
        seen[target] += 1
    return keyed


__all__ = [
    "MappingInvalid",
    "mapping_create_default",
    "mapping_diff",
    "mapping_problems",
    "mapping_rollback",
    "mapping_save_version",
]
