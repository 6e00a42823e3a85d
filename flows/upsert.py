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
    log_entity,
    payload_hash,
    skipped,
    write_failure,
)
from flows.models import Action, LedgerEntry

UNCHANGED = "unchanged since the last run: nothing to write"
EXISTS_NO_UPDATE = "exists in the target already and updating existing records is off"


@dataclass(frozen=True)
class Target:
    system: str
    entity: str
    update_existing: bool = True
    # Fields only a create writes (mapping rules marked "only when creating").
    create_only: frozenset[str] = frozenset()

    def for_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in payload.items() if k not in self.create_only}


@dataclass
class Write:
    """One record on its way to the target."""

    target: Target
    key: str  # the ledger's key
    lookup_key: str  # the target's business key (SKU, email) for look-ups
    payload: dict[str, Any]
    digest: str
    source: dict[str, Any]
    owner: Record
    entity: str  # what the activity log calls it (the target's entity is the API's word)
    extra: dict[str, Any] = field(default_factory=dict)

    def outcome(self, action: str, **values: Any) -> Outcome:
        return Outcome(
            entity=self.entity,
            key=self.key,
            action=action,
            source=self.source,
            payload=self.payload,
            **self.ownership(),
            **values,
        )

    def skipped(self, reason: str, **values: Any) -> Outcome:
        return skipped(
            self.entity,
            self.key,
            reason,
            source=self.source,
            payload=self.payload,
            **self.ownership(),
            **values,
        )

    def ownership(self) -> dict[str, Any]:
        return {
            "source_id": self.owner.source_identity,
            "source_label": self.owner.source_label,
            "source_hash": self.extra.get("source_hash", ""),
        }

    def taken_by(self, label: str) -> Outcome:
        reason = (
            f"{label} goes to the same Feeddex record already: this one is not written over "
            "it; make the two differ in the source (spaces and case do not count)"
        )
        return failed(self.entity, self.key, reason, source=self.source)

    def failure(self, error: ConnectorError) -> Outcome:
        return write_failure(self.entity, self.key, error, source=self.source, payload=self.payload)


def upsert(ctx: RunContext, record: Record, target: Target, *, key: str | None = None) -> Outcome:
    """Write a record by key with as few calls as possible.

    A key the ledger knows is updated by its target id (one call); an unknown key is
    created (one call), and only a 409 (it exists already) costs a look-up and an update.
    """
    key = key or record.key
    source = record.as_source()
    entity = log_entity(ctx)
    entry = ctx.ledger.get(key)
    source_hash = ctx.source_digest(source)
    if entry is not None and seen_as_it_is(entry, record, source_hash):
        return unchanged(entity, key, entry, source=source)
    payload, errors = ctx.map(record, source)
    if payload is None:
        return failed(entity, key, f"mapping failed: {errors}", source=source)
    item = Write(target, key, record.key, payload, payload_hash(payload), source, record, entity)
    item.extra["source_hash"] = source_hash
    if entry and owned_by_another(entry, record):
        return item.taken_by(entry.source_label or f"source record {entry.source_id}")
    if entry and entry.payload_hash == item.digest and entry.target_id:
        # The source changed but not what is sent (or the ledger predates source hashes):
        # nothing to write; the ledger learns the new source hash.
        outcome = item.skipped(UNCHANGED, target_id=entry.target_id, ledger_hash=item.digest)
        outcome.quiet = True
        return outcome
    target_id = entry.target_id if entry else ""
    outcome = dry_run(ctx, item) if ctx.dry_run else write(ctx, item, target_id)
    claim(ctx, outcome)
    return outcome


def known_unchanged(ctx: RunContext, record: Record, *, key: str | None = None) -> Outcome | None:
    """The outcome of a record the ledger has seen as it is now (None for any other): known
    without a call, so the page's own thread gives it without handing it to a worker."""
    key = key or record.key
    entry = ctx.ledger.get(key)
    if entry is None or not entry.target_id:
        return None
    source = record.as_source()
    if not seen_as_it_is(entry, record, ctx.source_digest(source)):
        return None
    return unchanged(log_entity(ctx), key, entry, source=source)


def seen_as_it_is(entry: LedgerEntry, record: Record, source_hash: str) -> bool:
    """Whether the ledger wrote this very record, as it is now, to the target already."""
    return bool(
        entry.target_id and entry.source_hash == source_hash and not owned_by_another(entry, record)
    )


def unchanged(entity: str, key: str, entry: LedgerEntry, *, source: dict[str, Any]) -> Outcome:
    """A record the ledger has seen as it is now: no mapping, no call, no log row."""
    return skipped(entity, key, UNCHANGED, source=source, target_id=entry.target_id, quiet=True)


def owned_by_another(entry: LedgerEntry, record: Record) -> bool:
    """Whether the key belongs to another source record (e.g. "DUP-3" and "DUP-3 ", or
    one email address in two cases): the second must not overwrite the first."""
    identity = record.source_identity
    return bool(entry.source_id and identity and entry.source_id != identity)


def claim(ctx: RunContext, outcome: Outcome) -> None:
    """Note the key's owner in the run's ledger at once: the ledger rows of a page are saved
    only when the page is done, and a duplicate may come later in the same page."""
    if outcome.action not in (Action.CREATED, Action.UPDATED) or not outcome.source_id:
        return
    ctx.ledger[outcome.key] = LedgerEntry(
        flow=ctx.flow,
        source_key=outcome.key,
        target_id=outcome.target_id,
        payload_hash=outcome.ledger_hash or "",
        source_id=outcome.source_id,
        source_label=outcome.source_label,
    )


def write(ctx: RunContext, item: Write, target_id: str) -> Outcome:
    target = item.target
    if target_id and not target.update_existing:
        return item.skipped(EXISTS_NO_UPDATE, target_id=target_id, ledger_hash=item.digest)
    connector = ctx.connector(target.system)
    try:
        if target_id:
            result = connector.update(target.entity, target_id, target.for_update(item.payload))
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
    owner = other_owner(ctx, item, str(existing["id"]))
    if owner is not None:
        return item.taken_by(owner)
    return write(ctx, item, str(existing["id"]))


def other_owner(ctx: RunContext, item: Write, target_id: str) -> str | None:
    """Return the label of another source record that the target record belongs to, if any
    (a customer matched by number whose email another debtor has already)."""
    identity = item.owner.source_identity
    if not identity:
        return None
    claimed = [e for e in ctx.ledger.values() if e.target_id == target_id]
    rows = LedgerEntry.objects.filter(flow=ctx.flow, target_id=target_id).exclude(source_id="")
    for entry in [*claimed, *rows.exclude(source_id=identity)[:1]]:
        if owned_by_another(entry, item.owner):
            return entry.source_label or f"source record {entry.source_id}"
    return None


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
    diff = field_diff(current, item.target.for_update(item.payload))
    if not diff:
        return item.skipped("the target holds these values already", target_id=str(current["id"]))
    return item.outcome(Action.UPDATED, diff=diff, target_id=str(current["id"]))
