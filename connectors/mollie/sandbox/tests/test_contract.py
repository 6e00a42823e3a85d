"""The Mollie sandbox against its contract (mollie.openapi.yaml beside the client): every
request the payments client sends and every answer the sandbox gives validate, errors
included; the hosted checkout page, the clock, the knobs and the admin page do what the
billing's tests rely on."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import requests
import yaml
from django.contrib.auth import get_user_model
from django.test import Client
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import ImmutableMultiDict

from connectors.mollie import client as payments
from connectors.mollie.sandbox import services
from connectors.mollie.sandbox.models import Account, Mandate, Payment
from connectors.mollie.sandbox.seed import ensure_demo_account
from connectors.sandboxkit.knobs import Knobs

pytestmark = pytest.mark.django_db(transaction=True)

CONTRACT = Path(__file__).resolve().parents[2] / "mollie.openapi.yaml"
HOST = "https://api.mollie.com"
PREFIX = "/sandbox/mollie"


# Faults the knobs put on any path; the contract declares their shape once (ServerError,
# TooManyRequests), not on every operation, so they are checked against that shape here.
UNDECLARED = (429, 500, 502, 503, 504)


@cache
def contract() -> OpenAPI:
    # Mollie answers application/hal+json, which is JSON to read.
    config = Config(extra_media_type_deserializers={"application/hal+json": json.loads})
    return OpenAPI.from_file_path(str(CONTRACT), config=config)


def mollie_error(answer: bytes) -> bool:
    body = json.loads(answer)
    return isinstance(body.get("status"), int) and {"title", "detail"} <= set(body)


@dataclass
class Exchanges:
    """Every request the client sent to the sandbox and its answer, checked on the way."""

    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(
        self,
        method: str,
        url: str,
        body: bytes | None,
        status: int,
        answer: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        parts = urlsplit(url)
        path = parts.path[len(PREFIX) :]
        query = ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True))
        request = MockRequest(
            HOST,
            method.lower(),
            path,
            args=query,
            headers=headers or {},
            data=body or b"",
            content_type="application/json",
        )
        response = MockResponse(answer, status_code=status, content_type="application/hal+json")
        what = f"{method} {path} → {status}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                contract().validate_request(request)
                if status in UNDECLARED:
                    assert mollie_error(answer), answer
                else:
                    contract().validate_response(request, response)
        except Exception as error:  # noqa: BLE001 - every mismatch is a failure
            self.failures.append(f"{what}: {error!r} {getattr(error, '__cause__', '')!r}")
        self.checked.append(what)


@pytest.fixture
def sandbox(live_server: Any, settings: Any) -> str:
    settings.SITE_URL = live_server.url
    settings.MOLLIE_API_KEY = None
    settings.MOLLIE_API_URL = None
    settings.ROOT_URLCONF = "billing.tests.urls"
    return f"{live_server.url}{PREFIX}"


@pytest.fixture
def exchanges(monkeypatch: Any) -> Any:
    """Validate what passes through the client's HTTP session (requests), both ways."""
    seen = Exchanges()
    send = requests.Session.send

    def checked_send(session: requests.Session, prepared: Any, **kwargs: Any) -> Any:
        response = send(session, prepared, **kwargs)
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        status, answer = response.status_code, response.content
        seen.check(prepared.method, prepared.url, body, status, answer, dict(prepared.headers))
        return response

    monkeypatch.setattr(requests.Session, "send", checked_send)
    yield seen
    assert not seen.failures, "\n".join(seen.failures)


def call(sandbox: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {kwargs.pop('key', None) or 'test_' + 'x' * 20}"}
    return httpx.request(method, f"{sandbox}{path}", headers=headers, timeout=10, **kwargs)


def first_payment(customer_id: str, sandbox: str) -> payments.Payment:
    return payments.payment_create(
        customer_id=customer_id,
        amount=Decimal("35.09"),
        description="APIcenter Starter",
        redirect_url="http://localhost/return",
        webhook_url="http://localhost:1/webhook",
        metadata={"purpose": "subscribe"},
    )


def test_a_subscription_cycle_stays_inside_the_contract(sandbox, exchanges):
    account = ensure_demo_account()
    Account.objects.filter(pk=account.pk).update(webhooks_enabled=False)
    customer = payments.customer_create(name="Alice BV", email="a@example.com", metadata={})
    payment = first_payment(customer.id, sandbox)
    assert payment.status == "open"
    assert payment.checkout_url.startswith(f"{sandbox}/checkout/tr_")

    services.checkout_complete(payment=Payment.objects.get(public_id=payment.id), outcome="paid")
    paid = payments.payment_get(payment.id)
    assert paid.status == "paid"
    assert paid.mandate_id
    assert paid.checkout_url is None

    subscription = payments.subscription_create(
        customer_id=customer.id,
        amount=Decimal("35.09"),
        description="APIcenter Starter (1)",
        start_date=paid.created_at.date() + timedelta(days=31),
        webhook_url="http://localhost:1/webhook",
        metadata={"tenant": 1},
        mandate_id=paid.mandate_id,
    )
    assert subscription.status == "active"
    updated = payments.subscription_update(
        customer_id=customer.id,
        subscription_id=subscription.id,
        data={"amount": payments.money(Decimal("95.59"))},
    )
    assert updated.amount.value == Decimal("95.59")
    services.clock_advance(account=account, by=timedelta(days=32))
    listed = payments.customer_payments(customer.id)
    assert [p.sequence_type for p in listed] == ["recurring", "first"]
    assert listed[0].subscription_id == subscription.id
    cancelled = payments.subscription_cancel(
        customer_id=customer.id, subscription_id=subscription.id
    )
    assert cancelled.status == "canceled"
    assert len(exchanges.checked) >= 7


def test_errors_are_mollies_and_inside_the_contract(sandbox, exchanges):
    ensure_demo_account()
    with pytest.raises(payments.PaymentsError) as unknown:
        payments.payment_get("tr_doesnotexist")
    assert unknown.value.not_found
    customer = payments.customer_create(name="B", email="b@example.com", metadata={})
    with pytest.raises(payments.PaymentsError) as no_mandate:
        payments.subscription_create(
            customer_id=customer.id,
            amount=Decimal("1.00"),
            description="x",
            start_date=date(2030, 1, 1),
            webhook_url="http://localhost:1/",
            metadata={},
        )
    assert no_mandate.value.status == 422
    # Errors the client never provokes, straight over HTTP.
    assert call(sandbox, "GET", "/v2/payments/tr_x", key="test_unknownkey123").status_code == 401
    bad_amount = call(
        sandbox,
        "POST",
        "/v2/payments",
        key=payments.api_key(),
        json={"amount": {"currency": "EUR", "value": "10"}, "description": "x"},
    )
    assert bad_amount.status_code == 422
    assert bad_amount.json()["field"] == "amount.value"
    exchanges.check("POST", bad_amount.request.url.__str__(), b"{}", 422, bad_amount.content)
    exchanges.failures.clear()  # the request itself was outside the contract on purpose
    too_many = call(
        sandbox, "GET", f"/v2/customers/{customer.id}/payments?limit=0", key=payments.api_key()
    )
    assert too_many.status_code == 400


def test_the_key_never_appears_in_an_error(sandbox, settings):
    settings.MOLLIE_API_KEY = "live_secretsecretsecret"
    settings.MOLLIE_API_URL = f"{sandbox}"
    with pytest.raises(payments.PaymentsError) as refused:
        payments.payment_get("tr_abc")
    assert "secretsecret" not in str(refused.value)
    settings.MOLLIE_API_KEY = "not a key"
    with pytest.raises(payments.PaymentsError) as invalid:
        payments.payment_get("tr_abc")
    assert "not a key" not in str(invalid.value)


def test_the_error_knob_answers_5xx_inside_the_contract(sandbox, exchanges):
    account = ensure_demo_account()
    account.knobs = Knobs(rate_per_second=0, error_rate=1).dump()
    account.save(update_fields=["knobs"])
    with pytest.raises(payments.PaymentsError) as fault:
        payments.customer_create(name="C", email="c@example.com", metadata={})
    assert fault.value.status in (500, 503)


def test_the_hosted_page_settles_the_payment_and_goes_back(sandbox):
    account = ensure_demo_account()
    Account.objects.filter(pk=account.pk).update(webhooks_enabled=False)
    customer = payments.customer_create(name="D", email="d@example.com", metadata={})
    payment = first_payment(customer.id, sandbox)
    page = httpx.get(payment.checkout_url)
    assert page.status_code == 200
    assert "Pay EUR 35.09" in page.text
    token = page.cookies["csrftoken"]
    form = {"outcome": "paid", "csrfmiddlewaretoken": token}
    done = httpx.post(payment.checkout_url, data=form, cookies={"csrftoken": token})
    assert done.status_code == 302
    assert done.headers["location"] == "http://localhost/return"
    assert Mandate.objects.filter(customer__public_id=customer.id, status="valid").count() == 1
    again = httpx.post(payment.checkout_url, data=form, cookies={"csrftoken": token})
    assert again.status_code == 400  # a paid payment cannot be paid again


def test_webhooks_are_called_with_the_payment_id_only(sandbox, live_server):
    account = ensure_demo_account()
    customer = payments.customer_create(name="E", email="e@example.com", metadata={})
    payment = payments.payment_create(
        customer_id=customer.id,
        amount=Decimal("1.00"),
        description="x",
        redirect_url="http://localhost/return",
        webhook_url=f"{live_server.url}/billing/webhook/nobody/",
        metadata={},
    )
    services.checkout_complete(payment=Payment.objects.get(public_id=payment.id), outcome="failed")
    [call_row] = account.webhook_calls.all()
    assert call_row.object_id == payment.id
    assert call_row.status_code == 200


def test_the_admin_page_is_for_staff_and_moves_the_clock(sandbox):
    account = ensure_demo_account()
    url = f"/sandbox/mollie/admin/{account.pk}/"
    anonymous = Client()
    assert anonymous.get(url).status_code == 302
    user_model = get_user_model()
    someone = user_model.objects.create_user(email="someone@example.com", password="x" * 12)
    member = Client()
    member.force_login(someone)
    assert member.get(url).status_code == 403
    staff = Client()
    staff.force_login(user_model.objects.create_user(email="s@example.com", is_staff=True))
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"action": "advance", "days": "3"}).status_code == 302
    account.refresh_from_db()
    assert account.clock_offset == timedelta(days=3)
    knobs = {**Knobs().dump(), "action": "knobs", "recurring_outcome": "failed"}
    assert staff.post(url, knobs).status_code == 302
    account.refresh_from_db()
    assert account.recurring_outcome == "failed"
    assert not account.webhooks_enabled  # an unticked box


def test_the_contract_names_every_path_the_sandbox_serves() -> None:
    paths = set(yaml.safe_load(CONTRACT.read_text())["paths"])
    assert paths == {
        "/v2/customers",
        "/v2/customers/{customerId}",
        "/v2/customers/{customerId}/payments",
        "/v2/customers/{customerId}/mandates",
        "/v2/customers/{customerId}/mandates/{mandateId}",
        "/v2/customers/{customerId}/subscriptions",
        "/v2/customers/{customerId}/subscriptions/{subscriptionId}",
        "/v2/customers/{customerId}/subscriptions/{subscriptionId}/payments",
        "/v2/payments",
        "/v2/payments/{paymentId}",
    }
