"""Products against a Feeddex limited to 120 requests per minute: how close to the limit?

    .venv/bin/python bench/rate_limited.py [--articles 400] [--limit 120]

The Feeddex sandbox counts requests per clock minute and answers 429 with Retry-After past
`--limit`; the Asperion sandbox's limit is off. The tenant's Feeddex connection keeps the
platform's default throttle (connectors/ratelimit.py: 1.95/s, burst 3), as a real tenant's
would. A products first sync of N articles then writes one product per simple article.

Figures: the achieved write rate (Feeddex calls per minute over the writing part of the
run) ÷ the limit (target ≥ 0.9), and the share of Feeddex calls answered 429 (target ≤ 1 %).
About N ÷ 120 minutes: the default 400 articles take three to four minutes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--limit", type=int, default=120, help="Feeddex requests per minute")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    options = parser.parse_args()
    env = harness.environment("ratelimited")
    harness.django_ready()
    ok = False
    try:
        with harness.web_server(env), harness.celery_worker(env):
            result = bench(options.articles, options.limit)
        print(f"result: {harness.write_result('rate_limited', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def bench(articles: int, limit: int) -> dict[str, Any]:
    from connectors.sandboxkit.knobs import Knobs

    shop = harness.make_shop(articles=articles)
    feeddex = shop.integration.shop
    feeddex.config = {
        k: v for k, v in feeddex.config.items() if k not in harness.NO_LIMIT
    }  # the platform's own default throttle for Feeddex
    feeddex.save(update_fields=["config"])
    account = shop.account
    account.knobs = Knobs(rate_per_second=0, rate_per_minute=limit).model_dump(mode="json")
    account.save(update_fields=["knobs"])
    print(f"rate limited: {articles:,} articles, Feeddex at {limit} requests per minute")
    run = harness.run_flow(shop.flow("products"), timeout=3 * 3600)
    if run.status != "succeeded":
        raise RuntimeError(f"the run did not succeed: {run}")
    return figures(run, limit)


def figures(run: harness.RunFigures, limit: int) -> dict[str, Any]:
    from flows.models import ApiCallLog

    calls = ApiCallLog.objects.filter(run_id=run.run_id, system="feeddex").order_by("created_at")
    stamps = list(calls.values_list("created_at", "status"))
    refused = sum(1 for _, status in stamps if status == 429)
    span = (stamps[-1][0] - stamps[0][0]).total_seconds() if len(stamps) > 1 else 0.0
    per_minute = (len(stamps) - 1) / span * 60 if span else 0.0
    result = {
        "articles_read": run.read,
        "created": run.created,
        "failed": run.failed,
        "seconds": run.seconds,
        "feeddex_calls": len(stamps),
        "answered_429": refused,
        "share_429": refused / max(len(stamps), 1),
        "calls_per_minute": per_minute,
        "limit_per_minute": limit,
        "rate_share_of_limit": per_minute / limit,
    }
    print(
        f"  {run.created:,} created in {run.seconds:.0f} s; {len(stamps):,} Feeddex calls at "
        f"{per_minute:.1f}/min = {result['rate_share_of_limit']:.2f} of the limit (target ≥ "
        f"0.9); {refused} answered 429 = {result['share_429']:.1%} (target ≤ 1 %)"
    )
    return result


if __name__ == "__main__":
    sys.exit(main())
