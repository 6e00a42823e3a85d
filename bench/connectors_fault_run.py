"""Read 2,000 Asperion articles and write 2,000 Feeddex products through the connectors,
with both sandboxes answering 20 % of calls with 500/503 and limiting the rate; print the
429 count, API calls per record for reads and writes, and the seconds taken.

    .venv/bin/python bench/connectors_fault_run.py [records]

It runs on a throw-away test database and serves both sandboxes on a live server thread
(real HTTP, as the tests do). Limits: Asperion's contract figure (10/s, burst 20) and
Feeddex at 20/s with a burst of 10 (its contract's 120 per minute would make 2,000 writes
take 17 minutes); the connections are configured to stay under both (see fault_run.py).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apicenter.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.testcases import LiveServerThread, _StaticFilesHandler  # noqa: E402
from django.test.utils import override_settings  # noqa: E402


def main(records: int) -> int:
    # Each injected 500/503 would print a line from Django's request log.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    logging.getLogger("django.server").setLevel(logging.CRITICAL)
    creation = connection.creation
    original_name = str(settings.DATABASES["default"]["NAME"])
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    with (
        tempfile.TemporaryDirectory() as var_dir,
        override_settings(ROOT_URLCONF="connectors.tests.urls", VAR_DIR=Path(var_dir)),
    ):
        server = LiveServerThread("localhost", static_handler=_StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        site = f"http://{server.host}:{server.port}"
        try:
            with override_settings(SITE_URL=site, APICENTER_ALLOW_PRIVATE_URLS=False):
                return run(site, records)
        finally:
            server.terminate()
            creation.destroy_test_db(original_name, verbosity=0)


def run(site: str, records: int) -> int:
    from connectors.asperion.tests.conftest import asperion_connection
    from connectors.feeddex.tests.conftest import feeddex_connection
    from connectors.tests.fault_run import ERROR_RATE, client_limit, fault_run
    from tenants.models import Tenant

    tenant = Tenant.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}")
    asperion = asperion_connection(site, tenant)
    feeddex = feeddex_connection(site, tenant)
    made = asperion.seed(articles=records, variant_share=0.0)  # every article is a product
    asperion.set_knobs(rate_per_second=10, burst=20, error_rate=ERROR_RATE)
    asperion.configure(**client_limit(per_second=10, burst=20))
    feeddex.set_knobs(rate_per_second=20, burst=10, error_rate=ERROR_RATE)
    feeddex.configure(**client_limit(per_second=20, burst=10))
    print(f"{made['articles']} articles seeded; {ERROR_RATE:.0%} of calls fail with 500/503")
    figures = fault_run(asperion=asperion.connection, feeddex=feeddex.connection)
    for line in figures.lines():
        print(line)
    for reason in figures.rejected[:5] + figures.failed[:5]:
        print("  ", reason)
    return 0 if figures.accounted == figures.articles and not figures.failed else 1


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
