"""Feeddex webhook signatures: what the API app checks before it trusts a delivery."""

from __future__ import annotations

import json

import pytest

from connectors.feeddex.webhooks import SignatureInvalid, parse_event, sign, verify_signature

SECRET = "whsec-0123456789abcdef"
BODY = json.dumps(
    {
        "id": "evt_1",
        "type": "order.paid",
        "createdAt": "2024-05-02T08:00:00.000Z",
        "data": {"orderId": 7, "number": "FDX-100007", "status": "new", "paymentStatus": "paid"},
    }
).encode()
NOW = 1_714_636_800


def test_a_good_signature_passes():
    header = sign(secret=SECRET, body=BODY, timestamp=NOW)
    verify_signature(secret=SECRET, header=header, body=BODY, now=NOW + 10)
    assert parse_event(BODY).data.orderId == 7


def test_the_sandbox_signs_the_same_way():
    from connectors.feeddex.sandbox.webhooks import sign as sandbox_sign

    assert sandbox_sign(secret=SECRET, body=BODY, timestamp=NOW) == sign(
        secret=SECRET, body=BODY, timestamp=NOW
    )


@pytest.mark.parametrize(
    ("header", "body", "now", "reason"),
    [
        (sign(secret=SECRET, body=BODY, timestamp=NOW), BODY + b" ", NOW, "does not match"),
        (sign(secret="another-secret-000", body=BODY, timestamp=NOW), BODY, NOW, "does not match"),
        (sign(secret=SECRET, body=BODY, timestamp=NOW), BODY, NOW + 301, "tolerance"),
        (sign(secret=SECRET, body=BODY, timestamp=NOW), BODY, NOW - 301, "tolerance"),
        ("v1=abc", BODY, NOW, "malformed"),
        (f"t={NOW}", BODY, NOW, "malformed"),
        ("", BODY, NOW, "malformed"),
    ],
)
def test_a_bad_or_stale_signature_is_refused(header, body, now, reason):
    with pytest.raises(SignatureInvalid, match=reason):
        verify_signature(secret=SECRET, header=header, body=body, now=now)


def test_any_of_several_signatures_may_match():
    good = sign(secret=SECRET, body=BODY, timestamp=NOW).split(",")[1]
    header = f"t={NOW},v1={'0' * 64},{good}"
    verify_signature(secret=SECRET, header=header, body=BODY, now=NOW)


def test_no_secret_means_no_delivery_is_trusted():
    with pytest.raises(SignatureInvalid):
        verify_signature(
            secret="", header=sign(secret="", body=BODY, timestamp=NOW), body=BODY, now=NOW
        )


def test_a_body_that_is_not_an_event_is_refused():
    with pytest.raises(SignatureInvalid, match="not a Feeddex event"):
        parse_event(b'{"id": "evt_2", "type": "product.deleted", "data": {}}')


def test_a_body_nested_deeper_than_the_json_decoder_goes_is_refused():
    # Signed correctly (the sender knows the secret), it still must not raise RecursionError.
    with pytest.raises(SignatureInvalid, match="nested too deeply"):
        parse_event(b"[" * 100_000 + b"]" * 100_000)


def test_the_connector_class_checks_a_delivery_by_its_headers_and_names_the_order():
    """What the intake calls (ShopConnector), with the header name Feeddex sends."""
    import time

    from connectors.errors import WebhookInvalid
    from connectors.feeddex.connector import FeeddexConnector
    from connectors.records import OrderEvent

    header = sign(secret=SECRET, body=BODY, timestamp=int(time.time()))
    FeeddexConnector.verify_webhook(
        secret=SECRET, body=BODY, headers={"X-Feeddex-Signature": header}
    )
    with pytest.raises(WebhookInvalid, match="malformed"):
        FeeddexConnector.verify_webhook(secret=SECRET, body=BODY, headers={})
    event = FeeddexConnector.parse_webhook_event(BODY)
    assert event == OrderEvent(id="evt_1", type="order.paid", order_id=7)
    with pytest.raises(WebhookInvalid, match="not a Feeddex event"):
        FeeddexConnector.parse_webhook_event(b'{"id": "evt_2"}')
