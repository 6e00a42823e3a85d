"""The sandbox admin page: staff see every organization, a member only their company's;
knobs and actions work."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from connectors.feeddex.sandbox import seed
from connectors.feeddex.sandbox.models import Account, Order
from tenants.models import User

from .conftest import make_account

pytestmark = pytest.mark.django_db


def client_for(email: str, *, staff: bool = False) -> Client:
    user = User.objects.create_user(email=email, password="x" * 20, is_staff=staff)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff() -> Client:
    return client_for("staff@example.com", staff=True)


def test_anonymous_users_are_sent_to_sign_in():
    response = Client().get(reverse("feeddex_sandbox:admin"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_users_without_a_company_get_403():
    client = client_for("alice@example.com")
    assert client.get(reverse("feeddex_sandbox:admin")).status_code == 403
    account = make_account()
    assert client.get(reverse("feeddex_sandbox:account", args=[account.pk])).status_code == 403


def test_staff_open_the_seeded_demo(staff):
    client = staff
    response = client.post(reverse("feeddex_sandbox:admin"))
    account = Account.objects.get(organization="demo")
    assert response["Location"] == reverse("feeddex_sandbox:account", args=[account.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    number = Order.objects.filter(account=account).order_by("-created_at").first().number
    assert number in page.content.decode()
    assert account.password not in page.content.decode()


def test_staff_see_the_accounts(staff):
    make_account()
    page = staff.get(reverse("feeddex_sandbox:admin")).content.decode()
    assert "org-" in page


def test_knobs_are_saved_from_the_form(staff):
    account = make_account()
    url = reverse("feeddex_sandbox:account", args=[account.pk])
    form = {**account.get_knobs().dump(), "error_rate": "0.25", "rate_per_minute": "60",
            "duplicate_webhook_rate": "0.1", "day_seconds": "5", "action": "knobs"}  # fmt: skip
    assert staff.post(url, form).status_code == 302
    account.refresh_from_db()
    knobs = account.get_knobs()
    assert (knobs.error_rate, knobs.rate_per_minute) == (0.25, 60)
    assert (account.duplicate_webhook_rate, account.day_seconds) == (0.1, 5)


def test_bad_knobs_show_the_form_again(staff):
    account = make_account()
    url = reverse("feeddex_sandbox:account", args=[account.pk])
    form = {**account.get_knobs().dump(), "error_rate": "3", "duplicate_webhook_rate": "0",
            "day_seconds": "1", "action": "knobs"}  # fmt: skip
    response = staff.post(url, form)
    assert response.status_code == 200
    assert "less than or equal to 1" in response.content.decode()
    account.refresh_from_db()
    assert account.get_knobs().error_rate == 0


def test_actions_place_an_order_and_seed(staff, settings):
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"
    account = make_account()
    url = reverse("feeddex_sandbox:account", args=[account.pk])
    staff.post(url, {"action": "place_order"})
    assert Order.objects.filter(account=account).count() == 1
    staff.post(url, {"action": "seed"})
    assert Order.objects.filter(account=account).count() == 21
    assert staff.post(url, {"action": "complete_feedback"}).status_code == 302
    assert staff.post(url, {"action": "reset_counters"}).status_code == 302


def test_ensure_demo_account_is_idempotent():
    first = seed.ensure_demo_account()
    again = seed.ensure_demo_account()
    assert first.pk == again.pk
    assert Order.objects.filter(account=first).count() == seed.DEMO_ORDERS
    assert first.auth_code
    assert first.password
