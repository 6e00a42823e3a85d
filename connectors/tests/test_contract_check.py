"""The contract check itself: it must catch a request outside the contract."""

from __future__ import annotations

import httpx

from connectors.tests.support import ContractCheck

SITE = "http://localhost:8000"


def test_a_request_outside_the_contract_is_caught():
    check = ContractCheck()
    check(
        httpx.Request(
            "POST",
            f"{SITE}/sandbox/feeddex/v1/products",
            json={"sku": 5},
            headers={"Authorization": "Bearer t"},
        )
    )
    check(httpx.Request("GET", f"{SITE}/sandbox/asperion/v1/articles", params={"pageSize": 500}))
    assert len(check.failures) == 2


def test_a_request_inside_the_contract_passes():
    check = ContractCheck()
    check(
        httpx.Request(
            "POST",
            f"{SITE}/sandbox/feeddex/v1/products/stock",
            json={"items": [{"sku": "A", "quantity": 1}]},
            headers={"Authorization": "Bearer t"},
        )
    )
    check(
        httpx.Request(
            "GET",
            f"{SITE}/sandbox/asperion/v1/articles",
            params={"pageSize": 100, "Code": "A", "Code_comparison": "Equals"},
        )
    )
    check(
        httpx.Request(
            "POST",
            f"{SITE}/sandbox/asperion/connect/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": "r",
                "client_id": "c",
                "client_secret": "s",
            },
        )
    )
    assert check.failures == []
    assert len(check.checked) == 3


def test_requests_elsewhere_are_not_checked():
    check = ContractCheck()
    check(httpx.Request("GET", f"{SITE}/api/whatever"))
    assert check.checked == []
