"""How long the dashboard's slowest pages take in a real browser, for the demo company.

Starts the web server (with both sandboxes) on a free port, sets up the demo company and runs
each of its flows twice so that the pages have history, then signs in with Chromium and
loads each page three times: sign-in (from the click to the overview), /flows/, the products
flow's settings, and the mapping editor with no samples cached (its first load). Prints the
median of each in milliseconds (navigation start to the load event).

usage: python bench/dashboard_pages.py   (DATABASE_URL / REDIS_URL as for the app)
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
ROUNDS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str) -> None:
    import httpx

    for _ in range(300):
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def prepare(base: str) -> tuple[str, str, dict[str, str]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apicenter.settings")
    os.environ["SITE_URL"] = base
    # Playwright keeps an event loop in this thread; the ORM calls between pages are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from flows import services
    from flows.models import Flow, FlowRun, Trigger

    call_command("migrate", verbosity=0)
    call_command("demo_setup")
    password = (settings.VAR_DIR / "demo_password").read_text().strip()
    flows = Flow.objects.filter(tenant__memberships__user__email="demo@example.com")
    for flow in flows.distinct():
        for _ in range(2):
            run = FlowRun.objects.create(tenant=flow.tenant, flow=flow, trigger=Trigger.MANUAL)
            while services.run_execute(run.pk) == "continued":
                pass
    products = flows.get(kind="products")
    pages = {
        "overview (after sign-in)": "/",
        "/flows/": "/flows/",
        "flow settings": f"/flows/{products.pk}/settings/",
        "mapping editor, first load": f"/flows/{products.pk}/mapping/",
    }
    return "demo@example.com", password, pages


def forget_samples() -> None:
    from django.core.cache import cache

    from dashboard.samples import cache_key
    from flows.models import Flow

    for flow in Flow.objects.all():
        cache.delete(cache_key(flow))


def navigation_ms(page) -> float:
    return float(
        page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n.loadEventEnd - n.startTime; }"
        )
    )


def measure(base: str, email: str, password: str, pages: dict[str, str]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, list[float]] = {"sign-in": [], **{name: [] for name in pages}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for _ in range(ROUNDS):
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "/accounts/login/")
            page.locator("input[name=username]").fill(email)
            page.locator("input[name=password]").fill(password)
            started = time.monotonic()
            page.locator("form button[type=submit]").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            page.wait_for_load_state("load")
            figures["sign-in"].append((time.monotonic() - started) * 1000)
            for name, path in pages.items():
                if "first load" in name:
                    forget_samples()
                page.goto(base + path)
                figures[name].append(navigation_ms(page))
            context.close()
        browser.close()
    return {name: statistics.median(values) for name, values in figures.items()}


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SITE_URL": base}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=os.getcwd(),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(base + "/accounts/login/")
        email, password, pages = prepare(base)
        for name, ms in measure(base, email, password, pages).items():
            print(f"{name:32} {ms:8.0f} ms")
        load = os.getloadavg()
        print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
