"""Keyset paging: a record seen at the cursor's moment and changed again later is read again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.base import KeysetPaging, RawPage, encode_cursor

PAGING = KeysetPaging(
    changed_at=lambda item: item["updatedAt"],
    item_id=lambda item: str(item["id"]),
    parse=datetime.fromisoformat,
)


def serve(items: list[dict[str, Any]]):
    def fetch(page: int, page_size: int, since: str | None) -> RawPage:
        newer = [i for i in items if since is None or i["updatedAt"] >= since]
        newer.sort(key=lambda i: i["updatedAt"])
        start = (page - 1) * page_size
        return RawPage(newer[start : start + page_size], len(newer) > start + page_size)

    return fetch


def read(items: list[dict[str, Any]], cursor: str | None) -> tuple[list[str], str]:
    seen, last = [], cursor or ""
    for fresh, cursor_after, _done in PAGING.pages(serve(items), cursor, 10):
        seen += [str(i["id"]) for i in fresh]
        last = cursor_after
    return seen, last


def test_a_record_changed_after_the_cursor_moment_is_read_again():
    items = [{"id": 41, "updatedAt": "2026-01-01T10:00:00+00:00"}]
    first, cursor = read(items, None)
    assert first == ["41"]
    assert read(items, cursor)[0] == []  # unchanged: not read twice
    items[0]["updatedAt"] = "2026-01-01T10:00:02+00:00"  # cancelled later, say
    assert read(items, cursor)[0] == ["41"]


def test_ids_seen_at_the_same_moment_stay_skipped():
    cursor = encode_cursor({"since": "2026-01-01T10:00:00+00:00", "skip": ["1"]})
    items = [
        {"id": 1, "updatedAt": "2026-01-01T10:00:00+00:00"},
        {"id": 2, "updatedAt": "2026-01-01T10:00:00+00:00"},
    ]
    assert read(items, cursor)[0] == ["2"]
