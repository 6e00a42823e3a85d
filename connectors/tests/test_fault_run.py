"""The issue's "done when", small: 20 % faults and tight limits, every record accounted for.
(bench/connectors_fault_run.py runs the same with 2,000 records and prints the figures.)"""

from __future__ import annotations

import pytest

from connectors.asperion.sandbox.models import Article as SandboxArticle
from connectors.feeddex.sandbox.models import Product as FeeddexProduct
from connectors.tests.fault_run import ERROR_RATE, client_limit, fault_run

ARTICLES = 40


@pytest.mark.django_db(transaction=True)
def test_a_faulty_rate_limited_run_accounts_for_every_record(asperion, feeddex):
    made = asperion.seed(articles=ARTICLES)
    asperion.set_knobs(rate_per_second=10, burst=20, error_rate=ERROR_RATE)
    asperion.configure(**client_limit(per_second=10, burst=20))
    feeddex.set_knobs(rate_per_second=20, burst=10, error_rate=ERROR_RATE)
    feeddex.configure(**client_limit(per_second=20, burst=10))
    total = SandboxArticle.objects.filter(administration=asperion.administration).count()
    figures = fault_run(asperion=asperion.connection, feeddex=feeddex.connection)
    assert figures.articles == total  # the seeded ones and the shipping-cost article
    assert figures.accounted == total
    assert figures.failed == []
    assert figures.skipped_variants == made["variant_articles"]
    assert figures.server_errors > 0  # the faults did happen
    assert figures.throttled_429 <= 2  # and the platform throttled itself
    stored = FeeddexProduct.objects.filter(account=feeddex.account).count()
    assert stored == figures.created == total - made["variant_articles"] - len(figures.rejected)
