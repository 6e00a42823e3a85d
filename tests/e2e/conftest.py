"""Browser fixtures: Playwright driving Debian's Chromium against Django's live server.

Playwright cannot download its own browser here, so the system Chromium is launched by path.
Screenshots go to test-artifacts/ (ignored by git, kept by CI as artifacts).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser per module: Playwright's sync API keeps an event loop in this thread while
    it runs, so it must end before another module starts its own."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    # The live server runs in a thread while Playwright's event loop runs in this one.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Journey:
    """A browser page that records JavaScript errors and saves numbered screenshots."""

    def __init__(self, page: Any, base_url: str, folder: Path) -> None:
        self.page = page
        self.base_url = base_url
        self.folder = folder
        self.errors: list[str] = []
        self.shots = 0
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def shot(self, name: str) -> Path:
        self.shots += 1
        path = self.folder / f"{self.shots:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def journey(chromium: Any, live_server: Any, request: Any) -> Iterator[Journey]:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield Journey(page, live_server.url, folder)
    context.close()
