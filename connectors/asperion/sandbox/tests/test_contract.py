"""Every answer the contract declares, for every path and method, is produced and valid.

The parameter list is read from the contract itself, so a path or status added to the
contract fails here until the sandbox serves it. Each case makes the sandbox give exactly
that status (5XX: 500 or 503) and the Api fixture validates the answer with openapi-core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors.asperion.sandbox.models import (
    Administration,
    Article,
    Debtor,
    SalesOrder,
    SalesType,
)
from connectors.asperion.sandbox.oauth import code_issue
from connectors.asperion.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from connectors.asperion.sandbox.tests import contract
from connectors.asperion.sandbox.tests.conftest import Answer, Api, Sandbox

MISSING_ID = 987654
REDIRECT = "http://127.0.0.1:8123/callback"


@dataclass
class World:
    api: Api
    sandbox: Sandbox
    stranger: Administration

    @property
    def article(self) -> Article:
        return Article.objects.filter(
            administration=self.sandbox.administration, active=True
        ).first()  # type: ignore[return-value]

    @property
    def debtor(self) -> Debtor:
        return Debtor.objects.filter(
            administration=self.sandbox.administration, blocked=False
        ).first()  # type: ignore[return-value]

    @property
    def order(self) -> SalesOrder:
        return SalesOrder.objects.filter(administration=self.sandbox.administration).first()  # type: ignore[return-value]

    def article_body(self) -> dict[str, Any]:
        sales_type = SalesType.objects.filter(administration=self.sandbox.administration).first()
        assert sales_type is not None
        return {
            "code": "NIEUW-001",
            "description": "Fietsbel messing",
            "salesTypeId": sales_type.pk,
            "salesPrice": 10.5,
            "eanCode": "8712345678906",
        }

    def debtor_body(self) -> dict[str, Any]:
        return {
            "customerNumber": "99001",
            "name": "Bakkerij Nieuw B.V.",
            "address": "Keizersgracht 123A",
            "postCode": "1015 CJ",
            "city": "Amsterdam",
            "countryCode": "NL",
            "debtorKindId": "ZAK",
            "emailAddress": "info@bakkerijnieuw.example.com",
        }

    def order_body(self) -> dict[str, Any]:
        return {
            "date": "2025-03-01T10:00:00",
            "debtorCustomerNumber": self.debtor.customer_number,
            "reference": "WEB-1001",
            "lines": {"_data": [{"articleCode": self.article.code, "quantity": 2}]},
        }

    def invoice_body(self) -> dict[str, Any]:
        return {
            "date": "2025-03-01T10:00:00",
            "journalId": "VK",
            "debtorCustomerNumber": self.debtor.customer_number,
            "lines": {
                "_data": [
                    {
                        "description": "Advies",
                        "amount": 100,
                        "vatCode": "VH",
                        "ledgerAccountId": 8000,
                    }
                ]
            },
        }

    def token_form(self, **extra: str) -> dict[str, str]:
        return {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET} | extra

    def fresh_code(self) -> str:
        return code_issue(client=self.sandbox.client, user=self.sandbox.user, redirect_uri=REDIRECT)


Call = Callable[[World], Answer]


@dataclass(frozen=True)
class Operation:
    """How to make one operation succeed, and (when declared) fail with 400."""

    ok: Call
    bad: Call | None = None
    ok_status: int = 200


def authorize_query(**extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "xyz",
        "scope": "*",
    } | extra


def list_call(path: str, bad_query: dict[str, str] | None = None) -> Operation:
    bad = (lambda w: w.api.get(path, query=bad_query)) if bad_query else None
    return Operation(ok=lambda w: w.api.get(path, query={"page": "1", "pageSize": "5"}), bad=bad)


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("/connect/authorize", "get"): Operation(
        ok=lambda w: w.api.get("/connect/authorize", query=authorize_query(), token=None)
    ),
    ("/connect/token", "post"): Operation(
        ok=lambda w: w.api.post(
            "/connect/token",
            form=w.token_form(
                grant_type="authorization_code", code=w.fresh_code(), redirect_uri=REDIRECT
            ),
            token=None,
        ),
        bad=lambda w: w.api.post(
            "/connect/token",
            form=w.token_form(grant_type="refresh_token", refresh_token="not-a-token"),
            token=None,
        ),
    ),
    ("/v1/administrations", "get"): list_call("/v1/administrations"),
    ("/v1/articles", "get"): list_call("/v1/articles", {"Code_comparison": "Like"}),
    ("/v1/articles", "post"): Operation(
        ok=lambda w: w.api.post("/v1/articles", w.article_body()),
        bad=lambda w: w.api.post("/v1/articles", w.article_body() | {"salesPrice": "tien"}),
        ok_status=201,
    ),
    ("/v1/articles/{id}", "get"): Operation(ok=lambda w: w.api.get(f"/v1/articles/{w.article.pk}")),
    ("/v1/articles/{id}", "put"): Operation(
        ok=lambda w: w.api.put(f"/v1/articles/{w.article.pk}", w.article_body()),
        bad=lambda w: w.api.put(f"/v1/articles/{w.article.pk}", {"code": "X"}),
    ),
    ("/v1/debtors", "get"): list_call("/v1/debtors"),
    ("/v1/debtors", "post"): Operation(
        ok=lambda w: w.api.post("/v1/debtors", w.debtor_body()),
        bad=lambda w: w.api.post("/v1/debtors", w.debtor_body() | {"debtorKindId": "NOPE"}),
        ok_status=201,
    ),
    ("/v1/debtors/{id}", "get"): Operation(ok=lambda w: w.api.get(f"/v1/debtors/{w.debtor.pk}")),
    ("/v1/debtors/{id}", "put"): Operation(
        ok=lambda w: w.api.put(f"/v1/debtors/{w.debtor.pk}", w.debtor_body()),
        bad=lambda w: w.api.put(f"/v1/debtors/{w.debtor.pk}", {"name": "Zonder nummer"}),
    ),
    ("/v1/debtors/{id}/contactpersons", "get"): Operation(
        ok=lambda w: w.api.get(f"/v1/debtors/{w.debtor.pk}/contactpersons")
    ),
    ("/v1/debtors/{id}/contactpersons", "post"): Operation(
        ok=lambda w: w.api.post(
            f"/v1/debtors/{w.debtor.pk}/contactpersons", {"firstName": "Eva", "lastName": "Smit"}
        ),
        bad=lambda w: w.api.post(f"/v1/debtors/{w.debtor.pk}/contactpersons", {"firstName": "E"}),
        ok_status=201,
    ),
    ("/v1/salesorderswithlines", "get"): list_call("/v1/salesorderswithlines"),
    ("/v1/salesorderswithlines", "post"): Operation(
        ok=lambda w: w.api.post("/v1/salesorderswithlines", w.order_body()),
        bad=lambda w: w.api.post(
            "/v1/salesorderswithlines", w.order_body() | {"lines": {"_data": []}}
        ),
        ok_status=201,
    ),
    ("/v1/salesorderswithlines/{id}", "get"): Operation(
        ok=lambda w: w.api.get(f"/v1/salesorderswithlines/{w.order.pk}")
    ),
    ("/v1/salesinvoiceswithlines", "get"): list_call("/v1/salesinvoiceswithlines"),
    ("/v1/salesinvoiceswithlines", "post"): Operation(
        ok=lambda w: w.api.post("/v1/salesinvoiceswithlines", w.invoice_body()),
        bad=lambda w: w.api.post(
            "/v1/salesinvoiceswithlines", w.invoice_body() | {"journalId": "XX"}
        ),
        ok_status=201,
    ),
    **{
        (path, "get"): list_call(path)
        for path in (
            "/v1/vatcodes",
            "/v1/paymentconditions",
            "/v1/paymentmethods",
            "/v1/salestypes",
            "/v1/debtorkinds",
            "/v1/journals",
        )
    },
}


def with_knobs(world: World, knobs: dict[str, Any], operation: Operation) -> Answer:
    """Run the operation once with `knobs` on the demo administration."""
    administration = world.sandbox.administration
    administration.knobs = knobs
    administration.save()
    return operation.ok(world)


def too_many(world: World, operation: Operation) -> Answer:
    with_knobs(world, {"daily_quota": 1}, operation)
    return operation.ok(world)


def cases() -> list[tuple[str, str, str]]:
    return [
        (path, method, status)
        for path, method in contract.operations()
        for status in contract.declared(path, method)
    ]


def answer_for(world: World, path: str, method: str, status: str) -> Answer:
    operation = OPERATIONS[(path, method)]
    concrete = path.replace("{id}", str(MISSING_ID))
    api = world.api
    if status == str(operation.ok_status):
        return operation.ok(world)
    if status == "200" and method == "post":
        api.default_query = {"validateOnly": "true"}
        return operation.ok(world)
    if status == "302":
        return api.get(
            "/connect/authorize", query=authorize_query(response_type="token"), token=None
        )
    if status == "400":
        assert operation.bad is not None, f"no bad request defined for {method} {path}"
        return operation.bad(world)
    if status == "401" and path == "/connect/token":
        form = world.token_form(grant_type="refresh_token", refresh_token="x")
        return api.post(path, form=form | {"client_secret": "wrong"}, token=None)
    if status == "401":
        return api.call(method.upper(), path.replace("{id}", "1"), body={}, token=None)
    if status == "403":
        api.tenant = world.stranger.pk
        return operation.ok(world)
    if status == "404":
        return api.call(method.upper(), concrete, body=body_for(world, path))
    if status == "429":
        return too_many(world, operation)
    if status == "5XX":
        return with_knobs(world, {"error_rate": 1.0}, operation)
    raise AssertionError(f"no way to produce {status} for {method} {path}")


def body_for(world: World, path: str) -> dict[str, Any]:
    if path.startswith("/v1/articles"):
        return world.article_body()
    if path.endswith("contactpersons"):
        return {"lastName": "Smit"}
    return world.debtor_body()


@pytest.mark.parametrize(("path", "method", "status"), cases())
def test_every_declared_answer_is_served_and_valid(
    api: Api, sandbox: Sandbox, stranger: Administration, path: str, method: str, status: str
) -> None:
    world = World(api=api, sandbox=sandbox, stranger=stranger)
    answer = answer_for(world, path, method, status)
    if status == "5XX":
        assert answer.status in (500, 503)
    else:
        assert answer.status == int(status), answer.content[:400]
    if status == "429":
        assert int(answer.headers["Retry-After"]) >= 1


SHARED_COPY = Path(__file__).resolve().parents[5] / "shared" / "contracts" / "asperion.openapi.yaml"


@pytest.mark.skipif(not SHARED_COPY.exists(), reason="no ../shared/contracts beside the project")
def test_the_contract_copy_is_unchanged() -> None:
    assert contract.CONTRACT_PATH.read_bytes() == SHARED_COPY.read_bytes()


def test_put_validate_only_changes_nothing(api: Api, sandbox: Sandbox) -> None:
    world = World(api=api, sandbox=sandbox, stranger=sandbox.second)
    article = world.article
    body = world.article_body() | {"code": article.code}
    answer = api.put(f"/v1/articles/{article.pk}", body, query={"validateOnly": "true"})
    assert answer.status == 200
    assert answer.json()["description"] == "Fietsbel messing"
    assert Article.objects.get(pk=article.pk).description == article.description
