"""Reasons stored as a code with parameters: a new record log or run keeps the code of its
reason beside the English text and is shown from the code in the reader's language; a row
from before the codes is shown from its text, as before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from dashboard.templatetags.dashboard import record_reason, run_error
from flows.models import RecordLog
from flows.reasons import REASONS, reason_code
from tests.flows.conftest import Synced, synced  # noqa: F401 - the fixture


def test_every_known_reason_has_its_code_and_parameters():
    assert reason_code("payment status is pending (booked when: paid)") == (
        "payment_status",
        {"status": "pending", "wanted": "paid"},
    )
    assert reason_code("feeddex POST /v1/products answered 422: sku taken") == ("", {})
    assert reason_code("") == ("", {})
    for code, (_shape, msgid) in REASONS.items():
        assert code
        assert msgid


def test_a_run_and_its_records_keep_the_code_and_read_in_danish(synced: Synced):  # noqa: F811
    # Review invitations without a Feeddex unit: our own check stops the run.
    run = synced.run("review_invitations")
    assert run.error.startswith("our check of the settings: ")
    assert run.error_code == "own_check"
    assert run.error_params == {"problem": "choose the Feeddex unit in this flow's settings"}
    synced.run("products")
    skipped = RecordLog.objects.filter(flow__kind="products", action="skipped").first()
    assert skipped is not None
    assert skipped.reason_code in REASONS
    # The code counts, not the text: a row whose English words changed since reads the same.
    original = skipped.reason
    skipped.reason = "some older wording"
    with translation.override("da"):
        assert run_error(run).startswith("Vores kontrol af indstillingerne")
        from_code = record_reason(skipped)
        skipped.reason = original
        skipped.reason_code, skipped.reason_params = "", {}
        assert record_reason(skipped) == from_code  # an old row: recognised by its text
    assert from_code != original


@pytest.mark.parametrize(
    ("code", "params", "text", "expected"),
    [
        # A row from before the codes: its text, recognised and translated.
        ("", {}, "payment status is pending (booked when: paid)", "betaalstatus is pending"),
        # An API's own words: as they are.
        ("", {}, "feeddex answered 422: sku taken", "feeddex answered 422: sku taken"),
        # A code whose parameters do not fit its words: the text.
        ("payment_status", {"status": "x"}, "the text as stored", "the text as stored"),
        ("payment_status", {"status": "open", "wanted": "paid"}, "", "betaalstatus is open"),
    ],
)
def test_rows_without_a_usable_code_are_shown_from_their_text(code, params, text, expected):
    record = SimpleNamespace(reason_code=code, reason_params=params, reason=text)
    with translation.override("nl"):
        assert record_reason(record).startswith(expected)
