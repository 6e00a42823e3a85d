"""Behaviour of the API beyond status codes: paging, filters, tenants, stock, amounts, dates.

Every answer also passes the contract check in the Api fixture.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from connectors.asperion.sandbox.dates import DUTCH
from connectors.asperion.sandbox.models import (
    AccessToken,
    Administration,
    Article,
    ContactPerson,
    Debtor,
    PaymentCondition,
    SalesOrder,
    SalesType,
)
from connectors.asperion.sandbox.tests.conftest import Api, Sandbox

LOCAL_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")


def articles(sandbox: Sandbox, **lookup: Any) -> Any:
    return Article.objects.filter(administration=sandbox.administration, **lookup)


def sales_type(sandbox: Sandbox, description: str) -> SalesType:
    return SalesType.objects.get(administration=sandbox.administration, description=description)


def new_article(sandbox: Sandbox, **fields: Any) -> dict[str, Any]:
    return {
        "code": "TEST-1",
        "description": "Theedoek linnen",
        "salesTypeId": sales_type(sandbox, "Omzet hoog").pk,
        "salesPrice": 10,
    } | fields


def follow(api: Api, url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    answer = api.get(parts.path.removeprefix("/sandbox/asperion"), query=query)
    assert answer.status == 200
    return answer.json()  # type: ignore[no-any-return]


def test_pages_follow_next_page_until_it_is_empty(api: Api, sandbox: Sandbox) -> None:
    expected = set(articles(sandbox, active=True).values_list("pk", flat=True))
    first = api.get("/v1/articles", query={"pageSize": 15}).json()
    assert first["_meta"]["previousPage"] == ""
    assert first["_meta"]["totalCount"] == len(expected)
    assert first["_meta"]["pageCount"] == -(-len(expected) // 15)
    seen, page = [row["id"] for row in first["_data"]], first
    while page["_meta"]["nextPage"]:
        page = follow(api, page["_meta"]["nextPage"])
        assert page["_meta"]["previousPage"]
        seen += [row["id"] for row in page["_data"]]
    assert sorted(seen) == sorted(expected)
    assert len(page["_data"]) == len(expected) - 15 * (first["_meta"]["pageCount"] - 1)


def test_page_size_is_capped_by_the_contract_and_the_knob(api: Api, sandbox: Sandbox) -> None:
    big = api.get("/v1/articles", query={"pageSize": 500, "ActiveState": "All"}).json()
    assert len(big["_data"]) == 40
    assert big["_meta"]["pageCount"] == 1
    sandbox.administration.knobs = {"max_page_size": 7}
    sandbox.administration.save()
    small = api.get("/v1/articles", query={"pageSize": 50, "ActiveState": "All"}).json()
    assert len(small["_data"]) == 7
    assert "pageSize=7" in small["_meta"]["nextPage"]
    assert api.get("/v1/articles", query={"page": 0}).status == 400


def test_text_filters_honour_their_comparison(api: Api, sandbox: Sandbox) -> None:
    article = articles(sandbox, active=True, is_variant=False).first()
    assert article is not None
    prefix = article.code.split("-")[0]

    def codes(**query: Any) -> set[str]:
        data = api.get("/v1/articles", query=query | {"pageSize": 100}).json()["_data"]
        return {row["code"] for row in data}

    assert codes(Code=article.code.lower(), Code_comparison="Equals") == {article.code}
    assert article.code not in codes(Code=article.code, Code_comparison="NotEquals")
    assert all(code.startswith(prefix) for code in codes(Code=prefix, Code_comparison="StartsWith"))
    assert codes(Code=article.code[-3:], Code_comparison="EndsWith") >= {article.code}
    assert codes(EanCode=article.ean_code) >= {article.code} if article.ean_code else True
    assert codes(Description=article.description.upper()) >= {article.code}


def test_active_state_selects_active_inactive_or_all(api: Api, sandbox: Sandbox) -> None:
    articles(sandbox).filter(pk=articles(sandbox).first().pk).update(active=False)
    inactive = articles(sandbox, active=False).count()
    listed = {
        state: api.get("/v1/articles", query={"ActiveState": state}).json()["_meta"]["totalCount"]
        for state in ("Active", "Inactive", "All")
    }
    assert listed == {"Active": 40 - inactive, "Inactive": inactive, "All": 40}


def test_debtor_filters(api: Api, sandbox: Sandbox) -> None:
    debtor = Debtor.objects.filter(administration=sandbox.administration).last()
    assert debtor is not None
    Debtor.objects.filter(pk=debtor.pk).update(blocked=True, email_address="Kees@Example.com")

    def numbers(**query: Any) -> set[str]:
        data = api.get("/v1/debtors", query=query).json()["_data"]
        return {row["customerNumber"] for row in data}

    assert numbers(CustomerNumber=debtor.customer_number, CustomerNumber_comparison="Equals") == {
        debtor.customer_number
    }
    assert numbers(EmailAddress="kees@example.com", EmailAddress_comparison="Equals") == {
        debtor.customer_number
    }
    assert numbers(Blocked="true") == {debtor.customer_number}
    added = debtor.date_added.astimezone(DUTCH).date()
    assert debtor.customer_number in numbers(
        DateAdded_from=added.isoformat(), DateAdded_to=added.isoformat()
    )
    assert numbers(DateAdded_to=(added - timedelta(days=1)).isoformat()).isdisjoint(
        {debtor.customer_number}
    )
    assert api.get("/v1/debtors", query={"DateAdded_from": "gisteren"}).status == 400


def test_date_last_change_is_dutch_local_time_and_filters(api: Api, sandbox: Sandbox) -> None:
    articles(sandbox).update(date_last_change=timezone.now() - timedelta(days=3))
    created = api.post("/v1/articles", new_article(sandbox)).json()
    stamp = created["dateLastChange"]
    assert LOCAL_DATE_TIME.fullmatch(stamp)
    local_now = timezone.now().astimezone(DUTCH).replace(tzinfo=None)
    assert abs(local_now - local_now.fromisoformat(stamp)) < timedelta(seconds=10)
    changed = api.get("/v1/articles", query={"DateLastChange_from": stamp}).json()["_data"]
    assert [row["code"] for row in changed] == ["TEST-1"]
    zoned = api.get("/v1/articles", query={"DateLastChange_from": f"{stamp}.5+01:00"})
    assert zoned.status == 200
    assert api.get("/v1/articles", query={"DateLastChange_from": "gisteren"}).status == 400


def test_paths_match_case_insensitively(api: Api, sandbox: Sandbox) -> None:
    article = articles(sandbox).first()
    assert article is not None
    assert api.get(f"/V1/Articles/{article.pk}").json()["code"] == article.code
    plural = api.get("/v1/salesorderswithlines").json()["_meta"]["totalCount"]
    assert api.get("/V1/SalesOrderWithLines").json()["_meta"]["totalCount"] == plural
    assert api.get("/v1/VATCODES/").status == 200


def test_tenant_header_selects_the_administration(
    api: Api, sandbox: Sandbox, stranger: Administration
) -> None:
    def administration_of(headers: dict[str, str]) -> Any:
        answer = api.get("/v1/articles", headers=headers)
        return answer.json()["_meta"]["administrationId"] if answer.status == 200 else answer.status

    second = str(sandbox.second.pk)
    assert administration_of({}) == sandbox.administration.pk
    assert administration_of({"X-Tenant-Id": second}) == sandbox.second.pk
    assert administration_of({"X-TenantId": second}) == sandbox.second.pk
    assert administration_of({"X-Tenant-Id": str(stranger.pk)}) == 403
    assert administration_of({"X-Tenant-Id": "9999999999"}) == 403
    assert administration_of({"X-Tenant-Id": "99999999999999999999"}) == 400
    assert administration_of({"X-Tenant-Id": "eerste"}) == 400
    listed = api.get("/v1/administrations").json()["_data"]
    assert [row["id"] for row in listed] == [sandbox.administration.pk, sandbox.second.pk]


def test_records_of_another_administration_are_not_found(api: Api, sandbox: Sandbox) -> None:
    other = Article.objects.filter(administration=sandbox.second).first()
    assert other is not None
    assert api.get(f"/v1/articles/{other.pk}").status == 404
    api.tenant = sandbox.second.pk
    assert api.get(f"/v1/articles/{other.pk}").status == 200


def test_validate_only_checks_without_creating(api: Api, sandbox: Sandbox) -> None:
    before = articles(sandbox).count()
    dry = api.post("/v1/articles", new_article(sandbox), query={"validateOnly": "true"})
    assert dry.status == 200
    assert dry.json()["code"] == "TEST-1"
    assert "id" not in dry.json()
    bad = api.post("/v1/articles", new_article(sandbox, code=""), query={"validateOnly": "true"})
    assert bad.status == 400
    debtor = Debtor.objects.filter(administration=sandbox.administration, blocked=False).first()
    article = articles(sandbox, active=True).first()
    assert debtor is not None
    assert article is not None
    order = {
        "date": "2025-03-01T10:00:00",
        "debtorCustomerNumber": debtor.customer_number,
        "lines": {"_data": [{"articleCode": article.code, "quantity": 1}]},
    }
    reserved = sum(a.reserved_stock for a in articles(sandbox))
    orders = SalesOrder.objects.count()
    dry_order = api.post("/v1/salesorderswithlines", order, query={"validateOnly": "true"})
    assert dry_order.status == 200
    assert dry_order.json()["amountExclVat"] == float(article.sales_price.quantize(Decimal("0.01")))
    assert articles(sandbox).count() == before
    assert sum(a.reserved_stock for a in articles(sandbox)) == reserved
    assert SalesOrder.objects.count() == orders


def test_invalid_article_names_every_field(api: Api, sandbox: Sandbox) -> None:
    body = {"description": "x" * 101, "salesTypeId": 424242, "eanCode": "12AB", "salesPrice": True}
    errors = api.post("/v1/articles", body).json()["errors"]
    assert set(errors) == {"Code", "Description", "SalesTypeId", "EanCode", "SalesPrice"}
    api.language = "nl-NL"
    dutch = api.post("/v1/articles", body).json()
    assert dutch["title"] == "Er zijn een of meer validatiefouten opgetreden."
    assert dutch["errors"]["Code"] == ["Het veld Code is verplicht."]


def test_duplicates_are_validation_problems(api: Api, sandbox: Sandbox) -> None:
    existing = articles(sandbox).first()
    assert existing is not None
    duplicate = api.post("/v1/articles", new_article(sandbox, code=existing.code))
    assert duplicate.status == 400
    assert duplicate.json()["errors"] == {"Code": ["An article with this code already exists."]}
    debtor = Debtor.objects.filter(administration=sandbox.administration).first()
    assert debtor is not None
    body = {
        "customerNumber": debtor.customer_number,
        "name": "Twee",
        "address": "Dorpsstraat 5 bis",
        "debtorKindId": "PART",
    }
    answer = api.post("/v1/debtors", body)
    assert answer.status == 400
    assert list(answer.json()["errors"]) == ["CustomerNumber"]


def test_put_replaces_writable_fields_and_ignores_read_only_ones(
    api: Api, sandbox: Sandbox
) -> None:
    article = articles(sandbox, unit__isnull=False).first()
    assert article is not None
    body = new_article(sandbox, code=article.code, currentStock=999, isVariant=True)
    updated = api.put(f"/v1/articles/{article.pk}", body).json()
    assert updated["unit"] is None
    assert updated["extendedDescription"] is None
    assert updated["currentStock"] == float(article.current_stock)
    assert updated["isVariant"] == article.is_variant
    assert updated["salesPriceInclVat"] == 12.1
    article.refresh_from_db()
    assert article.description == "Theedoek linnen"
    assert article.date_last_change > timezone.now() - timedelta(seconds=10)


def test_a_sales_order_reserves_stock_and_computes_vat_per_line(api: Api, sandbox: Sandbox) -> None:
    high, low = sales_type(sandbox, "Omzet hoog"), sales_type(sandbox, "Omzet laag")
    a = Article.objects.create(
        administration=sandbox.administration,
        code="HOOG",
        description="Lamp",
        sales_type=high,
        sales_price=Decimal("10.00"),
        current_stock=Decimal(20),
    )
    b = Article.objects.create(
        administration=sandbox.administration,
        code="LAAG",
        description="Drop",
        sales_type=low,
        sales_price=Decimal("3.50"),
        current_stock=Decimal(5),
    )
    debtor = Debtor.objects.filter(administration=sandbox.administration, blocked=False).first()
    assert debtor is not None
    lines = [
        {"articleCode": "hoog", "quantity": 3, "discountPercentage": 10},
        {"articleCode": "LAAG", "quantity": 2, "unitPrice": 4, "description": "Zoute drop"},
    ]
    body = {
        "date": "2025-03-01T10:00:00Z",
        "debtorCustomerNumber": debtor.customer_number,
        "reference": "WEB-77",
        "lines": {"_data": lines},
    }
    order = api.post("/v1/salesorderswithlines", body).json()
    assert order.get("status") == 1, order
    assert order["date"] == "2025-03-01T11:00:00"
    assert [line["vatCode"] for line in order["lines"]["_data"]] == ["VH", "VL"]
    assert [line["vatAmount"] for line in order["lines"]["_data"]] == [5.67, 0.72]
    assert (order["amountExclVat"], order["vatAmount"], order["amountInclVat"]) == (35, 6.39, 41.39)
    assert order["lines"]["_data"][1]["description"] == "Zoute drop"
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.reserved_stock, b.reserved_stock) == (Decimal(3), Decimal(2))
    fetched = api.get(f"/v1/salesorderswithlines/{order['id']}").json()
    assert fetched == order
    by_reference = api.get("/v1/salesorderswithlines", query={"Reference": "WEB-77"}).json()
    assert [row["id"] for row in by_reference["_data"]] == [order["id"]]


def test_a_sales_order_names_what_is_wrong(api: Api, sandbox: Sandbox) -> None:
    blocked = Debtor.objects.filter(administration=sandbox.administration).first()
    assert blocked is not None
    Debtor.objects.filter(pk=blocked.pk).update(blocked=True)
    body = {
        "date": "2025-03-01",
        "debtorCustomerNumber": blocked.customer_number,
        "lines": {"_data": [{"articleCode": "BESTAAT-NIET", "quantity": 0}]},
    }
    errors = api.post("/v1/salesorderswithlines", body).json()["errors"]
    assert set(errors) == {
        "Date",
        "DebtorCustomerNumber",
        "Lines[0].ArticleCode",
        "Lines[0].Quantity",
    }


def test_a_sales_invoice_gets_a_number_amounts_and_a_due_date(api: Api, sandbox: Sandbox) -> None:
    debtor = Debtor.objects.filter(administration=sandbox.administration, blocked=False).first()
    assert debtor is not None
    debtor.payment_condition = PaymentCondition.objects.get(
        administration=sandbox.administration, days=30
    )
    debtor.save()
    lines = [
        {"description": "Advies", "amount": 100, "vatCode": "VH", "ledgerAccountId": 8000},
        {"description": "Boek", "amount": 20.05, "vatCode": "VL", "ledgerAccountId": 8010},
    ]
    body = {
        "date": "2025-03-01T10:00:00",
        "journalId": "VK",
        "debtorCustomerNumber": debtor.customer_number,
        "lines": {"_data": lines},
    }
    invoice = api.post("/v1/salesinvoiceswithlines", body).json()
    assert re.fullmatch(r"[0-9]{4}-[0-9]{5}", invoice["invoiceNumber"])
    assert (invoice["bookyear"], invoice["bookperiod"], invoice["status"]) == (2025, 3, 1)
    assert [line["vatAmount"] for line in invoice["lines"]["_data"]] == [21, 1.8]
    assert (invoice["amountExclVat"], invoice["vatAmount"], invoice["amountInclVat"]) == (
        120.05,
        22.8,
        142.85,
    )
    # 30 days later, across the switch to summer time, still at 10:00 Dutch time.
    assert invoice["paymentDueDate"] == "2025-03-31T10:00:00"
    again = api.post(
        "/v1/salesinvoiceswithlines", body | {"invoiceNumber": invoice["invoiceNumber"]}
    )
    assert again.json()["errors"] == {
        "InvoiceNumber": ["An invoice with this number already exists."]
    }
    concept = api.get(
        "/v1/salesinvoiceswithlines",
        query={"Status": 1, "Date_from": "2025-03-01", "Date_to": "2025-03-01"},
    ).json()
    assert [row["id"] for row in concept["_data"]] == [invoice["id"]]
    assert api.get(f"/v1/salesinvoiceswithlines/{invoice['id']}").json() == invoice


def test_contact_persons_keep_one_primary_and_touch_the_debtor(api: Api, sandbox: Sandbox) -> None:
    debtor = Debtor.objects.filter(administration=sandbox.administration).first()
    assert debtor is not None
    Debtor.objects.filter(pk=debtor.pk).update(date_last_change=timezone.now() - timedelta(days=9))
    path = f"/v1/debtors/{debtor.pk}/contactpersons"
    api.post(path, {"firstName": "Eva", "lastName": "de Vries", "isPrimary": True})
    second = api.post(
        path, {"lastName": "Bakker", "emailAddress": "b@example.com", "isPrimary": True}
    )
    assert second.status == 201
    listed = api.get(path).json()["_data"]
    assert [row["lastName"] for row in listed if row["isPrimary"]] == ["Bakker"]
    assert ContactPerson.objects.filter(debtor=debtor).count() == len(listed)
    debtor.refresh_from_db()
    assert debtor.date_last_change > timezone.now() - timedelta(minutes=1)
    bad = api.post(path, {"lastName": "X", "emailAddress": "geen-adres"})
    assert bad.json()["errors"] == {"EmailAddress": ["The value is not a valid e-mail address."]}


def test_an_expired_token_gets_401_with_a_challenge(api: Api, sandbox: Sandbox) -> None:
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    answer = api.get("/v1/articles")
    assert answer.status == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert answer.json()["detail"] == "The access token has expired."
    assert (
        api.get("/v1/articles", token="made-up").json()["detail"] == "The access token is invalid."
    )


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2]", b'{"code": NaN}', b"\xff\xfe", b"[" * 100_000]
)
def test_bodies_that_are_no_json_object_are_400(api: Api, raw: bytes) -> None:
    answer = api.call("POST", "/v1/articles", raw=raw)
    assert answer.status == 400
    assert "$" in answer.json()["errors"]


def test_unknown_paths_methods_and_huge_ids(api: Api) -> None:
    assert api.get("/v1/nothing", check=False).status == 404
    assert api.call("DELETE", "/v1/articles", check=False).headers["Allow"] == "GET, POST"
    assert api.get("/v1/articles/99999999999999999999999999").status == 404
    assert (
        api.post("/v1/articles", {"code": "X", "description": "Y", "salesTypeId": 2**70}).status
        == 400
    )
