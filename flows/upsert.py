"""Create-or-update by business key: the shared step of the products, customers and
review-invitation flows."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class Write:
    """One record on its way to the target."""

    target: Target
    key: str  # the ledger's key
    lookup_key: str  # the target's business key (SKU, email) for look-ups
    payload: dict[str, Any]
    digest: str
    source: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def outcome(self, action: str, **values: Any) -> Outcome:
        return Outcome(
            entity=self.target.entity,
            key=self.key,
            action=action,
            source=self.source,
            payload=self.payload,
            **values,
        )

    def skipped(self, reason: str, **values: Any) -> Outcome:
        return skipped(
            self.target.entity, self.key, reason, source=self.source, payload=self.payload, **values
        )

    def failure(self, error: ConnectorError) -> Outcome:
        return write_failure(
            self.target.entity, self.key, error, source=self.source, payload=self.payload
        )


def upsert(ctx: RunContext, record: Record, target: Target, *, key: str | None = None) -> Outcome:
    """Write a record by key with as few calls as possible.

    A key the ledger knows is updated by its target id (one call); an unknown key is
    created (one call), and only a 409 (it exists already) costs a look-up and an update.
    """
    key = key or record.key
    source = record.as_source()
    payload, errors = ctx.map(record)
    if payload is None:
        return failed(target.entity, key, f"mapping failed: {errors}", source=source)
    item = Write(target, key, record.key, payload, payload_hash(payload), source)
    entry = ctx.ledger.get(key)
    if entry and entry.payload_hash == item.digest and entry.target_id:
        return item.skipped(UNCHANGED, target_id=entry.target_id)
    if ctx.dry_run:
        return dry_run(ctx, item)
    return write(ctx, item, entry.target_id if entry else "")


def write(ctx: RunContext, item: Write, target_id: str) -> Outcome:
    target = item.target
    if target_id and not target.update_existing:
        return item.skipped(EXISTS_NO_UPDATE, target_id=target_id, ledger_hash=item.digest)
    connector = ctx.connector(target.system)
    try:
        if target_id:
            result = connector.update(target.entity, target_id, item.payload)
        else:
            result = connector.create(target.entity, item.payload)
    except ConnectorError as error:
        if error.status == 404 and target_id:  # deleted in the target since: create it again
            return write(ctx, item, "")
        if error.status == 409 and not target_id:
            return after_conflict(ctx, item, error)
        return item.failure(error)
    return item.outcome(
        result.action, response=result.response, target_id=result.target_id, ledger_hash=item.digest
    )


def after_conflict(ctx: RunContext, item: Write, error: ConnectorError) -> Outcome:
    """The create met a record that exists already: update it, or leave it alone."""
    if not item.target.update_existing:
        return item.skipped(EXISTS_NO_UPDATE, ledger_hash=item.digest)
    try:
        existing = ctx.connector(item.target.system).lookup(item.target.entity, item.lookup_key)
    except (ConnectorError, ValueError):
        existing = None
    if existing is None:
        return item.failure(error)
    return write(ctx, item, str(existing["id"]))


def dry_run(ctx: RunContext, item: Write) -> Outcome:
    """What a real run would do, with the fields that would change."""
    try:
        current = ctx.connector(item.target.system).lookup(item.target.entity, item.lookup_key)
    except ConnectorError as error:
        return item.failure(error)
    except ValueError:  # the target cannot look this entity up: it would be created
        current = None
    if current is None:
        return item.outcome(Action.CREATED, diff=field_diff(None, item.payload))
    if not item.target.update_existing:
        return item.skipped(EXISTS_NO_UPDATE, target_id=str(current["id"]))
    diff = field_diff(current, item.payload)
    if not diff:
        return item.skipped("the target holds these values already", target_id=str(current["id"]))
    return item.outcome(Action.UPDATED, diff=diff, target_id=str(current["id"]))
