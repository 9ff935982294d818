"""The dashboards end to end: a warehouse built by ``softcart run`` (the course's ecommerce.csv among
a small generated dataset), published to Superset by the pipeline's bi step, read through Superset's
API and in Chromium as a BI user would: log in, open every dashboard, filter, build a chart; then a
second pipeline run with a new sale, shown after the refresh."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import Page

from softcart.core.connections import mysql_connect, postgres_connect
from softcart.core.credentials import superset_admin
from softcart.core.settings import Settings
from softcart.dashboards.superset_sync import SupersetClient, bundle_dir, installation_neutral
from softcart.warehouse.dbt_runner import target_dir
from tests.dashboards.conftest import PIPELINE_STEPS, BiWarehouse, screenshot
from tests.dashboards.superset_page import (
    apply_native_filter,
    big_number,
    charts,
    create_chart,
    login,
    open_dashboard,
    wait_loaded,
)
from tests.softcart_cli import softcart

CENT = Decimal("0.01")


def course_figures(path: Path) -> tuple[dict[int, Decimal], dict[str, Decimal], dict[int, Decimal]]:
    """Month-wise and category-wise totals, and mobile phones by quarter, straight from the file."""
    monthly: dict[int, Decimal] = defaultdict(Decimal)
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    mobile: dict[int, Decimal] = defaultdict(Decimal)
    with path.open(newline="", encoding="utf-8-sig") as f:
        for rec in csv.DictReader(f):
            assert rec["year"] == "2020"
            price = Decimal(rec["price"]).quantize(CENT)
            monthly[int(rec["month"])] += price
            by_category[rec["category"]] += price
            if rec["item"] == "Mobile":
                mobile[int(rec["quarter"])] += price
    return dict(monthly), dict(by_category), dict(mobile)


def money(value: Any) -> Decimal:
    return Decimal(repr(value)).quantize(CENT)


def warehouse(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with postgres_connect(settings, "softcart-test") as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def source(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def dashboard_charts(client: SupersetClient, slug: str) -> dict[str, int]:
    return {c["slice_name"]: c["id"] for c in client.get(f"/api/v1/dashboard/{slug}/charts")["result"]}


def committed_charts(dashboard: str) -> set[str]:
    """The chart names the committed dashboard YAML places."""
    doc = yaml.safe_load((bundle_dir_path() / "dashboards" / f"{dashboard}.yaml").read_text())
    return {
        v["meta"]["sliceName"]
        for v in doc["position"].values()
        if isinstance(v, dict) and v.get("type") == "CHART"
    }


def bundle_dir_path() -> Path:
    return Path(__file__).resolve().parents[2] / "softcart" / "dashboards" / "superset" / "bundle"


def test_the_pipeline_published_the_dashboards(bi_warehouse: BiWarehouse) -> None:
    assert (
        "ok bi: 6 datasets from the dbt manifest, 20 charts, 4 dashboards imported into"
        in bi_warehouse.first_run
    )
    assert bundle_dir(bi_warehouse.settings) == bundle_dir_path()
    with SupersetClient.admin(bi_warehouse.settings) as client:
        dashboards = {
            d["slug"]: d["dashboard_title"] for d in client.list_all("dashboard", ["slug", "dashboard_title"])
        }
        assert {"module-4", "sales", "data-health", "stock"} <= set(dashboards)
        assert "Module 4" in dashboards["module-4"]
        urls = {d["slug"]: d["url"] for d in client.list_all("dashboard", ["slug", "url"])}
    # each dashboard is a dbt exposure whose URL opens it on this Superset (the browser tests open these)
    manifest = json.loads((target_dir(bi_warehouse.settings) / "manifest.json").read_text())
    exposed = {e["url"] for e in manifest["exposures"].values() if e["type"] == "dashboard"}
    base = bi_warehouse.settings.superset.raw.rstrip("/")
    assert exposed == {base + urls[slug] for slug in ("module-4", "sales", "data-health", "stock")}


def test_module_4_charts_hold_the_course_figures(bi_warehouse: BiWarehouse, capstone: Path) -> None:
    monthly, by_category, mobile = course_figures(capstone / "ecommerce.csv")
    with SupersetClient.admin(bi_warehouse.settings) as client:
        charts = dashboard_charts(client, "module-4")
        assert set(charts) == committed_charts("module_4")
        data = {name: client.chart_data(chart_id) for name, chart_id in charts.items()}
    line = data["Month-wise total sales (ecommerce, 2020)"]
    assert {int(r["month"]): money(r["revenue"]) for r in line} == monthly
    pie = data["Category-wise total sales (ecommerce, 2020)"]
    assert {r["category_name"]: money(r["revenue"]) for r in pie} == by_category
    bar = data["Quarterly sales of mobile phones (ecommerce, 2020)"]
    assert {int(r["quarter"]): money(r["revenue"]) for r in bar} == mobile


def _bi_backends(settings: Settings) -> set[int]:
    sql = (
        "select pid from pg_stat_activity"
        f" where usename = '{settings.postgres_bi_user}' and datname = '{settings.postgres.database}'"
    )
    return {pid for (pid,) in warehouse(settings, sql)}


def test_chart_queries_reuse_the_warehouse_connection(bi_warehouse: BiWarehouse) -> None:
    """Superset keeps its warehouse connection open between chart queries (superset_config.py's
    pool; Superset alone opens and closes one per query): the same backend serves them all, and the
    queries' results are still the warehouse's."""
    settings = bi_warehouse.settings
    with SupersetClient.admin(settings) as client:
        chart_id = dashboard_charts(client, "sales")["Revenue"]
        client.get(f"/api/v1/chart/{chart_id}/data/")
        kept = _bi_backends(settings)
        assert len(kept) == 1, kept
        for _ in range(3):
            (row,) = client.get(f"/api/v1/chart/{chart_id}/data/")["result"][0]["data"]
        assert _bi_backends(settings) == kept
    (revenue,) = warehouse(settings, "select sum(amount) from marts.fct_sales")[0]
    assert money(next(iter(row.values()))) == Decimal(revenue).quantize(CENT)


def _log_in(page: Page, settings: Settings) -> str:
    base = settings.superset.raw.rstrip("/")
    login(page, base, *superset_admin(settings))
    return base


def test_every_dashboard_renders_every_chart_with_the_warehouse_figures(
    bi_warehouse: BiWarehouse, page: Page
) -> None:
    settings = bi_warehouse.settings
    base = _log_in(page, settings)
    dashboards = (
        ("module-4", "module_4"),
        ("sales", "sales"),
        ("data-health", "data_health"),
        ("stock", "stock"),
    )
    for slug, name in dashboards:
        shown = open_dashboard(page, base, slug)
        screenshot(page, f"superset-{slug}.png")
        assert set(shown) == committed_charts(name), slug
        failed = {n: c.error for n, c in shown.items() if c.error or not c.drawn}
        assert failed == {}, slug
        if slug == "sales":
            revenue, count = warehouse(settings, "select sum(amount), count(*) from marts.fct_sales")[0]
            assert shown["Revenue"].number() == f"{revenue:,.2f}"
            assert shown["Sales"].number() == f"{count:,}"
        if slug == "data-health":
            (run_id,) = warehouse(settings, "select max(run_id) from softcart_meta.ingest_runs")[0]
            assert re.search(rf"^{run_id}\s+succeeded", shown["Last ingestion runs"].text, re.M)
        if slug == "stock":  # the stock the generator wrote, as MySQL holds it
            (on_hand,) = source(settings, "select sum(on_hand) from inventory")[0]
            assert on_hand > 0 and shown["Units on hand"].number() == f"{on_hand:,}"


def test_a_native_filter_narrows_the_sales_dashboard(bi_warehouse: BiWarehouse, page: Page) -> None:
    settings = bi_warehouse.settings
    base = _log_in(page, settings)
    before = open_dashboard(page, base, "sales")
    apply_native_filter(page, "Source", "ecommerce")
    after = charts(page)
    (ecommerce,) = warehouse(
        settings, "select sum(amount) from marts.fct_sales where source_system = 'ecommerce'"
    )[0]
    assert after["Revenue"].number() == f"{ecommerce:,.2f}" != before["Revenue"].number()
    screenshot(page, "superset-sales-filtered.png")


def test_a_bi_user_builds_a_new_chart(bi_warehouse: BiWarehouse, page: Page) -> None:
    settings = bi_warehouse.settings
    base = _log_in(page, settings)
    with SupersetClient.admin(settings) as client:
        datasets = {d["table_name"]: d["id"] for d in client.list_all("dataset", ["id", "table_name"])}
        chart_id = create_chart(
            page, base, datasets["bi_sales"], "Revenue", "category_name", "Revenue by category"
        )
        screenshot(page, "superset-new-chart.png")
        rows = client.chart_data(chart_id)
    expected = warehouse(
        settings,
        "select c.category_name, sum(f.amount) from marts.fct_sales f"
        " join marts.dim_category c on c.category_key = f.category_key group by 1",
    )
    assert {r["category_name"]: money(r["revenue"]) for r in rows} == {k: v for k, v in expected}


def test_new_sales_show_after_the_next_run(bi_warehouse: BiWarehouse, page: Page) -> None:
    settings = bi_warehouse.settings
    base = _log_in(page, settings)
    open_dashboard(page, base, "sales")
    before = big_number(page, "Revenue")
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into sales_data (product_id, customer_id, price, quantity, `timestamp`)"
            " select product_id, customer_id, 1234.56, 3, now() from sales_data limit 1"
        )
        conn.commit()
    # ingest, reconcile, dbt, bi: what the next scheduled run does with the new sale
    done = softcart(settings, "run", *(f"--step={s}" for s in PIPELINE_STEPS[2:]))
    assert done.returncode == 0, done.stderr[-4000:]
    assert "moved 1 rows" in done.stderr
    assert "ok dbt: incremental build" in done.stderr
    assert "ok bi: " in done.stderr  # an external Superset (the test's): imported every run
    page.reload()
    wait_loaded(page)
    after = big_number(page, "Revenue")
    (revenue,) = warehouse(settings, "select sum(amount) from marts.fct_sales")[0]
    assert after == f"{revenue:,.2f}"
    assert Decimal(after.replace(",", "")) - Decimal(before.replace(",", "")) == Decimal("3703.68")


def test_the_committed_bundle_is_what_superset_exports(bi_warehouse: BiWarehouse) -> None:
    """Exporting from the UI and committing is the way to change a dashboard: Superset's export of
    every imported dashboard equals the committed YAML, file by file (matched by uuid), but for the
    numbers each installation assigns (chart and dataset ids)."""
    committed: dict[str, tuple[str, dict[str, Any]]] = {}
    for folder in ("charts", "dashboards"):
        for path in sorted((bundle_dir_path() / folder).glob("*.yaml")):
            doc = yaml.safe_load(path.read_text())
            committed[str(doc["uuid"])] = (f"{folder}/{path.name}", doc)
    with SupersetClient.admin(bi_warehouse.settings) as client:
        ids = [d["id"] for d in client.list_all("dashboard", ["id", "uuid"]) if str(d["uuid"]) in committed]
        files = client.export_dashboards(ids)
    exported: dict[str, dict[str, Any]] = {}
    for name, content in files.items():
        if name.startswith(("charts/", "dashboards/")):
            doc = yaml.safe_load(content)
            exported[str(doc["uuid"])] = doc
    # every committed chart and dashboard is exported, nothing else is
    assert {committed[u][0] for u in exported} == {name for name, _ in committed.values()}
    for uuid, (name, doc) in committed.items():
        assert installation_neutral(exported[uuid]) == installation_neutral(doc), name
        # the committed text is Superset's own (key order and YAML style): a re-export changes nothing
        assert list(exported[uuid]) == list(doc), name


def test_the_stock_dashboard_follows_the_inventory(bi_warehouse: BiWarehouse, page: Page) -> None:
    """Stock taken to 0 in MySQL (two products sold out, one restocked after touching 0) shows on
    the stock charts after the next run, equal to the source's figures, in the API and the browser."""
    settings = bi_warehouse.settings
    products = [
        p for (p,) in source(settings, "select product_id from inventory order by product_id limit 3")
    ]
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        cur.execute("update inventory set on_hand = 0 where product_id in (%s, %s, %s)", products)
        conn.commit()
        cur.execute("update inventory set on_hand = 25 where product_id = %s", (products[2],))
        conn.commit()
    done = softcart(settings, "run", *(f"--step={s}" for s in PIPELINE_STEPS[2:]))
    assert done.returncode == 0, done.stderr[-4000:]
    [(on_hand, out_of_stock, to_reorder)] = source(
        settings, "select sum(on_hand), sum(on_hand = 0), sum(on_hand <= reorder_level) from inventory"
    )
    assert (out_of_stock, to_reorder) == (2, 2)
    with SupersetClient.admin(settings) as client:
        charts = dashboard_charts(client, "stock")
        assert set(charts) == committed_charts("stock")
        data = {name: client.chart_data(chart_id) for name, chart_id in charts.items()}
    assert data["Units on hand"][0]["units_on_hand"] == on_hand
    assert data["Products out of stock"][0]["products_out_of_stock"] == 2
    assert data["Products to reorder"][0]["products_to_reorder"] == 2
    # today: three products touched 0 (a stockout), two ended the day at 0
    today = max(data["Stockouts per day"], key=lambda r: r["stock_date"])
    assert (today["stockout_days"], today["products_out_of_stock"]) == (3, 2)
    listed = {int(r["product_id"]): r["on_hand"] for r in data["Products to reorder today"]}
    assert listed == {products[0]: 0, products[1]: 0}
    shown = open_dashboard(page, _log_in(page, settings), "stock")
    screenshot(page, "superset-stock.png")
    assert {n: c.error for n, c in shown.items() if c.error or not c.drawn} == {}
    assert (shown["Units on hand"].number(), shown["Products out of stock"].number()) == (f"{on_hand:,}", "2")
