"""Where a run is inside the page it works on, so that a slice may end in the middle of one.

A page of a cursor read is saved with its cursor when all its records are done. A slice that
ends before that (its time is up, or a wait would outlast it) saves the records it did and
this position: the stream, the cursor the page was read from, and a fingerprint of each
record done. The next slice reads the same page again and passes over those records; one
whose fingerprint differs changed in the source meanwhile and is done again. A read without a
cursor (by keys, a retry, a dry run's sample) keeps its done records until the run ends.

A record whose calls could not finish within the slice is deferred to the next; one deferred
FLOW_MAX_DEFERRALS times fails as not answered (the automatic retry tries it later), so a
page never waits for ever on one record.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from connectors.base import BadRecord
from connectors.records import Record


def fingerprint(record: Record | BadRecord) -> str:
    if isinstance(record, BadRecord):
        raw = json.dumps(record.raw, sort_keys=True, default=str).encode()
    else:
        raw = record.model_dump_json().encode()
    return format(zlib.crc32(raw), "08x")


@dataclass
class Position:
    stream: str | None = None
    cursor: str | None = None
    # key → fingerprints of the records done under it (two source records may share a key:
    # the second is refused, and must be refused again, not passed over, on a resume).
    done: dict[str, list[str]] = field(default_factory=dict)
    deferred: dict[str, int] = field(default_factory=dict)
    # Slices in a row that did no record (see flows/services.py: a run that makes no
    # progress for long stops instead of holding its flow for ever).
    idle_slices: int = 0
    pages: int = 0
    # Records done since the last save, fingerprinted only when saved.
    _fresh: dict[str, list[Record | BadRecord]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Position:
        data = data or {}
        return cls(
            stream=data.get("stream"),
            cursor=data.get("cursor"),
            done={k: list(v) for k, v in (data.get("done") or {}).items()},
            deferred={k: int(v) for k, v in (data.get("deferred") or {}).items()},
            idle_slices=int(data.get("idle_slices") or 0),
            pages=int(data.get("pages") or 0),
        )

    def dump(self) -> dict[str, Any]:
        for key, records in self._fresh.items():
            self.done.setdefault(key, []).extend(fingerprint(record) for record in records)
        self._fresh.clear()
        if self == Position():
            return {}  # a run that has ended keeps no position
        return {
            "stream": self.stream,
            "cursor": self.cursor,
            "done": self.done,
            "deferred": self.deferred,
            "idle_slices": self.idle_slices,
            "pages": self.pages,
        }

    def start_page(self, stream: str, cursor: str | None) -> None:
        """Begin a page read from `cursor` (None: a read without a cursor)."""
        self.pages += 1
        if (stream, cursor) != (self.stream, self.cursor):
            self.stream, self.cursor = stream, cursor
            self.done, self.deferred, self._fresh = {}, {}, {}

    def is_done(self, key: str, record: Record | BadRecord) -> bool:
        if record in self._fresh.get(key, ()):
            return True
        return key in self.done and fingerprint(record) in self.done[key]

    def mark_done(self, key: str, record: Record | BadRecord) -> None:
        self._fresh.setdefault(key, []).append(record)
        self.deferred.pop(key, None)

    def defer(self, key: str) -> int:
        """Count one more deferral of the record; return how many it has had."""
        self.deferred[key] = self.deferred.get(key, 0) + 1
        return self.deferred[key]

    def page_saved(self) -> None:
        """The page is saved with its cursor: the next page starts afresh."""
        self.stream = self.cursor = None
        self.done, self.deferred, self._fresh = {}, {}, {}
