"""The protocol every connector follows, and the shared machinery of HTTP connectors.

A connector turns one external system into canonical records (connectors/records.py) page by
page, looks records up by business key, writes the target API's payloads, and lists the
reference data that settings need. Flows know connectors only through this module and the
registry. Streams declare what they read (`Stream`); `HttpConnector.read` does the paging, so
no connector has its own paging loop.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal

from django.utils import timezone
from pydantic import ValidationError

from connectors.counters import MeasuredBucket
from connectors.errors import ConnectorError, RecordRejected, WebhookInvalid
from connectors.http import ApiCall, CallWatch, HttpClient, RetryPolicy, timeout_for
from connectors.models import Connection
from connectors.ratelimit import bucket_for, limit_for
from connectors.records import Invoice, OrderEvent, Record
from connectors.redaction import REDACTED, redact_data

__all__ = [
    "ApiCall",
    "BadRecord",
    "CallWatch",
    "Connector",
    "ConnectorError",
    "HttpConnector",
    "KeysetPaging",
    "Option",
    "Page",
    "RawPage",
    "RecordRejected",
    "SnapshotPaging",
    "Stream",
    "WriteResult",
]


@dataclass
class BadRecord:
    """A source payload that does not parse; the flow logs it as failed and goes on."""

    key: str
    raw: dict[str, Any]
    error: str


@dataclass
class Page:
    """One page of a stream read."""

    records: list[Record | BadRecord]
    # Opaque; resumes AFTER this page. Save it once the page is processed. None for reads
    # that do not move a cursor (reads by key).
    cursor: str | None
    # The source had nothing after this page (its cursor is where the next read starts).
    last: bool = False


@dataclass
class WriteResult:
    target_id: str
    action: Literal["created", "updated"]
    response: dict[str, Any]  # the target's answer, redacted


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    # What the list says of the item beyond its name, in the system's own field names (a VAT
    # code's percentage, a debtor kind's isBusiness, a payment condition's days): what a
    # default is proposed by.
    facts: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


OnCall = Callable[[ApiCall], None]


class Connector(ABC):
    system: ClassVar[str]
    streams: ClassVar[dict[str, type[Record]]]

    def __init__(
        self,
        connection: Connection,
        *,
        on_call: OnCall | None = None,
        watch: CallWatch | None = None,
    ) -> None:
        """`on_call` hears every HTTP attempt; `watch` also bounds and observes them (a
        run's heartbeat and time slice, connectors/http.py)."""
        self.connection = connection
        self.watch = watch or CallWatch(on_call=on_call)
        self.on_call = self.watch.on_call

    @abstractmethod
    def check_connection(self) -> None:
        """Call the system once with the stored credentials; raise ConnectorError if that fails."""

    @abstractmethod
    def read(
        self,
        stream: str,
        *,
        cursor: str | None = None,
        page_size: int | None = None,
        keys: list[str] | None = None,
    ) -> Iterator[Page]:
        """Yield pages of records changed since `cursor` (all when None), or just `keys`."""

    @abstractmethod
    def lookup(self, entity: str, key: str) -> dict[str, Any] | None:
        """Return the target's current record (API payload incl. id) by business key."""

    @abstractmethod
    def create(self, entity: str, payload: dict[str, Any]) -> WriteResult: ...

    @abstractmethod
    def update(
        self,
        entity: str,
        target_id: str,
        payload: dict[str, Any],
        *,
        current: dict[str, Any] | None = None,
    ) -> WriteResult:
        """Change a record. Where the API replaces a record whole, what a partial payload
        lacks comes from `current` (the record as the caller just read it, e.g. a lookup's
        answer), or, without it, from a read of the record."""

    def write_batch(
        self, entity: str, payloads: list[dict[str, Any]]
    ) -> list[WriteResult | ConnectorError]:
        """Create each payload; one result or error per payload, in order.

        A permanent error (credentials) stops the batch: it is raised, not returned.
        """
        results: list[WriteResult | ConnectorError] = []
        for payload in payloads:
            try:
                results.append(self.create(entity, payload))
            except ConnectorError as error:
                if error.permanent:
                    raise
                results.append(error)
        return results

    @abstractmethod
    def reference_data(self, kind: str) -> list[Option]: ...

    def close(self) -> None:  # noqa: B027 - connectors without resources need nothing
        """Release connections; the connector is not used afterwards."""


# ---- paging ----------------------------------------------------------------------------------


@dataclass
class RawPage:
    """One page as the API gave it: raw items (parsed one by one later) and whether more follow."""

    items: list[Any]
    has_more: bool
    server_time: datetime | None = None
    # How many items the whole list holds, when the API says (Asperion's totalCount).
    total: int | None = None


# Ids a keyset cursor remembers at its moment; a tie larger than this is partly read again.
MAX_SKIP_IDS = 1000

FetchPage = Callable[[int, int, str | None], RawPage]
"""fetch(page, page_size, since) -> RawPage"""


# ---- tokens -----------------------------------------------------------------------------------


def usable_until(lifetime_seconds: int, *, now: datetime | None = None) -> datetime:
    """Return when to stop using a token that lives `lifetime_seconds`: a minute early (or a
    tenth early for short-lived ones), so that it never expires in flight."""
    margin = min(60.0, lifetime_seconds * 0.1)
    return (now or timezone.now()) + timedelta(seconds=lifetime_seconds - margin)


def still_usable(until: Any, *, now: datetime | None = None) -> bool:
    """Return True when a stored "use until" moment (ISO 8601, aware) lies ahead."""
    try:
        moment = datetime.fromisoformat(str(until))
    except ValueError:
        return False
    return moment.tzinfo is not None and moment > (now or timezone.now())


def encode_cursor(state: dict[str, Any]) -> str:
    return json.dumps(state, separators=(",", ":"), sort_keys=True)


def decode_cursor(cursor: str | None) -> dict[str, Any]:
    """Return the cursor's state; a bare timestamp (set by hand) means "changed since"."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        return {"since": cursor}
    return state if isinstance(state, dict) else {"since": cursor}


@dataclass(frozen=True)
class SnapshotPaging:
    """Page numbers over a list ordered by id and filtered on "changed since" a fixed moment.

    Why no record is lost while pages change underneath: with the filter fixed for the whole
    read and the order by id, an update leaves a record where it is (its change time only
    grows, so it stays in the filter), a new record is appended after the last id, and the
    API deletes nothing we read (articles go inactive; the read asks for inactive ones too).
    Offsets therefore never shift. The next read starts from the server's clock (Date header)
    at the first page minus an overlap, so a record changed during the read is read again next
    time; the ledger makes that second read cost no write.
    """

    format_since: Callable[[datetime], str]
    overlap: timedelta = timedelta(minutes=2)

    def pages(
        self, fetch: FetchPage, cursor: str | None, page_size: int
    ) -> Iterator[tuple[list[Any], str, bool]]:
        state = decode_cursor(cursor)
        since: str | None = state.get("since")
        page = int(state.get("page", 1))
        size = int(state.get("size", page_size))
        next_since: str | None = state.get("next_since")
        while True:
            raw = fetch(page, size, since)
            if next_since is None:
                started = raw.server_time or timezone.now()
                next_since = self.format_since(started - self.overlap)
            if raw.has_more and raw.items:
                page += 1
                state = {"since": since, "page": page, "size": size, "next_since": next_since}
                yield raw.items, encode_cursor(state), False
                continue
            yield raw.items, encode_cursor({"since": next_since}), True
            return


@dataclass(frozen=True)
class KeysetPaging:
    """Keyset paging over a list ordered by change time ("updatedSince", oldest first).

    Offsets would lose records here: an update moves a record from an early page to the end,
    and every later record shifts one place forward. So each page restarts the list at the
    last change time seen (inclusive) and skips the ids already yielded at that moment. Only
    when a whole page shares one change time (a bulk import) does it page by number within
    that moment.
    """

    changed_at: Callable[[Any], str | None]
    item_id: Callable[[Any], str]
    parse: Callable[[str], datetime]

    def pages(
        self, fetch: FetchPage, cursor: str | None, page_size: int
    ) -> Iterator[tuple[list[Any], str, bool]]:
        state = decode_cursor(cursor)
        since: str | None = state.get("since")
        page = int(state.get("page", 1))
        skip: set[str] = set(state.get("skip", []))
        while True:
            raw = fetch(page, page_size, since)
            # A skipped id is one yielded at `since`; changed again since then, it is news.
            fresh = [item for item in raw.items if not self._seen(item, skip, since)]
            last = self._last_stamp(raw.items)
            if last is None or (since is not None and self.parse(last) <= self.parse(since)):
                # Nothing newer than `since` on this page: a tie that spans pages.
                page += 1
                if len(skip) < MAX_SKIP_IDS:  # beyond that, a resumed read repeats a few
                    skip |= {self.item_id(i) for i in raw.items}
            else:
                since, page = last, 1
                skip = {self.item_id(i) for i in raw.items if self.changed_at(i) == last}
            if not raw.has_more:
                yield fresh, encode_cursor({"since": since, "skip": sorted(skip)}), True
                return
            yield fresh, encode_cursor({"since": since, "page": page, "skip": sorted(skip)}), False

    def _seen(self, item: Any, skip: set[str], since: str | None) -> bool:
        if self.item_id(item) not in skip:
            return False
        stamp = self.changed_at(item)
        return since is None or not stamp or self.parse(stamp) <= self.parse(since)

    def _last_stamp(self, items: list[Any]) -> str | None:
        stamps = [s for s in (self.changed_at(i) for i in items) if s]
        return max(stamps, key=self.parse) if stamps else None


# ---- streams and the HTTP connector --------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """What a connector declares per readable stream; HttpConnector.read does the rest."""

    record_type: type[Record]
    fetch: FetchPage
    to_record: Callable[[Any], Record]
    key_of: Callable[[Any], str]
    paging: SnapshotPaging | KeysetPaging
    page_size: int
    fetch_keys: Callable[[list[str]], list[Any]] | None = None


def describe_invalid(error: Exception) -> str:
    """Return a short, field-naming description of a parse error."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'record'}: {item['msg']}"
            for item in error.errors()
        )
    return str(error)


class AccountingConnector(Connector):
    """What the orders flow needs from an accounting system beyond the base protocol."""

    @abstractmethod
    def next_customer_number(self, range_start: int, range_end: int) -> str:
        """Return the next free customer number in the range, reserved for the caller."""

    @abstractmethod
    def forget_customer_numbers(self, range_start: int, range_end: int) -> None:
        """Forget what is known of the range's numbers (one was taken elsewhere)."""

    @abstractmethod
    def debtor_emails(self, changed_since: datetime | None) -> Iterator[tuple[str, str]]:
        """Yield (email, customer number) of every debtor changed since the moment."""

    @abstractmethod
    def reference_rows(self, kind: str) -> list[dict[str, Any]]:
        """Return a reference list's rows with all their fields (e.g. a condition's days)."""

    @abstractmethod
    def contact_persons(self, debtor_id: str) -> list[dict[str, Any]]:
        """Return the contact persons of the debtor with this (system) id."""

    @abstractmethod
    def articles_by_code(self, *, max_pages: int) -> dict[str, dict[str, Any]] | None:
        """Return {code casefolded: article} of every article, or None when reading them
        takes more than max_pages pages."""

    @abstractmethod
    def booked_references(
        self, document: str, date_from: date, *, max_pages: int
    ) -> dict[str, dict[str, Any]] | None:
        """Return {order reference: document} of the sales documents dated from date_from,
        or None when that takes more than max_pages pages."""

    def with_customer(self, invoice: Invoice) -> Invoice:
        """The invoice with its customer's email and names, when reading left them out (they
        cost a call per customer: asked only for an invoice that is to be written)."""
        return invoice


class ShopConnector(Connector):
    """What the orders flow needs from a shop beyond the base protocol: its order webhooks.

    Receiving a delivery needs no call to the shop, so its checks are class methods: the
    webhook intake asks the registry for the class of the endpoint's shop connection.
    """

    @classmethod
    @abstractmethod
    def verify_webhook(cls, *, secret: str, body: bytes, headers: Mapping[str, str]) -> None:
        """Return quietly when the delivery's headers sign its raw body with `secret`
        recently; else raise WebhookInvalid saying why."""
        # A class method can be called on a class that lacks it: refuse, never pass.
        raise WebhookInvalid(f"{cls.system} does not verify webhooks")

    @classmethod
    @abstractmethod
    def parse_webhook_event(cls, body: bytes) -> OrderEvent:
        """Return the event of a verified delivery; raise WebhookInvalid when the body is
        not an event the shop sends."""
        raise WebhookInvalid(f"{cls.system} sends no webhook events")

    @abstractmethod
    def webhook_subscribe(self, *, url: str, events: list[str], secret: str) -> str:
        """Subscribe `url` to the events, signed with `secret`; return the subscription id."""

    @abstractmethod
    def webhook_unsubscribe(self, subscription_id: str) -> None:
        """Remove a subscription; one that is gone already counts as removed."""


class HttpConnector(Connector):
    """A connector that speaks HTTP through connectors.http, with the shared rate limit."""

    def __init__(
        self,
        connection: Connection,
        *,
        on_call: OnCall | None = None,
        watch: CallWatch | None = None,
    ) -> None:
        super().__init__(connection, on_call=on_call, watch=watch)
        self._clients: list[HttpClient] = []

    # -- HTTP ---------------------------------------------------------------------------

    def rate_limit_key(self) -> str:
        """Name of the shared bucket: the remote account, so that two connections to one
        account (every demo tenant on the sandbox) share its limit."""
        return f"{self.system}-{self.connection.pk}"

    def http_client(
        self,
        base_url: str,
        *,
        auth: Callable[[bool], dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        rate_limited: bool = True,
    ) -> HttpClient:
        config = self.connection.config
        bucket = None
        if rate_limited:
            limit = limit_for(self.system, config)
            # Its waits go to the figures of /metrics (connectors/counters.py).
            bucket = MeasuredBucket(bucket_for(self.rate_limit_key(), limit), system=self.system)
        client = HttpClient(
            system=self.system,
            base_url=base_url,
            secrets=self.connection.secret_values,
            watch=self.watch,
            bucket=bucket,
            auth=auth,
            timeout=timeout_for(config),
            policy=RetryPolicy.from_settings(),
            headers=headers,
        )
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def redacted(self, data: Any) -> Any:
        return redact_data(data, self.connection.secret_values())

    # -- reading ------------------------------------------------------------------------

    def stream(self, name: str) -> Stream:
        raise NotImplementedError

    def read(
        self,
        stream: str,
        *,
        cursor: str | None = None,
        page_size: int | None = None,
        keys: list[str] | None = None,
    ) -> Iterator[Page]:
        if stream not in self.streams:
            raise ValueError(f"{self.system} has no stream {stream!r}")
        spec = self.stream(stream)
        size = page_size or spec.page_size
        if keys is not None:
            yield from self._read_keys(spec, keys, size)
            return
        for items, next_cursor, last in spec.paging.pages(spec.fetch, cursor, size):
            records = [self._convert(spec, raw) for raw in items]
            yield Page(records=records, cursor=next_cursor, last=last)

    def _read_keys(self, spec: Stream, keys: list[str], size: int) -> Iterator[Page]:
        if spec.fetch_keys is None:
            raise ValueError("this stream cannot be read by key")
        for start in range(0, len(keys), size):
            items = spec.fetch_keys(keys[start : start + size])
            yield Page(records=[self._convert(spec, raw) for raw in items], cursor=None)

    def _convert(self, spec: Stream, raw: Any) -> Record | BadRecord:
        try:
            return spec.to_record(raw)
        except (ValueError, KeyError, TypeError) as error:
            key = _safe_key(spec, raw)
            data = raw if isinstance(raw, dict) else {"value": raw}
            return BadRecord(key=key, raw=self.redacted(data), error=describe_invalid(error))


def _safe_key(spec: Stream, raw: Any) -> str:
    try:
        return spec.key_of(raw) or "?"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "?"


def as_answered(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The record when redaction left it as the API answered it, else None.

    A lookup's answer is redacted (secret-looking values masked); sent back, a masked value
    would overwrite the real one, so such a record is read again instead.
    """
    if record is None or REDACTED in json.dumps(record, default=str):
        return None
    return record
