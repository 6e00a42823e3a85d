"""Checks that name the problem: an order's articles, and the accounting system's refusals
said in the order's own terms.

Articles: a SKU that the products flow's ledger knows as live (written to the shop) is taken
to exist; any other SKU is looked up in the accounting system once per run (kept in the
shared cache under the run's id, so the next slice of the run need not ask again, and the
next run asks afresh: articles get renamed and removed). When a page of orders names more
such SKUs than the whole article list has pages, the list is read instead, once per run
(`prepare_articles`): 400 articles are 4 calls, not one per SKU. An order whose SKUs are not
all bookable fails naming each SKU and why.

Refusals: the accounting system names a refused field the way its own API spells it
("Lines[0].ArticleCode", "DebtorKindId"); the record's log says which line and SKU, or which
setting, that is.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache

from connectors.errors import RecordRejected
from flows.engine import RunContext
from flows.models import FlowRun, LedgerEntry

# How long a run's answers are kept: longer than any run's slices together take.
RUN_CACHE_SECONDS = 6 * 3600
LIVE_OUTCOMES = ("created", "updated")
UNKNOWN = "no article with this code in Asperion (renamed or removed?)"
INACTIVE = "the article is inactive in Asperion"
LINE_FIELD = re.compile(r"^lines(?:\._data)?\[(\d+)\]\.(\w+)$", re.IGNORECASE)
# Fields of a refused order or debtor → the setting that gave their value.
SETTING_OF_FIELD = {
    "debtorkindid": "the debtor kind in the customer settings",
    "paymentconditionid": "the payment condition (customer settings, or the payment terms)",
    "paymentmethodid": "the setting 'payment methods'",
    "journalid": "the setting 'sales journal'",
    "vatcode": "the setting 'VAT codes'",
    "ledgeraccountid": "the setting 'revenue ledger account'",
}


def article_cache_key(run: FlowRun, sku: str) -> str:
    """The run's answer about one SKU (the queue time tells apart runs of reused ids)."""
    digest = hashlib.sha256(sku.encode()).hexdigest()[:24]
    return f"flows:orders:run-article:{run.pk}:{run.queued_at.timestamp()}:{digest}"


# Below this many SKUs to check, looking them up one by one is as cheap as a listing.
LISTING_FROM = 3


def listed_cache_key(run: FlowRun) -> str:
    """Set once the run has read the whole article list (then no listing again)."""
    return f"flows:orders:run-articles-listed:{run.pk}:{run.queued_at.timestamp()}"


def prepare_articles(ctx: RunContext, skus: Iterable[str]) -> None:
    """Answer a page's unchecked SKUs from one read of the article list, when that takes
    fewer calls than a look-up each (and the run has not read it already)."""
    to_check, keys, known = unchecked(ctx, skus)
    missing = [sku for sku in to_check if known.get(keys[sku]) is None]
    if len(missing) < LISTING_FROM or cache.get(listed_cache_key(ctx.run)):
        return
    listing = ctx.accounting().articles_by_code(max_pages=len(missing) - 1)
    if listing is None:
        return
    answers = {
        article_cache_key(ctx.run, sku): article_problem(listing.get(sku.casefold()))
        for sku in missing
    }
    # Every listed code, for the SKUs of the run's later pages.
    for article in listing.values():
        code = str(article.get("code", ""))
        answers.setdefault(article_cache_key(ctx.run, code), article_problem(article))
    answers[listed_cache_key(ctx.run)] = "listed"
    cache.set_many(answers, timeout=RUN_CACHE_SECONDS)


def unchecked(
    ctx: RunContext, skus: Iterable[str]
) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """The SKUs that the products flow's ledger does not know as live, their cache keys,
    and the run's answers about them so far."""
    wanted = list(dict.fromkeys(skus))
    live = set(
        LedgerEntry.objects.filter(
            flow__integration=ctx.flow.integration,
            flow__kind="products",
            source_key__in=wanted,
            last_outcome__in=LIVE_OUTCOMES,
        )
        .exclude(target_id="")
        .values_list("source_key", flat=True)
    )
    to_check = [sku for sku in wanted if sku not in live]
    keys = {sku: article_cache_key(ctx.run, sku) for sku in to_check}
    return to_check, keys, cache.get_many(list(keys.values()))


def article_problems(ctx: RunContext, skus: Iterable[str]) -> dict[str, str]:
    """Return {sku: why it cannot be booked} for the SKUs that are no live article."""
    to_check, keys, known = unchecked(ctx, skus)
    problems: dict[str, str] = {}
    for sku in to_check:
        why = known.get(keys[sku])
        if why is None:
            why = looked_up(ctx, sku, keys[sku])
        if why:
            problems[sku] = why
    return problems


def looked_up(ctx: RunContext, sku: str, key: str) -> str:
    """Look an article up once for the run, though orders with it are booked side by side."""
    with ctx.once("article_lookups", threading.Lock):
        why = cache.get(key)
        if why is None:
            why = article_problem(ctx.connector("accounting").lookup("articles", sku))
            cache.set(key, why, timeout=RUN_CACHE_SECONDS)
    return str(why)


def article_problem(article: dict[str, Any] | None) -> str:
    """Why an article as the accounting system answered cannot be booked ("" when it can)."""
    if article is None:
        return UNKNOWN
    if article.get("active") is False:
        return INACTIVE
    return ""


def describe_problems(problems: dict[str, str]) -> str:
    return "; ".join(f"{sku}: {why}" for sku, why in problems.items())


def in_order_terms(error: RecordRejected, payload: dict[str, Any]) -> RecordRejected:
    """The same refusal, its fields named as the order knows them: the line and its SKU,
    or the setting that gave the value."""
    if not error.field_errors:
        return error
    named = {field_name(field, payload): messages for field, messages in error.field_errors.items()}
    if named == error.field_errors:
        return error
    return RecordRejected(
        error.message,
        status=error.status,
        api_message=error.api_message,
        field_errors=named,
    )


def field_name(field: str, payload: dict[str, Any]) -> str:
    """ "Lines[0].ArticleCode" → "line 1 (SKU ABC-1) article code"; "DebtorKindId" →
    "DebtorKindId (the debtor kind in the customer settings)"."""
    found = LINE_FIELD.match(field.strip())
    if found:
        index, name = int(found.group(1)), found.group(2)
        line = payload_lines(payload)[index] if index < len(payload_lines(payload)) else {}
        sku = line.get("articleCode") if isinstance(line, dict) else None
        what = f"line {index + 1}" + (f" (SKU {sku})" if sku else "")
        setting = SETTING_OF_FIELD.get(name.casefold())
        return f"{what} {spaced(name)}" + (f", from {setting}" if setting else "")
    setting = SETTING_OF_FIELD.get(field.strip().casefold())
    return f"{field} (from {setting})" if setting else field


def payload_lines(payload: dict[str, Any]) -> list[Any]:
    lines = payload.get("lines") or []
    if isinstance(lines, dict):
        lines = lines.get("_data") or []
    return list(lines)


def spaced(name: str) -> str:
    """ "ArticleCode" → "article code"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
