"""A run's pages, record by record, or several records at once.

Every record of a page gets an outcome (a failed record never stops the others); outcomes are
saved every few seconds and with the page's cursor at its end (flows/engine.py `save_page`).
A slice may end inside a page: what was done is saved with the run's position
(flows/position.py) and the next slice does the rest.

Waits decide the pace of a sync: against an API 200 ms away, one request at a time is five a
second whatever the platform does meanwhile. A flow whose records are independent writes
(products, customers, invitations) therefore hands up to `in_flight` records of a page to
worker threads. Each record stays on one thread from its first call to its last, so its
calls keep their order; two records with one key never run at once; every call still takes
a token from the connection's shared rate limit. The page's own thread saves the outcomes,
confirms the run's lease while the workers call (they stop at their next call once it is
lost), and stops handing out records when the slice is over. A record's own thread writes only
what must be committed before its call (the orders flow's booking mark, which confirms the
lease in the same transaction), on a connection closed with the record.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection as db_connection

from connectors.base import BadRecord, ConnectorError, Page
from connectors.errors import WaitPastDeadline
from connectors.records import Record
from flows.engine import (
    TRANSIENT_REASON,
    Outcome,
    RunAborted,
    RunContext,
    SliceOver,
    bad_record_outcome,
    failed,
    log_entity,
    save_page,
)
from flows.lease import LeaseLost

Handler = Callable[[RunContext, Record], "Outcome | None"]


@dataclass
class Todo:
    number: int  # its place in the page, for the run's activity
    key: str
    record: Record | BadRecord
    # What it must not share with a record in flight: its key, and whatever else the target
    # holds unique (two debtors with one email become one shop customer, the first one).
    locks: frozenset[str] = frozenset()


def process_page(
    ctx: RunContext,
    page: Page,
    *,
    stream: str,
    handle: Handler,
    key_of: Callable[[Record], str] = lambda record: record.key,
    locks_of: Callable[[Record], Iterable[str]] = lambda record: (),
    in_flight: int = 1,
    without_calls: Callable[[Record], Outcome | None] = lambda record: None,
) -> None:
    """Give every record of the page an outcome and save them, the page's cursor with the
    last part. A handler returns None for a record that is none of this flow's business (it
    is not logged); `without_calls` gives the outcome of a record that needs no call (with
    records at once, on the page's own thread). Raises SliceOver when the slice ends inside
    the page."""
    ctx.position.start_page(stream, ctx.flow.cursor.get(stream) if page.cursor else None)
    ctx.load_ledger(key_of(r) for r in page.records if not isinstance(r, BadRecord))
    todo = [
        Todo(number, key, record, locks_of_any(record, key, locks_of))
        for number, record in enumerate(page.records, start=1)
        if not ctx.position.is_done(key := key_of_any(record, key_of), record)
    ]
    work = PageWork(
        ctx, stream=stream, total=len(page.records), handle=handle, without_calls=without_calls
    )
    if in_flight > 1 and len(todo) > 1:
        work.at_once(todo, in_flight)
    else:
        work.one_by_one(todo)
    work.finish(page.cursor)


def locks_of_any(
    record: Record | BadRecord, key: str, locks_of: Callable[[Record], Iterable[str]]
) -> frozenset[str]:
    extra = () if isinstance(record, BadRecord) else locks_of(record)
    return frozenset({f"key:{key}", *extra})


def key_of_any(record: Record | BadRecord, key_of: Callable[[Record], str]) -> str:
    return record.key if isinstance(record, BadRecord) else key_of(record)


@dataclass
class PageWork:
    """The outcomes of one page, as its records are done."""

    ctx: RunContext
    stream: str
    total: int
    handle: Handler
    without_calls: Callable[[Record], Outcome | None] = lambda record: None
    outcomes: list[Outcome] = field(default_factory=list)
    # The last record left for the next slice (its retry would have outlasted this one).
    behind: WaitPastDeadline | None = None

    def activity(self, item: Todo, in_flight: int = 1) -> str:
        at_once = f" ({in_flight} at once)" if in_flight > 1 else ""
        page = self.ctx.position.pages
        return f"page {page} of {self.stream}: record {item.number} of {self.total}{at_once}"

    # -- one record at a time -------------------------------------------------------------

    def one_by_one(self, todo: list[Todo]) -> None:
        ctx = self.ctx
        for item in todo:
            if ctx.slice_over():
                self.stop(SliceOver())
            ctx.beat(self.activity(item))
            if self.done_without_calls(item):
                continue
            try:
                outcome = handle_record(ctx, item.record, self.handle)
            except WaitPastDeadline as wait:
                self.waited(item, wait)
                continue
            except RunAborted as aborted:
                self.stop(aborted)
            self.done(item, outcome)

    # -- several records at once ----------------------------------------------------------

    def at_once(self, todo: list[Todo], in_flight: int) -> None:
        ctx = self.ctx
        waiting = deque(todo)
        running: dict[Future[Outcome | None], Todo] = {}
        stopping: BaseException | None = None
        while waiting or running:
            while len(running) < in_flight and not (stopping or ctx.slice_over()):
                item = next_free(waiting, running.values(), window=4 * in_flight)
                if item is None:
                    break
                if self.done_without_calls(item):
                    continue
                ctx.beat(self.activity(item, in_flight))
                running[ctx.submit(handle_record, ctx, item.record, self.handle)] = item
            if not running:
                break
            finished, _ = wait(running, timeout=heartbeat_seconds(), return_when=FIRST_COMPLETED)
            ctx.beat()  # the lease is confirmed here while the workers call
            for future in finished:
                stopping = self.collect(running.pop(future), future) or stopping
        if stopping is not None:
            self.stop(stopping)
        if waiting:  # the slice is over: the next one does the rest
            self.stop(SliceOver())

    def done_without_calls(self, item: Todo) -> bool:
        if isinstance(item.record, BadRecord):
            return False
        outcome = self.without_calls(item.record)
        if outcome is None:
            return False
        self.done(item, outcome)
        return True

    def collect(self, item: Todo, future: Future[Outcome | None]) -> BaseException | None:
        """Take a worker's outcome; return what stops the page, if anything."""
        try:
            outcome = future.result()
        except WaitPastDeadline as wait:
            if wait.shared or not wait.seconds:
                self.ctx.waiting_for(wait)
                return SliceOver(wait.seconds)
            self.waited(item, wait, shared_ends=False)
            return None
        except Exception as error:  # noqa: BLE001 - a run-level stop, or a bug: the page stops
            return error
        self.done(item, outcome)
        return None

    # -- outcomes ---------------------------------------------------------------------------

    def done(self, item: Todo, outcome: Outcome | None) -> None:
        ctx = self.ctx
        if outcome is not None:
            self.outcomes.append(outcome)
        ctx.position.mark_done(item.key, item.record)
        ctx.handled += 1
        if ctx.lease is not None and ctx.lease.due():
            self.save()

    def waited(self, item: Todo, wait: WaitPastDeadline, *, shared_ends: bool = True) -> None:
        """A record's call would have waited past the slice's end."""
        self.ctx.waiting_for(wait)
        if shared_ends and (wait.shared or not wait.seconds):  # every call waits, or time is up
            self.stop(SliceOver(wait.seconds))
        outcome = deferred(self.ctx, item.key, wait)
        if outcome is None:
            self.ctx.put_off += 1
            self.behind = wait
        else:
            self.done(item, outcome)

    def save(self, cursor: str | None = None) -> None:
        save_page(self.ctx, self.outcomes, stream=self.stream, cursor=cursor)
        self.outcomes = []

    def stop(self, reason: BaseException) -> None:
        """Save what is done and stop the page (a slice that lost its lease saves nothing)."""
        if not isinstance(reason, LeaseLost):
            self.save()
        raise reason

    def finish(self, cursor: str | None) -> None:
        if self.behind is not None:  # the page is saved with its cursor once those are done
            self.ctx.waiting_for(self.behind)
            self.stop(SliceOver(self.behind.seconds))
        self.save(cursor)


def next_free(waiting: deque[Todo], running: Iterable[Todo], *, window: int) -> Todo | None:
    """Take the first waiting record that shares nothing with a record in flight, nor with
    a record before it that waits (of two with one key, the second must see the first's
    ledger: they keep the page's order); look no further than `window` records ahead."""
    held = frozenset().union(*(item.locks for item in running))
    for index, item in enumerate(waiting):
        if index >= window:
            return None
        if not item.locks & held:
            del waiting[index]
            return item
        held |= item.locks
    return None


def heartbeat_seconds() -> float:
    return max(0.05, float(settings.FLOW_HEARTBEAT_SECONDS))


def handle_record(ctx: RunContext, record: Record | BadRecord, handle: Handler) -> Outcome | None:
    if isinstance(record, BadRecord):
        return bad_record_outcome(ctx, record)
    return handle(ctx, record)


def fail_put_off(ctx: RunContext, why: str) -> None:
    """The run stops with records still put off to a next slice: each is logged as failed,
    not answered (its ledger stays as it was, so the next run does it from the start)."""
    keys = list(ctx.position.deferred)
    if keys:
        entity = log_entity(ctx)
        outcomes = [failed(entity, key, f"{TRANSIENT_REASON}: {why}") for key in keys]
        save_page(ctx, outcomes, stream=ctx.position.stream or "", cursor=None)


def deferred(ctx: RunContext, key: str, wait: WaitPastDeadline) -> Outcome | None:
    """A record whose calls did not fit in the slice: done in the next one, or, deferred
    too often, failed as not answered (the automatic retry tries it later)."""
    if ctx.position.defer(key) < settings.FLOW_MAX_DEFERRALS:
        return None
    times = ctx.position.deferred[key]
    return failed(log_entity(ctx), key, f"{TRANSIENT_REASON}: {wait} ({times} slices in a row)")


def read_ahead(pages: Iterator[Page]) -> Iterator[Page]:
    """The pages, each next one read on a thread of its own while this one is worked on: a
    run of unchanged records is mostly waiting for its pages. An error reading a page comes
    where that page would have. A run that stops early waits for the page on its way (one
    call at most) and leaves it to the next slice, which reads it again."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pages")
    coming: Future[Page | None] | None = pool.submit(next_page, pages)
    try:
        while coming is not None:
            page = coming.result()
            if page is None:
                return
            coming = None if page.last else pool.submit(next_page, pages)
            yield page
    finally:
        if coming is not None:
            wait([coming])
        pool.shutdown()
        with contextlib.suppress(Exception):
            pages.close()  # type: ignore[attr-defined]


def next_page(pages: Iterator[Page]) -> Page | None:
    try:
        return next(pages, None)
    finally:  # a database connection the read opened on this thread goes with it
        if db_connection.connection is not None:
            db_connection.close()


def run_pages(
    ctx: RunContext, pages: Iterator[Page], *, process: Callable[[RunContext, Page], None]
) -> bool:
    """Process pages until the source is exhausted (True) or the slice is over (False)."""
    try:
        for page in pages:
            process(ctx, page)
            # A slice that ran out of time after the last page is done: stopping there would
            # have the next slice read the last page again, and again if that too takes long.
            if ctx.slice_over() and not page.last:
                return False
            ctx.beat(f"reading page {ctx.position.pages + 1}")
    except SliceOver as over:
        ctx.resume_after = over.seconds
        return False
    except WaitPastDeadline as wait:  # reading a page, or a page's look-ups
        ctx.waiting_for(wait)
        return False
    except ConnectorError as error:
        raise RunAborted(str(error), permanent=error.permanent) from error
    return True
