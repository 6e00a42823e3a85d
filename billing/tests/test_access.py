"""Who may do what on the billing pages: every member looks, only an owner changes; another
company's invoice is 404; anonymous users sign in first; the webhook is public."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import Invoice
from billing.tests.conftest import default_plans
from tenants.models import Plan, Role
from tenants.services import membership_add

pytestmark = pytest.mark.django_db

PAGES = ("billing:plans", "billing:billing")
ACTIONS = ("billing:checkout", "billing:switch", "billing:cancel", "billing:pay_due")


def invoice_of(tenant) -> Invoice:
    return Invoice.objects.create(
        tenant=tenant,
        number=f"APC-T-{tenant.pk}",
        payment_id=f"tr_t{tenant.pk}",
        plan_name="Starter",
        description="APIcenter Starter",
        amount_excl_vat=Decimal("29.00"),
        vat_percent=21,
        vat=Decimal("6.09"),
        amount_incl_vat=Decimal("35.09"),
        company_name=tenant.name,
    )


@pytest.mark.parametrize("name", PAGES)
def test_owner_and_viewer_see_the_pages(world, name):
    default_plans()
    for user in (world.owner, world.viewer):
        response = world.client_for(user).get(reverse(name))
        assert response.status_code == 200
        assert b"Starter" in response.content or name == "billing:billing"


def test_only_the_owner_gets_the_buttons(world):
    default_plans()
    owner_page = world.client_for(world.owner).get(reverse("billing:plans")).content
    viewer_page = world.client_for(world.viewer).get(reverse("billing:plans")).content
    assert b'data-testid="choose-starter"' in owner_page
    assert b'data-testid="choose-starter"' not in viewer_page


@pytest.mark.parametrize("name", ACTIONS)
def test_a_viewer_and_an_admin_cannot_change_the_subscription(world, name):
    default_plans()
    plan = Plan.objects.get(slug="starter")
    assert world.client_for(world.viewer).post(reverse(name), {"plan": plan.pk}).status_code == 403
    membership_add(tenant=world.tenant, user=world.outsider, role=Role.ADMIN)
    admin = Client()
    admin.force_login(world.outsider)
    admin.post(reverse("switch_tenant"), {"tenant_id": world.tenant.pk})
    assert admin.post(reverse(name), {"plan": plan.pk}).status_code == 403


@pytest.mark.parametrize("name", [*PAGES, *ACTIONS, "billing:checkout_return"])
def test_anonymous_is_sent_to_sign_in(client, db, name):
    method = client.get if name in (*PAGES, "billing:checkout_return") else client.post
    response = method(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_invoice_pdf_for_members_and_404_for_another_company(world):
    mine, theirs = invoice_of(world.tenant), invoice_of(world.other_tenant)
    for user in (world.owner, world.viewer):
        response = world.client_for(user).get(reverse("billing:invoice_pdf", args=[mine.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    outsider = world.client_for(world.outsider)
    assert outsider.get(reverse("billing:invoice_pdf", args=[mine.pk])).status_code == 404
    owner = world.client_for(world.owner)
    assert owner.get(reverse("billing:invoice_pdf", args=[theirs.pk])).status_code == 404


def test_an_unknown_plan_is_404(world):
    owner = world.client_for(world.owner)
    assert owner.post(reverse("billing:checkout"), {"plan": "999999"}).status_code == 404
    assert owner.post(reverse("billing:checkout"), {"plan": "x"}).status_code == 404


def test_the_webhook_needs_no_session_and_ignores_unknown_tokens(client, db):
    url = reverse("billing:webhook", args=["no-such-token"])
    response = client.post(url, {"id": "tr_whatever"})
    assert response.status_code == 200
    assert response.content == b"unknown account"
    assert client.get(url).status_code == 405
