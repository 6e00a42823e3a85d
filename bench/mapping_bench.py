"""Apply the default product mapping to 10,000 canonical products; print the speed.

    .venv/bin/python bench/mapping_bench.py [count]

Goal (issue 5): well under a second per 1,000 products. The records are made and turned into
their JSON form (`as_source`, as the flows do) before the clock starts, so the figure is the
mapping alone: compile once, apply many, with the target schema check on every payload.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apicenter.settings")

import django  # noqa: E402

django.setup()  # the flows register their mapping kinds when the apps are ready

from connectors.records import Product  # noqa: E402
from mapping.engine import compile_mapping  # noqa: E402
from mapping.kinds import mapping_kind  # noqa: E402

CONTEXT = {
    "settings": {
        "price_includes_vat": True,
        "currency": "EUR",
        "attribute_names": ["Hout", "Maat", "Kleur", "Stijl", "Merk"],
    },
}


def products(count: int) -> list[dict[str, object]]:
    return [
        Product.model_validate(
            {
                "source_id": str(n),
                "sku": f"ART-{n:06d}",
                "name": f"Stoel model {n}",
                "short_description": "Eikenhouten stoel",
                "long_description": "Een stevige stoel. " * 5,
                "price_excl_vat": f"{10 + n % 500}.{n % 100:02d}",
                "vat_rate": "21" if n % 3 else "9",
                "ean": "8712345678906",
                "current_stock": str(n % 40),
                "reserved_stock": str(n % 7),
                "characteristic_1": "eiken",
                "characteristic_3": "bruin" if n % 2 else None,
            }
        ).as_source()
        for n in range(count)
    ]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sources = products(count)
    definition = mapping_kind("products")
    started = time.perf_counter()
    compiled = compile_mapping(definition.spec(), target=definition.target)
    compiled_at = time.perf_counter()
    failures = sum(1 for source in sources if compiled.apply(source, context=CONTEXT).errors)
    finished = time.perf_counter()
    seconds = finished - compiled_at
    print(f"products mapped: {count:,} (failures: {failures})")
    print(f"compile: {(compiled_at - started) * 1000:.1f} ms")
    print(
        f"apply:   {seconds:.3f} s = {count / seconds:,.0f} records/second, "
        f"{seconds / count * 1000 * 1000:.1f} ms per 1,000"
    )


if __name__ == "__main__":
    main()
