"""Fixtures of the dashboard tests: marts with known data, and Debian's chromium under Playwright.

The browser is the system's ``/usr/bin/chromium`` (``scripts/install_chromium.sh``); Playwright's own
browser downloads are never used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dashboard_marts as marts_fixture  # tests/dashboards/ is on sys.path (rootdir-less test dirs)
import pytest
from dashboard_page import Console, Dashboard
from playwright.sync_api import Browser, ConsoleMessage, sync_playwright

from softcart.core.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# module scope: Playwright's event loop lives only while the browser tests run, never beside
# other areas' tests
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} missing: run scripts/install_chromium.sh (as root)"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def dashboard(browser: Browser) -> Iterator[Dashboard]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console = Console()

    def on_console(msg: ConsoleMessage) -> None:
        console.messages.append((msg.type, msg.text))

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.messages.append(("pageerror", str(exc))))
    # the page must need nothing from the network: fail any request that is not a local file
    page.route(
        "**/*",
        lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_(),
    )
    yield Dashboard(page, console)
    context.close()


@pytest.fixture
def empty_marts(isolated: Settings) -> Settings:
    """The marts exist (as dbt builds them) but hold no sales."""
    with marts_fixture.connect(isolated) as conn:
        marts_fixture.create_marts(conn)
    return isolated


@pytest.fixture
def marts(empty_marts: Settings) -> Settings:
    """The marts with 1,500 known sales over 2020-2021 from two source systems."""
    with marts_fixture.connect(empty_marts) as conn:
        marts_fixture.seed_sales(conn)
    return empty_marts
