"""`softcart docs` in a real browser (the suite's ``page``, tests/conftest.py: Debian's chromium):
the site of the recorded production build opens on the project's overview, a model page shows
the model, the lineage graph opens without the tests, and an exposure's link opens its http page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page

from softcart.core.settings import Settings, load_settings
from softcart.warehouse.build_plan import production_state
from softcart.warehouse.docs_site import build_site, make_server
from tests.dbt.production import build_production

EXPOSURE_PAGE = "the consumer's page"


class _Consumer(BaseHTTPRequestHandler):
    """Stands in for whatever an exposure links to (a dashboard, a report): any path, one page."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = f"<html><body><h1>{EXPOSURE_PAGE}</h1></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def consumer() -> Iterator[str]:
    """An http server for the exposures to link to (their URLs are configuration)."""
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _Consumer)) as url:
        yield url


def lineage_nodes(page: Page) -> list[str]:
    """The unique ids of the nodes the full lineage graph shows (dbt-docs' graph service), once it
    shows the fact."""
    graph = "angular.element(document.body).injector().get('graph').graph.elements"
    page.wait_for_function(
        f"() => {graph}.some(e => e.data.unique_id === 'model.softcart.fct_sales')", timeout=60_000
    )
    ids: list[str] = page.evaluate(
        f"() => {graph}.filter(e => e.group === 'nodes').map(e => e.data.unique_id)"
    )
    return ids


def test_docs_site_of_production_in_a_browser(
    isolated: Settings, consumer: str, page: Page, tmp_path: Path
) -> None:
    # every exposure URL is configuration: point the ones the project reads at the test's server
    settings = load_settings(
        {**isolated.env, "SOFTCART_DBT_DASHBOARD_URL": consumer + "/", "SOFTCART_SUPERSET_URL": consumer}
    )
    build_production(settings, tmp_path / "dataset")
    state = production_state(settings)
    assert state is not None

    site = build_site(settings)
    assert site.production is not None and f"build {state.build_id}" in site.production
    shown = json.loads((site.folder / "manifest.json").read_text())
    assert shown["metadata"]["invocation_id"] == state.manifest["metadata"]["invocation_id"]  # type: ignore[index]
    exposures = [e for e in shown["exposures"].values() if e.get("url")]
    assert exposures, "no exposure with a URL"
    assert all(e["url"].startswith("http") for e in exposures), [e["url"] for e in exposures]
    exposure = exposures[0]

    context = page.context
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Not allowed to load" in msg.text else None)
    # nothing from the internet (fonts, analytics): the site must work from 127.0.0.1 alone
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith("http://127.0.0.1") else route.abort()
        ),
    )
    with serving(make_server(site.folder, 0)) as base:
        # the overview: the project's own (__overview__), not dbt's "Welcome!"
        page.goto(base + "/")
        page.get_by_role("heading", name="SoftCart warehouse").wait_for(timeout=60_000)
        assert page.get_by_text("How to change it").is_visible()

        # a model page: its description and columns
        page.goto(base + "/#!/model/model.softcart.dim_date")
        page.get_by_text("The calendar at day grain").first.wait_for(timeout=30_000)
        assert page.get_by_text("weekday_name").first.is_visible()

        # the full lineage (opened from its URL, as dbt-docs' lineage button sets it): models,
        # sources and exposures, no test
        page.goto(base + "/#!/overview?g_v=1")
        page.reload()  # a fresh load: the graph opens from the URL only when the app starts
        nodes = lineage_nodes(page)
        assert "model.softcart.fct_sales" in nodes
        assert exposure["unique_id"] in nodes
        assert any(n.startswith("source.softcart.") for n in nodes)
        assert not [n for n in nodes if n.startswith(("test.", "unit_test."))]

        # the exposure's link opens its page (http, not a blocked file:// URL)
        page.goto(base + f"/#!/exposure/{exposure['unique_id']}")
        page.reload()  # the fullscreen graph of the step before would cover the page
        link = page.get_by_role("link", name="View this exposure")
        assert link.get_attribute("href") == exposure["url"]
        with context.expect_page() as opened:
            link.click()
        target = opened.value
        target.wait_for_load_state()
        assert target.url == exposure["url"]
        assert target.get_by_role("heading", name=EXPOSURE_PAGE).is_visible()

    assert not errors, errors
