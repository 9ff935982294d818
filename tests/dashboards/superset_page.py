"""Superset in a browser, as a user works with it: log in, open a dashboard, read what each chart
shows (or the error it shows), apply a native filter, save a chart from the explore view."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page

# every chart holder of the dashboard has its chart (by name and type) and is loaded: no spinner left
_ALL_LOADED = """() => {
    const holders = [...document.querySelectorAll('.dashboard-component-chart-holder')];
    return holders.length > 0 && holders.every(h =>
        h.querySelector('[data-test-viz-type]') &&
        !h.querySelector('[aria-label="Loading"], .loading, [data-test="loading-indicator"]') &&
        (h.querySelector('canvas, svg, table, [role="alert"]') || /\\d/.test(h.innerText)));
}"""

_CHARTS = """() => [...document.querySelectorAll('.dashboard-component-chart-holder')].map(h => {
    const chart = h.querySelector('[data-test-viz-type]');
    const alert = h.querySelector('[role="alert"], .ant-alert-error');
    return {
        name: h.querySelector('[data-test-chart-name]')?.getAttribute('data-test-chart-name'),
        viz: chart?.getAttribute('data-test-viz-type'),
        id: Number(h.querySelector('[data-test-chart-id]')?.getAttribute('data-test-chart-id')),
        drawn: !!h.querySelector('canvas, svg, table') || /\\d/.test(h.innerText),
        error: alert ? alert.innerText : null,
        text: h.innerText,
    };
})"""


@dataclass(frozen=True)
class ChartView:
    name: str
    viz: str
    id: int
    drawn: bool
    error: str | None
    text: str

    def number(self) -> str:
        """A big number's figure as shown (``36,644,246.00``): the line after the title."""
        lines = [line.strip() for line in self.text.splitlines() if line.strip()]
        return lines[-1]  # after the title, and the count of filters applied when there are


def login(page: Page, base_url: str, user: str, password: str, attempts: int = 3) -> None:
    """Log in through the form. On a loaded machine the form can be posted before the page's
    scripts settled (Superset answers with the login page again): the form is filled anew, up to
    ``attempts`` times; a wrong password fails every attempt."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, attempts + 1):
        page.goto(f"{base_url}/login/")
        page.wait_for_load_state("networkidle")
        page.fill("#username", user)
        page.fill("#password", password)
        page.keyboard.press("Enter")
        try:
            page.wait_for_url("**/superset/welcome/**", timeout=60_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts:
                raise


# the big number chart ``name`` shows a figure (``36,644,246.00``) as its last line
_FIGURE_SHOWN = """(name) => {
    const h = [...document.querySelectorAll('.dashboard-component-chart-holder')].find(h =>
        h.querySelector('[data-test-chart-name]')?.getAttribute('data-test-chart-name') === name);
    const lines = h ? h.innerText.split('\\n').map(s => s.trim()).filter(Boolean) : [];
    return lines.length > 0 && /^-?[\\d,]+(\\.\\d+)?$/.test(lines[lines.length - 1]);
}"""


def big_number(page: Page, name: str, attempts: int = 2) -> str:
    """The figure a big number chart shows, once it shows one. On a loaded machine a chart's query
    can fail or time out (Superset then shows an error in its place): the page is reloaded, up to
    ``attempts`` times; a chart that never shows a figure fails with what it showed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, attempts + 1):
        try:
            page.wait_for_function(_FIGURE_SHOWN, arg=name, polling=500, timeout=60_000)
            return charts(page)[name].number()
        except PlaywrightTimeout:
            if attempt == attempts:
                raise AssertionError(f"{name} shows no figure: {charts(page).get(name)}") from None
            page.reload()
            wait_loaded(page)
    raise AssertionError("unreachable")


def wait_loaded(page: Page) -> None:
    page.wait_for_function(_ALL_LOADED, polling=500)


def open_dashboard(page: Page, base_url: str, slug: str) -> dict[str, ChartView]:
    page.goto(f"{base_url}/superset/dashboard/{slug}/")
    wait_loaded(page)
    return charts(page)


def charts(page: Page) -> dict[str, ChartView]:
    return {c["name"]: ChartView(**c) for c in page.evaluate(_CHARTS)}


def apply_native_filter(page: Page, label: str, value: str) -> None:
    """Pick ``value`` in the filter bar's ``label`` filter, then Apply filters."""
    item = page.locator(
        ".ant-form-item", has=page.locator('[data-test="filter-control-name"]', has_text=label)
    )
    item.locator(".ant-select").first.click()
    page.locator(".ant-select-item-option", has_text=value).first.click()
    page.keyboard.press("Escape")
    page.locator('[data-test="filterbar-action-buttons"] button', has_text="Apply filters").click()
    # the charts reload with the filter
    page.wait_for_timeout(500)
    wait_loaded(page)


def create_chart(page: Page, base_url: str, dataset_id: int, metric: str, dimension: str, name: str) -> int:
    """What a BI user does for a new chart: open the dataset in the chart builder (a table chart),
    pick a saved metric and a dimension from their lists, run it, save it under ``name``. Returns
    the new chart's id."""
    page.goto(f"{base_url}/explore/?datasource_type=table&datasource_id={dataset_id}")
    page.locator('[data-test="run-query-button"]').wait_for()
    page.get_by_text("Drop columns/metrics here or click").first.click()
    popover = page.locator('[data-test="metrics-edit-popover"]')
    popover.get_by_role("tab", name="Saved").click()
    popover.locator(".ant-select").click()
    page.locator(".ant-select-item-option", has_text=metric).first.click()
    popover.locator('[data-test="AdhocMetricEdit#save"]').click()
    popover.wait_for(state="hidden")  # closed before the next popover opens (two are visible else)
    page.get_by_text("Drop columns here or click").first.click()
    column = page.locator(".ant-popover:visible").last
    column.get_by_role("tab", name="Simple").click()
    column.locator(".ant-select").first.click()
    page.locator(".ant-select-item-option:visible", has_text=dimension).first.click()
    column.get_by_role("button", name="Save").click()
    page.locator('[data-test="run-query-button"]').click()
    page.locator('.chart-container table, [data-test="chart-container"] table').first.wait_for()
    page.locator('[data-test="query-save-button"]:not([disabled])').click()
    page.locator('[data-test="new-chart-name"]').fill(name)
    page.locator('[data-test="btn-modal-save"]').click()
    page.wait_for_url("**slice_id=**")
    return int(page.url.split("slice_id=")[1].split("&")[0])
