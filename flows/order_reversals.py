"""Orders cancelled or refunded in the shop after they were booked: never ignored, never twice.

- Booked as a sales invoice: one credit invoice (the original's lines with negative amounts,
  on the same journal, debtor, VAT codes and ledger accounts) that names the original
  invoice in its description. Like a booking it is two-phase: the ledger row
  "reversal:<order>" is marked before the write, and an interrupted credit is looked up
  (by the word "C-<order number>" in its description) before it is written again.
- Booked as a sales order: the contract has no way to cancel one, so the order is marked
  "needs action in the accounting system" with its number and the reason; the dashboard
  lists these and monitoring groups them into one incident email. Once the sales order is
  cancelled in the accounting system (the status stage sees it), the mark is cleared.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.records import Order
from flows.engine import Outcome, RunContext, confirm_progress, write_failure
from flows.models import Action, LedgerEntry
from flows.order_lookups import AMSTERDAM

PREFIX = "reversal:"
ENTITY = "order reversal"
CREDITING = "crediting"
CREDITED = "credited"
NEEDS_ACTION = "needs_action"
RESOLVED = "resolved"
NEEDS_ACTION_TEXT = "Needs action in Asperion"


def reversal_key(order_key: str) -> str:
    return f"{PREFIX}{order_key}"


def reversal_reason(order: Order) -> str:
    """Why a booked order must be undone, or "" when it need not."""
    if order.status == "cancelled":
        return "cancelled in the shop"
    if order.payment_status == "refunded":
        return "refunded in the shop"
    return ""


def credit_word(order: Order) -> str:
    """The word in a credit invoice's description that finds it again (and not the original:
    the original is found by the bare order number as a word)."""
    return f"C-{order.number}"


def handle_reversal(
    ctx: RunContext, order: Order, booked: LedgerEntry, *, invoice: bool
) -> Outcome | None:
    """Credit or mark one booked order that was cancelled or refunded; None when done before."""
    key = reversal_key(order.key)
    entry = LedgerEntry.objects.filter(flow=ctx.flow, source_key=key).first()
    if entry and entry.payload_hash in (CREDITED, NEEDS_ACTION, RESOLVED):
        return None  # never twice
    reason = reversal_reason(order)
    source = order.as_source()
    if not invoice:
        if cancelled_by_accounting(ctx, booked):
            return None  # the accounting system cancelled it and the shop followed: nothing to undo
        text = (
            f"{NEEDS_ACTION_TEXT}: order {order.number} was {reason} after it was booked as "
            f"sales order {booked.target_id}; cancel or credit it there by hand"
        )
        return Outcome(
            entity=ENTITY,
            key=key,
            action=Action.SKIPPED,
            reason=text,
            source=source,
            target_id=booked.target_id,
            ledger_hash=NEEDS_ACTION,
            source_label=order.number,
        )
    return credit(ctx, order, key, reason, resuming=entry is not None)


def cancelled_by_accounting(ctx: RunContext, booked: LedgerEntry) -> bool:
    """Whether the shop's cancellation came from the accounting system (the status stage
    set it)."""
    return LedgerEntry.objects.filter(
        flow=ctx.flow, source_key=f"status:{booked.target_id}", payload_hash="cancelled"
    ).exists()


def credit(ctx: RunContext, order: Order, key: str, reason: str, *, resuming: bool) -> Outcome:
    accounting = ctx.connector("accounting")
    source = order.as_source()
    try:
        if resuming:
            found = accounting.lookup("salesinvoices", credit_word(order))
            if found is not None:
                return credited(order, key, found, None, "found credited by an interrupted run")
        original = accounting.lookup("salesinvoices", order.number)
        if original is None:
            text = f"{NEEDS_ACTION_TEXT}: order {order.number} was {reason}, but its invoice "
            text += "was not found in Asperion to credit"
            return Outcome(entity=ENTITY, key=key, action=Action.FAILED, reason=text, source=source)
        payload = credit_payload(order, original, reason)
        if ctx.dry_run:
            return Outcome(
                entity=ENTITY, key=key, action=Action.CREATED, source=source, payload=payload
            )
        mark_crediting(ctx, key)
        result = accounting.create("salesinvoices", payload)
    except ConnectorError as error:
        return write_failure(ENTITY, key, error, source=source)
    return credited(order, key, result.response, payload, "")


def credited(
    order: Order, key: str, answer: dict[str, Any], payload: dict[str, Any] | None, reason: str
) -> Outcome:
    return Outcome(
        entity=ENTITY,
        key=key,
        action=Action.CREATED,
        reason=reason,
        source=order.as_source(),
        payload=payload,
        response=answer,
        target_id=str(answer.get("id") or ""),
        ledger_hash=CREDITED,
        source_label=order.number,
    )


def credit_payload(order: Order, original: dict[str, Any], reason: str) -> dict[str, Any]:
    """The original invoice's lines with negative amounts, referring to the original."""
    lines = original.get("lines") or []
    if isinstance(lines, dict):
        lines = lines.get("_data") or []
    number = original.get("invoiceNumber") or original.get("id")
    return {
        "date": timezone.now().astimezone(AMSTERDAM).replace(microsecond=0).isoformat(),
        "journalId": original["journalId"],
        "debtorCustomerNumber": original["debtorCustomerNumber"],
        "description": f"Creditnota bij factuur {number}, {reason}: {credit_word(order)}",
        "paymentConditionId": original.get("paymentConditionId"),
        "lines": [
            {
                "description": f"Credit {line.get('description') or ''}".strip()[:200],
                "amount": -float(line["amount"]),
                "vatCode": line["vatCode"],
                "ledgerAccountId": line["ledgerAccountId"],
            }
            for line in lines
        ],
    }


def mark_crediting(ctx: RunContext, key: str) -> None:
    """Commit the intent to credit before the write (as a booking does)."""
    with transaction.atomic():
        confirm_progress(ctx, activity=f"crediting {key}")
        LedgerEntry.objects.update_or_create(
            flow=ctx.flow,
            source_key=key,
            defaults={
                "tenant_id": ctx.run.tenant_id,
                "last_outcome": CREDITING,
                "last_run": ctx.run,
            },
        )


def clear_needs_action(ctx: RunContext, order_key: str) -> None:
    """The sales order was cancelled in the accounting system: what needed action is done."""
    LedgerEntry.objects.filter(
        flow=ctx.flow, source_key=reversal_key(order_key), payload_hash=NEEDS_ACTION
    ).update(payload_hash=RESOLVED, updated_at=timezone.now())


def needing_action(flow_ids: list[int]) -> list[LedgerEntry]:
    """The orders still marked "needs action in the accounting system", oldest first."""
    return list(
        LedgerEntry.objects.filter(
            flow_id__in=flow_ids, source_key__startswith=PREFIX, payload_hash=NEEDS_ACTION
        ).order_by("updated_at")
    )
