"""Create-or-update by business key: the shared step of the products and customers flows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.base import ConnectorError
from connectors.records import Record
from flows.engine import (
    Outcome,
    RunContext,
    failed,
    field_diff,
    payload_hash,
    skipped,
    write_failure,
)
from flows.models import Action

UNCHANGED = "unchanged since the last run: nothing to write"
EXISTS_NO_UPDATE = "exists in the target already and updating existing records is off"


@dataclass(frozen=True)
class Target:
    system: str
    entity: str
    update_existing: bool = True


def upsert(ctx: RunContext, record: Record, target: Target) -> Outcome:
    """Write a record by key with as few calls as possible.

    A key the ledger knows is updated by its target id (one call); an unknown key is
    created (one call), and only a 409 (it exists already) costs a look-up and an update.
    """
    source = record.as_source()
    payload, errors = ctx.map(record)
    if payload is None:
        return failed(target.entity, record.key, f"mapping failed: {errors}", source=source)
    digest = payload_hash(payload)
    entry = ctx.ledger.get(record.key)
    common: dict[str, Any] = {"source": source, "payload": payload}
    if entry and entry.payload_hash == digest and entry.target_id:
        return skipped(target.entity, record.key, UNCHANGED, target_id=entry.target_id, **common)
    if ctx.dry_run:
        return dry_run(ctx, target, record.key, payload, common)
    known_id = entry.target_id if entry else ""
    return write(ctx, target, record.key, known_id, payload, digest, common)


def write(
    ctx: RunContext,
    target: Target,
    key: str,
    target_id: str,
    payload: dict[str, Any],
    digest: str,
    common: dict[str, Any],
) -> Outcome:
    if target_id and not target.update_existing:
        return skipped(target.entity, key, EXISTS_NO_UPDATE, target_id=target_id,
                       ledger_hash=digest, **common)
    connector = ctx.connector(target.system)
    try:
        if target_id:
            result = connector.update(target.entity, target_id, payload)
        else:
            result = connector.create(target.entity, payload)
    except ConnectorError as error:
        if error.status == 404 and target_id:  # deleted in the target since: create it again
            return write(ctx, target, key, "", payload, digest, common)
        if error.status == 409 and not target_id and not target.update_existing:
            return skipped(target.entity, key, EXISTS_NO_UPDATE, ledger_hash=digest, **common)
        if error.status == 409 and not target_id:  # exists already: update it instead
            existing = ctx.connector(target.system).lookup(target.entity, key)
            if existing:
                return write(ctx, target, key, str(existing["id"]), payload, digest, common)
        return write_failure(target.entity, key, error, **common)
    return Outcome(
        entity=target.entity, key=key, action=result.action, response=result.response,
        target_id=result.target_id, ledger_hash=digest, **common,
    )


def dry_run(
    ctx: RunContext, target: Target, key: str, payload: dict[str, Any], common: dict[str, Any]
) -> Outcome:
    try:
        current = ctx.connector(target.system).lookup(target.entity, key)
    except ConnectorError as error:
        return write_failure(target.entity, key, error, **common)
    return dry_run_outcome(target, key, current, payload, common)


def dry_run_outcome(
    target: Target,
    key: str,
    current: dict[str, Any] | None,
    payload: dict[str, Any],
    common: dict[str, Any],
) -> Outcome:
    """What a real run would do, with the fields that would change."""
    if current is None:
        return Outcome(entity=target.entity, key=key, action=Action.CREATED,
                       diff=field_diff(None, payload), **common)
    if not target.update_existing:
        return skipped(target.entity, key, EXISTS_NO_UPDATE,
                       target_id=str(current["id"]), **common)
    diff = field_diff(current, payload)
    action = Action.UPDATED if diff else Action.SKIPPED
    reason = "" if diff else "the target holds these values already"
    return Outcome(entity=target.entity, key=key, action=action, reason=reason, diff=diff,
                   target_id=str(current["id"]), **common)
