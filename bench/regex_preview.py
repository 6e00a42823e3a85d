"""Preview a product mapping whose name rule is a pattern that backtracks exponentially in a
backtracking engine; print how long the preview takes.

    .venv/bin/python bench/regex_preview.py [repeat]

Goal (issue 19): the preview of `^(?:a{0,2}){30}$` on 100 characters answers within 100 ms.
The old engine needed about 12 s for N = 16 and doubles with each N; RE2 is linear in the
text. The figure is the pure preview (compile, apply to three samples, schema check), the
part of the mapping page that the pattern can slow down; the page adds its own rendering.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apicenter.settings")

import django  # noqa: E402

django.setup()  # the flows register their mapping kinds when the apps are ready

from connectors.records import Product  # noqa: E402
from mapping.kinds import mapping_kind  # noqa: E402
from mapping.preview import preview  # noqa: E402

PATTERNS = [r"^(?:a{0,2}){30}$", r"^(?:a?){30}a{30}$", r"^(a+)+$", r"^(a|aa)+$"]


def samples() -> list[dict[str, object]]:
    return [
        Product.model_validate(
            {
                "source_id": str(n),
                "sku": f"ART-{n}",
                "name": "a" * 100,
                "price_excl_vat": "10.00",
                "vat_rate": "21",
                "current_stock": "1",
                "reserved_stock": "0",
            }
        ).as_source()
        for n in range(3)
    ]


def spec_with(pattern: str) -> dict[str, object]:
    spec = mapping_kind("products").spec()
    for rule in spec["rules"]:
        if rule["target"] == "name":
            step = {"fn": "regex_replace", "args": [{"const": pattern}, {"const": "x"}]}
            rule["steps"] = [step]
    return spec


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    target = mapping_kind("products").target
    records = samples()
    for pattern in PATTERNS:
        spec = spec_with(pattern)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            rows = preview(spec, records, target=target, context={"settings": {}})
            timings.append((time.perf_counter() - started) * 1000)
        assert all(row.payload.get("name") for row in rows), rows[0].errors
        print(
            f"preview of {pattern} on 100 characters (3 records): "
            f"median {statistics.median(timings):.2f} ms, max {max(timings):.2f} ms "
            f"over {repeat} runs (goal: under 100 ms)"
        )


if __name__ == "__main__":
    main()
