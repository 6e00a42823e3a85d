"""A page's answer parsed before and after it was validated once (issue 23); print the times.

    .venv/bin/python bench/reply_parsing.py [rounds]

Before: the HTTP layer's json.loads, then the envelope dumped to JSON and validated again,
then every record dumped and validated again when the connector reads it. After (what the
connectors do now, connectors/parsing.py): json.loads for the raw records, and one strict
validation of the body with the record's model, which the connector then reuses. The two are
timed in turns (before, after, before, ...), so that a busy machine weighs on both alike; the
figure is the median per page of an Asperion page of 100 articles and a Feeddex page of 250
products.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apicenter.settings")

from connectors.asperion.schemas import Article  # noqa: E402
from connectors.asperion.schemas import ListEnvelope as AsperionEnvelope  # noqa: E402
from connectors.feeddex.schemas import ListEnvelope as FeeddexEnvelope  # noqa: E402
from connectors.feeddex.schemas import Product  # noqa: E402
from connectors.parsing import checked_items, parse_content, parse_json  # noqa: E402

ARTICLE = {
    "code": "ART-00001",
    "description": "Eikenhouten tafel, geolied",
    "extendedDescription": "Massief eiken, 180 x 90 cm. " * 4,
    "unit": "stuk",
    "salesTypeId": 1,
    "salesPrice": 499.0,
    "salesPriceInclVat": 603.79,
    "vatCode": "H",
    "eanCode": "8712345678906",
    "currentStock": 12,
    "reservedStock": 1,
    "active": True,
    "characteristic1": "eiken",
    "characteristic2": "180 cm",
    "characteristic3": None,
    "characteristic4": None,
    "characteristic5": None,
    "isVariant": False,
    "dateLastChange": "2026-12-01T10:15:00",
    "_meta": {"href": "/v1/articles/1"},
}
PRODUCT = {
    "sku": "ART-00001",
    "type": "simple",
    "name": "Eikenhouten tafel, geolied",
    "shortDescription": "Massief eiken",
    "longDescription": "Massief eiken, 180 x 90 cm. " * 4,
    "price": 603.79,
    "priceIncludesVat": True,
    "vatRate": 21,
    "currency": "EUR",
    "ean": "8712345678906",
    "quantity": 12,
    "manageStock": True,
    "attributes": [{"name": "Hout", "value": "eiken"}],
    "active": True,
    "updatedAt": "2026-12-01T09:15:00Z",
}


def asperion_page() -> bytes:
    items = [{**ARTICLE, "id": n, "code": f"ART-{n:05d}"} for n in range(1, 101)]
    return json.dumps({"_data": items, "_meta": {"nextPage": "/v1/articles?page=2"}}).encode()


def feeddex_page() -> bytes:
    items = [{**PRODUCT, "id": n, "sku": f"ART-{n:05d}"} for n in range(1, 251)]
    body = {"items": items, "page": 1, "pageSize": 250, "total": 10_000, "nextPage": 2}
    return json.dumps(body).encode()


def before(content: bytes, envelope: Any, model: Any, key: str) -> list[Any]:
    data = json.loads(content)
    page = envelope.model_validate_json(json.dumps(data), strict=True)
    raw = getattr(page, key)
    return [model.model_validate_json(json.dumps(item), strict=True) for item in raw]


def after(content: bytes, envelope: Any, model: Any, key: str) -> list[Any]:
    data = json.loads(content)
    typed = parse_content(envelope[model], content)
    items = checked_items(data["_data" if key == "data" else key], getattr(typed, key))
    return [parse_json(model, item) for item in items]


def timed(work: Callable[..., object], case: tuple[Any, ...], repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        work(*case)
    return (time.perf_counter() - start) / repeats * 1000


def main(rounds: int = 15) -> None:
    cases = {
        "asperion 100 articles": (asperion_page(), AsperionEnvelope, Article, "data"),
        "feeddex 250 products": (feeddex_page(), FeeddexEnvelope, Product, "items"),
    }
    for name, case in cases.items():
        old, new = before(*case), after(*case)
        assert [m.model_dump() for m in old] == [m.model_dump() for m in new]
        times: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(rounds):
            times["before"].append(timed(before, case, 50))
            times["after"].append(timed(after, case, 50))
        b, a = (statistics.median(times[k]) for k in ("before", "after"))
        spread = {k: f"{min(v):.2f}-{max(v):.2f}" for k, v in times.items()}
        print(
            f"{name}: before {b:.2f} ms/page ({spread['before']}), "
            f"after {a:.2f} ms/page ({spread['after']}), {b / a:.1f}x; "
            f"{(b - a) / len(old) * 1000:.1f} µs saved per record"
        )
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
