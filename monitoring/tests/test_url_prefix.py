"""`accounts/` is for people (sign-in, sign-up, passwords); the company's own pages
(notifications and retention, export, deletion) live under `company/`; the old `account/`
addresses, from bookmarks and older mails, lead there."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_company_pages_live_under_company(world):
    assert reverse("monitoring:settings") == "/company/monitoring/"
    assert reverse("monitoring:account_export") == "/company/export/"
    assert reverse("monitoring:account_delete") == "/company/delete/"
    assert reverse("monitoring:account_deleted") == "/company/deleted/"
    assert reverse("login").startswith("/accounts/")


@pytest.mark.parametrize("page", ["monitoring/", "export/", "delete/", "deleted/"])
def test_the_old_addresses_lead_to_the_new_ones(world, page):
    response = world.client_for(world.owner).get(f"/account/{page}?from=mail")
    assert response.status_code == 301
    assert response["Location"] == f"/company/{page}?from=mail"
