"""The dashboard in a real headless browser (Debian's chromium), against a real PostgreSQL.

Every figure read from the page is compared with the same figure queried independently from the
test database's marts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import dashboard_marts as marts_fixture
from dashboard_page import Dashboard, query

from dashboards.cli import main
from softcart.core.settings import Settings

CHARTS = ("monthly", "category", "item", "country")
ALL = "all"


def build(settings: Settings, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    assert main(settings, out=out, serve=False, port=0) == 0
    return out / "index.html"


def where(year: str = ALL, category: str = ALL, source: str = ALL) -> tuple[str, list[object]]:
    clauses: list[str] = ["true"]
    params: list[object] = []
    if year != ALL:
        clauses.append("d.year = %s")
        params.append(int(year))
    if category != ALL:
        clauses.append("c.category_name = %s")
        params.append(category)
    if source != ALL:
        clauses.append("f.source_system = %s")
        params.append(source)
    return " and ".join(clauses), params


FROM = """
from marts.fct_sales f
join marts.dim_date d on d.date_key = f.date_key
join marts.dim_category c on c.category_key = f.category_key
join marts.dim_country co on co.country_key = f.country_key
join marts.dim_item i on i.item_key = f.item_key
"""


def cents(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def expected_monthly(settings: Settings, **filters: str) -> dict[int, Decimal]:
    cond, params = where(**filters)
    rows = query(settings, f"select d.month, sum(f.amount) {FROM} where {cond} group by d.month", params)
    return {m: cents(rows_dict) for m, rows_dict in rows}


def expected_by(settings: Settings, column: str, **filters: str) -> dict[str, Decimal]:
    cond, params = where(**filters)
    rows = query(settings, f"select {column}, sum(f.amount) {FROM} where {cond} group by 1", params)
    return {name: cents(total) for name, total in rows}


def expected_item_quarters(settings: Settings, item: str, **filters: str) -> dict[int, Decimal]:
    cond, params = where(**filters)
    rows = query(
        settings,
        f"select d.quarter, sum(f.amount) {FROM} where {cond}"
        " and coalesce(nullif(i.item_type, ''), i.item_name) = %s group by 1",
        [*params, item],
    )
    return {q: cents(total) for q, total in rows}


def expected_kpis(settings: Settings, **filters: str) -> dict[str, str]:
    cond, params = where(**filters)
    [(revenue, orders, priced, countries)] = query(
        settings,
        f"select sum(f.amount), count(*), count(f.amount),"
        f" count(distinct f.country_key) filter (where f.country_key <> -1) {FROM} where {cond}",
        params,
    )
    # average order value in cents, rounded half up like the page's Math.round
    aov = (cents(revenue) * 100 / priced).to_integral_value(ROUND_HALF_UP) / 100 if priced else Decimal(0)
    return {
        "revenue": str(cents(revenue)),
        "orders": str(orders),
        "aov": str(aov.quantize(Decimal("0.01"))),
        "countries": str(countries),
    }


def page_monthly(d: Dashboard, year: int) -> dict[int, Decimal]:
    return {int(r["month"]): Decimal(r["value"]) for r in d.rows("table-monthly") if int(r["year"]) == year}


def page_by(d: Dashboard, table: str, key: str) -> dict[str, Decimal]:
    return {r[key]: Decimal(r["value"]) for r in d.rows(table)}


def page_item_quarters(d: Dashboard) -> dict[int, Decimal]:
    return {int(r["quarter"]): Decimal(r["value"]) for r in d.rows("table-item")}


def nonzero(figures: dict[int, Decimal]) -> dict[int, Decimal]:
    return {k: v for k, v in figures.items() if v != 0}


def assert_figures_match(d: Dashboard, settings: Settings, year: str, category: str, source: str) -> None:
    f = {"year": year, "category": category, "source": source}
    assert d.kpis() == expected_kpis(settings, **f)
    assert nonzero(page_monthly(d, int(year))) == expected_monthly(settings, **f)
    assert page_by(d, "table-category", "category") == expected_by(settings, "c.category_name", **f)
    assert page_by(d, "table-country", "country") == expected_by(settings, "co.country_name", **f)
    item = d.page.input_value("#filter-item")
    assert nonzero(page_item_quarters(d)) == expected_item_quarters(settings, item, **f)


def assert_charts_render(d: Dashboard) -> None:
    for name in CHARTS:
        canvas = d.page.locator(f"#chart-{name}")
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 200, (name, box)
        painted = d.page.evaluate(
            """id => {
                const c = document.getElementById(id);
                const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) { n++; } }
                return n;
            }""",
            f"chart-{name}",
        )
        assert painted > 2000, f"chart {name} painted only {painted} pixels"
        datasets = d.page.evaluate(
            "id => Chart.getChart(document.getElementById(id)).data.datasets[0].data.length", f"chart-{name}"
        )
        assert datasets > 0, name


def test_page_loads_renders_every_chart_and_shows_the_warehouse_figures(
    marts: Settings, tmp_path: Path, dashboard: Dashboard
) -> None:
    page = dashboard.open(build(marts, tmp_path))

    assert dashboard.console.errors == []
    assert page.get_attribute("body", "data-empty") == "false"
    assert page.is_hidden("#empty-state")
    assert_charts_render(dashboard)
    # defaults: the latest year, every source and category, the mobile-phone item
    assert page.input_value("#filter-year") == "2021"
    assert page.input_value("#filter-source") == ALL
    assert page.input_value("#filter-item") == "smart phone"
    assert_figures_match(dashboard, marts, year="2021", category=ALL, source=ALL)
    assert len(dashboard.rows("table-monthly")) == 12
    assert len(dashboard.rows("table-item")) == 4
    # no ingestion run recorded in this database
    assert page.get_attribute("#health-last-run", "data-state") == "none"
    assert "No ingestion run yet" in page.inner_text("#health-last-run")
    assert dashboard.screenshot("dashboard.png").stat().st_size > 10_000


def test_filters_change_the_figures(marts: Settings, tmp_path: Path, dashboard: Dashboard) -> None:
    dashboard.open(build(marts, tmp_path))
    before = dashboard.kpis()

    dashboard.choose("year", "2020")
    after_year = dashboard.kpis()
    assert after_year != before
    assert_figures_match(dashboard, marts, year="2020", category=ALL, source=ALL)

    dashboard.choose("category", "Books")
    assert dashboard.kpis() != after_year
    # the item list follows the category: only the books' items remain
    options = dashboard.page.eval_on_selector_all("#filter-item option", "os => os.map(o => o.value)")
    assert options == ["Fiction"]
    assert set(page_by(dashboard, "table-category", "category")) == {"Books"}
    assert_figures_match(dashboard, marts, year="2020", category="Books", source=ALL)

    dashboard.choose("source", "course_factsales")
    dashboard.choose("category", ALL)
    dashboard.page.select_option("#filter-item", "laptop")
    assert_figures_match(dashboard, marts, year="2020", category=ALL, source="course_factsales")

    dashboard.choose("year", ALL)
    # all years: one line per year, one bar per quarter of each year
    assert {r["year"] for r in dashboard.rows("table-monthly")} == {"2020", "2021"}
    assert len(dashboard.rows("table-item")) == 8
    assert dashboard.kpis()["revenue"] == expected_kpis(marts, source="course_factsales")["revenue"]
    # the state is in the URL: reopening the link shows the same view
    url = dashboard.page.url
    assert "source=course_factsales" in url and "year=all" in url
    dashboard.page.goto("about:blank")
    dashboard.page.goto(url)
    dashboard.wait_ready()
    assert dashboard.page.input_value("#filter-source") == "course_factsales"
    assert dashboard.console.errors == []
    dashboard.screenshot("dashboard-filtered.png")


def test_empty_marts_show_the_empty_state(
    empty_marts: Settings, tmp_path: Path, dashboard: Dashboard
) -> None:
    page = dashboard.open(build(empty_marts, tmp_path))

    assert dashboard.console.errors == []
    assert page.get_attribute("body", "data-empty") == "true"
    assert page.is_visible("#empty-state")
    assert "No sales" in page.inner_text("#empty-state")
    assert page.is_hidden("#dashboard")
    assert page.is_visible("#health")
    assert "No ingestion run yet" in page.inner_text("#health-last-run")
    dashboard.screenshot("dashboard-empty.png")


def test_course_ecommerce_figures_for_2020(
    marts: Settings, capstone: Path, tmp_path: Path, dashboard: Dashboard
) -> None:
    """With the course's ecommerce.csv in fct_sales (source 'ecommerce'), the three charts show the
    course's 2020 figures, computed here straight from the file."""
    import csv

    with marts_fixture.connect(marts) as conn:
        lines = marts_fixture.load_ecommerce(conn, capstone / "ecommerce.csv")
    monthly: dict[int, Decimal] = {}
    by_category: dict[str, Decimal] = {}
    mobile: dict[int, Decimal] = {}
    with (capstone / "ecommerce.csv").open(newline="", encoding="utf-8-sig") as f:
        for rec in csv.DictReader(f):
            assert rec["year"] == "2020"
            price = Decimal(rec["price"])
            month = int(rec["month"])
            monthly[month] = monthly.get(month, Decimal(0)) + price
            by_category[rec["category"]] = by_category.get(rec["category"], Decimal(0)) + price
            if rec["item"] == "Mobile":
                mobile[int(rec["quarter"])] = mobile.get(int(rec["quarter"]), Decimal(0)) + price
    assert lines == 68_003

    page = dashboard.open(build(marts, tmp_path))
    assert "ecommerce" in page.eval_on_selector_all("#filter-source option", "os => os.map(o => o.value)")
    dashboard.choose("source", "ecommerce")
    dashboard.choose("year", "2020")
    assert page.input_value("#filter-item") == "mobile"  # the course's "mobile phones"

    assert page_monthly(dashboard, 2020) == {m: v.quantize(Decimal("0.01")) for m, v in monthly.items()}
    assert page_by(dashboard, "table-category", "category") == {
        k: v.quantize(Decimal("0.01")) for k, v in by_category.items()
    }
    assert page_item_quarters(dashboard) == {q: v.quantize(Decimal("0.01")) for q, v in mobile.items()}
    assert dashboard.kpis()["revenue"] == "23323669.00"
    assert dashboard.kpis()["orders"] == "68003"
    assert dashboard.console.errors == []
    assert_charts_render(dashboard)
    dashboard.screenshot("dashboard-ecommerce-2020.png")


def test_health_panel_shows_the_last_ingestion_run(
    marts: Settings, tmp_path: Path, dashboard: Dashboard
) -> None:
    from ingest.bootstrap import apply_warehouse_schemas

    apply_warehouse_schemas(marts)  # the run log as ingest/ creates it (idempotent)
    with marts_fixture.connect(marts) as conn:
        runs = []
        for started, rejected in (("2026-01-01 10:00:00+00", 2), ("2026-01-02 10:00:00+00", 3)):
            [(run_id,)] = conn.execute(
                "insert into softcart_meta.ingest_runs"
                " (started_at, ended_at, status, rows_read, rows_written, rows_rejected)"
                " values (%s, %s::timestamptz + interval '5 seconds', 'succeeded', 100, %s, %s)"
                " returning run_id",
                (started, started, 100 - rejected, rejected),
            ).fetchall()
            runs.append(run_id)
            conn.execute(
                "insert into softcart_meta.ingest_stream_runs (run_id, stream, status, rows_read,"
                " rows_written, rows_rejected) values (%s, 'mysql_sales__sales_data', 'succeeded', 100, %s, %s)",
                (run_id, 100 - rejected, rejected),
            )
            for n in range(rejected):
                conn.execute(
                    "insert into softcart_meta.ingest_rejects (stream, key, reason, payload, run_id)"
                    " values ('mysql_sales__sales_data', %s, 'zero date', '{}'::jsonb, %s)",
                    (str(n), run_id),
                )
        conn.execute(
            "insert into raw.files__dim_category (categoryid, category, _softcart_run_id, _softcart_loaded_at)"
            " values (1, 'Electronics', %s, '2026-01-02 10:00:03+00')",
            (runs[-1],),
        )

    page = dashboard.open(build(marts, tmp_path))

    assert page.get_attribute("#health-last-run", "data-state") == "run"
    assert page.get_attribute("#health-last-run", "data-run-id") == str(runs[-1])
    assert "succeeded" in page.inner_text("#health-last-run")
    assert page.get_attribute("#health-rejects", "data-last-run") == "3"
    assert page.get_attribute("#health-rejects", "data-total") == "5"
    fresh = {r["table"]: r for r in dashboard.rows("table-freshness")}
    assert fresh["raw.files__dim_category"]["loadedAt"].startswith("2026-01-02 10:00:03")
    assert fresh["raw.files__dim_category"]["source"] == "files"
    # a raw table that never received rows says so
    assert fresh["raw.mysql_sales__sales_data"]["loadedAt"] == ""
    assert page.is_visible("#health-streams-box")
    assert dashboard.console.errors == []
    dashboard.screenshot("dashboard-health.png")


def test_served_page_works_over_http(marts: Settings, tmp_path: Path, dashboard: Dashboard) -> None:
    """`--serve` serves the same folder: the page loads over http with no error (not even a favicon 404)."""
    import threading

    from dashboards.serve import make_server

    index = build(marts, tmp_path)
    server = make_server(index.parent, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dashboard.page.unroute("**/*")
        dashboard.page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        dashboard.wait_ready()
        assert dashboard.console.errors == []
        assert dashboard.kpis() == expected_kpis(marts, year="2021")
    finally:
        server.shutdown()
        server.server_close()
