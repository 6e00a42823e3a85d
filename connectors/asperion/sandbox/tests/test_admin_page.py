"""The sandbox admin page: who may open it, what it shows, knobs and order statuses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.models import (
    Administration,
    Article,
    OrderStatus,
    SalesInvoice,
    SalesOrder,
)
from connectors.asperion.sandbox.tests.conftest import Sandbox
from tenants.models import User

ADMIN = "/sandbox/asperion/admin/"


@pytest.fixture
def staff(db: None) -> Client:
    user = User.objects.create_user(email="staff@example.com", password="x" * 16, is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def stock_of(order: SalesOrder) -> dict[int, tuple[Decimal, Decimal]]:
    return {
        article.pk: (article.current_stock, article.reserved_stock)
        for article in Article.objects.filter(salesorderline__order=order)
    }


def test_it_requires_a_sign_in_and_shows_a_member_none_of_the_demo(
    client: Client, world: object, sandbox: Sandbox
) -> None:
    assert reverse("asperion_sandbox:admin") == ADMIN
    anonymous = client.get(ADMIN)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    client.force_login(User.objects.get(email="alice@example.com"))
    page = client.get(ADMIN).content.decode()
    assert seed.DEMO_CLIENT_SECRET not in page
    assert "Demo Webshop B.V." not in page
    knobs = f"{reverse('asperion_sandbox:knobs')}?administration={sandbox.administration.pk}"
    assert client.post(knobs).status_code == 404
    assert client.post(reverse("asperion_sandbox:seed")).status_code == 403


def test_a_read_only_member_may_look_but_not_change(client: Client, world: object) -> None:
    client.force_login(User.objects.get(email="bob@example.com"))
    assert client.get(ADMIN).status_code == 200
    assert client.post(reverse("asperion_sandbox:knobs")).status_code == 403


def test_it_shows_counts_credentials_knobs_and_orders(staff: Client, sandbox: Sandbox) -> None:
    page = staff.get(ADMIN)
    assert page.status_code == 200
    text = page.content.decode()
    for expected in (
        seed.DEMO_CLIENT_ID,
        seed.DEMO_CLIENT_SECRET,
        seed.DEMO_PASSWORD,
        "/sandbox/asperion/connect/authorize",
        "Demo Webshop B.V.",
        "Rate per second",
    ):
        assert expected in text
    assert '<td data-testid="count-articles">40</td>' in text
    order = SalesOrder.objects.filter(administration=sandbox.administration).first()
    assert order is not None
    assert f'data-testid="order-status-{order.pk}"' in text


def test_knobs_are_saved_for_the_administration_or_the_user(
    staff: Client, sandbox: Sandbox
) -> None:
    form = {
        "rate_per_second": 3,
        "burst": 4,
        "rate_per_minute": 0,
        "daily_quota": 100,
        "error_rate": 0.25,
        "latency_ms": 0,
        "timeout_rate": 0,
        "timeout_seconds": 30,
        "malformed_rate": 0,
        "token_lifetime_seconds": 60,
        "max_page_size": 50,
    }
    pk = sandbox.administration.pk
    saved = staff.post(f"{reverse('asperion_sandbox:knobs')}?administration={pk}", form)
    assert saved.status_code == 302
    sandbox.administration.refresh_from_db()
    assert sandbox.administration.knobs["error_rate"] == 0.25
    staff.post(
        f"{reverse('asperion_sandbox:knobs')}?administration={pk}&knobs=user", form | {"burst": 9}
    )
    sandbox.user.refresh_from_db()
    assert sandbox.user.knobs["burst"] == 9
    refused = staff.post(
        f"{reverse('asperion_sandbox:knobs')}?administration={pk}", form | {"error_rate": 2}
    )
    assert refused.status_code == 302
    sandbox.administration.refresh_from_db()
    assert sandbox.administration.knobs["error_rate"] == 0.25


def test_delivering_takes_stock_and_cancelling_releases_it(staff: Client, sandbox: Sandbox) -> None:
    order = SalesOrder.objects.filter(
        administration=sandbox.administration, status=OrderStatus.OPEN
    ).first()
    assert order is not None
    before = stock_of(order)
    quantities = {line.article_id: line.quantity for line in order.lines.all()}
    url = reverse("asperion_sandbox:order_status", args=[order.pk])
    assert staff.post(url, {"status": OrderStatus.DELIVERED}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert stock_of(order) == {
        pk: (current - quantities[pk], reserved - quantities[pk])
        for pk, (current, reserved) in before.items()
    }
    staff.post(url, {"status": OrderStatus.INVOICED})
    staff.post(url, {"status": OrderStatus.CANCELLED})
    assert stock_of(order) == {
        pk: (current - quantities[pk], reserved - quantities[pk])
        for pk, (current, reserved) in before.items()
    }
    assert order.date_last_change < SalesOrder.objects.get(pk=order.pk).date_last_change


def test_cancelling_an_open_order_only_releases_and_reopening_reserves(
    staff: Client, sandbox: Sandbox
) -> None:
    order = SalesOrder.objects.filter(
        administration=sandbox.administration, status=OrderStatus.OPEN
    ).first()
    assert order is not None
    before = stock_of(order)
    quantities = {line.article_id: line.quantity for line in order.lines.all()}
    url = reverse("asperion_sandbox:order_status", args=[order.pk])
    staff.post(url, {"status": OrderStatus.CANCELLED})
    assert stock_of(order) == {
        pk: (current, reserved - quantities[pk]) for pk, (current, reserved) in before.items()
    }
    staff.post(url, {"status": OrderStatus.OPEN})
    assert stock_of(order) == before
    assert staff.post(url, {"status": "5"}).status_code == 302
    assert SalesOrder.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_invoice_status_can_be_set_to_paid(staff: Client, sandbox: Sandbox) -> None:
    invoice = SalesInvoice.objects.filter(administration=sandbox.administration).first()
    assert invoice is not None
    staff.post(reverse("asperion_sandbox:invoice_status", args=[invoice.pk]), {"status": 7})
    assert SalesInvoice.objects.get(pk=invoice.pk).status == 7


def test_the_demo_button_creates_a_filled_demo(staff: Client, db: None) -> None:
    assert "Create the demo user and data" in staff.get(ADMIN).content.decode()
    staff.post(reverse("asperion_sandbox:seed"))
    administration = Administration.objects.get(is_default=True)
    assert administration.article_set.exclude(code=seed.SHIPPING_ARTICLE_CODE).count() == 500
