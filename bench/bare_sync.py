"""The yardstick for the products flow: a bare httpx script that makes the same HTTP calls.

It reads every Asperion article page (100 per page, as the connector does) and POSTs one
Feeddex product per simple, active article, with a payload built by hand, over one
keep-alive connection per system. No parsing into records, no mapping engine, no ledger, no
logs, no rate limiter: what is left is the network and the sandboxes' own work, the part of
a sync the platform cannot make cheaper.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

PAGE_SIZE = 100


@dataclass
class BareFigures:
    seconds: float
    read: int
    posted: int
    calls: int
    errors: int


@dataclass
class Endpoints:
    asperion_url: str
    asperion_token: str
    administration_id: int
    feeddex_url: str
    organization: str
    auth_code: str
    password: str


def bare_sync(target: Endpoints, *, skip_codes: frozenset[str] = frozenset()) -> BareFigures:
    started = time.monotonic()
    figures = BareFigures(0.0, 0, 0, 0, 0)
    with (
        httpx.Client(
            base_url=target.asperion_url, timeout=60, headers=asperion_headers(target)
        ) as asperion,
        httpx.Client(base_url=target.feeddex_url, timeout=60) as feeddex,
    ):
        token = feeddex_token(feeddex, target)
        figures.calls += 1
        feeddex.headers["Authorization"] = f"Bearer {token}"
        page: int | None = 1
        while page is not None:
            answer = asperion.get("/v1/articles", params=article_params(page))
            answer.raise_for_status()
            figures.calls += 1
            body = answer.json()
            for article in body["_data"]:
                figures.read += 1
                if article.get("isVariant") or not article.get("active", True):
                    continue
                if article["code"] in skip_codes:
                    continue
                reply = feeddex.post("/v1/products", json=product_payload(article))
                figures.calls += 1
                figures.posted += 1
                figures.errors += reply.status_code >= 300
            page = page + 1 if body["_meta"].get("nextPage") else None
    figures.seconds = time.monotonic() - started
    return figures


def asperion_headers(target: Endpoints) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {target.asperion_token}",
        "X-Tenant-Id": str(target.administration_id),
        "Accept-Language": "en-US",
    }


def article_params(page: int) -> dict[str, Any]:
    return {"page": page, "pageSize": PAGE_SIZE, "orderBy": "id", "ActiveState": "All"}


def feeddex_token(feeddex: httpx.Client, target: Endpoints) -> str:
    body = {
        "authCode": target.auth_code,
        "organization": target.organization,
        "password": target.password,
    }
    answer = feeddex.post("/authenticate", json=body)
    answer.raise_for_status()
    return str(answer.json()["token"])


def product_payload(article: dict[str, Any]) -> dict[str, Any]:
    """What the default products mapping sends, computed the shortest way."""
    price = Decimal(str(article.get("salesPrice") or 0))
    incl = article.get("salesPriceInclVat")
    price_incl = Decimal(str(incl)) if incl is not None else price * Decimal("1.21")
    vat = round((price_incl / price - 1) * 100) if price else 21
    stock = Decimal(str(article.get("currentStock") or 0))
    reserved = Decimal(str(article.get("reservedStock") or 0))
    attributes = [
        {"name": f"Kenmerk {n}", "value": article[f"characteristic{n}"]}
        for n in range(1, 6)
        if article.get(f"characteristic{n}")
    ]
    payload: dict[str, Any] = {
        "sku": article["code"],
        "type": "simple",
        "name": article["description"][:255],
        "shortDescription": article["description"][:1000],
        "longDescription": article.get("extendedDescription"),
        "price": float(round(price_incl, 2)),
        "priceIncludesVat": True,
        "vatRate": vat if vat in (0, 9, 21) else 21,
        "currency": "EUR",
        "ean": article.get("eanCode"),
        "quantity": max(0, int(stock - reserved)),
        "active": bool(article.get("active", True)),
        "attributes": attributes or None,
    }
    return {key: value for key, value in payload.items() if value is not None}
