"""Reading the dashboard page in tests: console capture, data tables, filters, screenshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dashboard_marts as marts_fixture
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from softcart.core.settings import Settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class Console:
    """What the page said: console messages and uncaught errors."""

    messages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [text for kind, text in self.messages if kind in ("error", "pageerror")]


@dataclass
class Dashboard:
    page: Page
    console: Console

    def open(self, index: Path, fragment: str = "") -> Page:
        self.page.goto(index.as_uri() + fragment)
        self.wait_ready()
        return self.page

    def wait_ready(self) -> None:
        """Wait until the page's script has rendered everything (it sets body[data-ready])."""
        try:
            self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=15_000)
        except PlaywrightTimeoutError:
            raise AssertionError(f"the page never got ready; console: {self.console.messages}") from None

    def rows(self, table_id: str) -> list[dict[str, str]]:
        return self.page.eval_on_selector_all(
            f"#{table_id} tbody tr", "rows => rows.map(r => ({...r.dataset}))"
        )

    def kpis(self) -> dict[str, str]:
        pairs = self.page.eval_on_selector_all(
            ".kpi", "els => els.map(e => [e.dataset.kpi, e.dataset.value])"
        )
        return dict(pairs)

    def choose(self, name: str, value: str) -> None:
        self.page.select_option(f"#filter-{name}", value)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path


def query(settings: Settings, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with marts_fixture.connect(settings) as conn:
        return conn.execute(sql, params).fetchall()
