"""Every registered connector keeps the protocol, against its sandbox over real HTTP.

A new system must add a line to SANDBOXES (a fixture that connects to its sandbox and fills
it with data), or this test fails for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectors.base import BadRecord, Connector, Option, Page
from connectors.feeddex.sandbox import seed as feeddex_seed
from connectors.records import Record
from connectors.registry import SYSTEMS, connector_class
from connectors.tests.support import Calls, connect

MAX_PAGES = 50


def fill_asperion(sandbox: Any) -> None:
    sandbox.seed(articles=120, debtors=12)


def fill_feeddex(sandbox: Any) -> None:
    feeddex_seed.seed_account(sandbox.account, customers=12, orders=20, seed=4)


# system: (fixture name, how to fill its sandbox, a reference list it has)
SANDBOXES: dict[str, tuple[str, Callable[[Any], None], str]] = {
    "asperion": ("asperion", fill_asperion, "vatcodes"),
    "feeddex": ("feeddex", fill_feeddex, "units"),
}


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_the_class_declares_the_protocol(system):
    cls = connector_class(system)
    assert issubclass(cls, Connector)
    assert cls.system == system
    assert cls.streams
    assert all(issubclass(record, Record) for record in cls.streams.values())
    assert system in SANDBOXES, f"{system} has no sandbox fixture for the conformance test"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_the_connector_keeps_the_protocol_against_its_sandbox(system, request):
    fixture, fill, reference_kind = SANDBOXES[system]
    sandbox = request.getfixturevalue(fixture)
    fill(sandbox)
    calls = Calls()
    connector = connect(sandbox.connection, calls)
    connector.check_connection()
    for stream, record_type in connector.streams.items():
        pages = read_stream(connector, stream, page_size=25)
        records = [r for page in pages for r in page.records]
        assert records, f"{system}.{stream} read nothing"
        for record in records:
            assert isinstance(record, record_type | BadRecord), (stream, type(record))
            assert record.key, (stream, record)
        assert all(page.cursor for page in pages), f"{system}.{stream}: a page without cursor"
        read_stream(connector, stream, cursor=pages[-1].cursor)  # the cursor is accepted
    options = connector.reference_data(reference_kind)
    assert options
    assert all(isinstance(o, Option) and o.id for o in options)
    with pytest.raises(ValueError, match="no stream"):
        list(connector.read("no-such-stream"))
    assert all(call.duration_ms >= 0 and call.attempt >= 1 for call in calls.calls)
    connector.close()


def read_stream(connector: Connector, stream: str, **kwargs: Any) -> list[Page]:
    pages = []
    for page in connector.read(stream, **kwargs):
        pages.append(page)
        assert len(pages) <= MAX_PAGES, f"{stream}: paging does not end"
    return pages
