"""End to end, through the real chain: the course's ecommerce.csv is loaded, ingested, modelled by
dbt into the star schema, and the dashboard's three course charts show the file's 2020 figures."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from dashboard_page import Dashboard

from dashboards.cli import main as dashboard_main
from softcart.core.settings import Settings


def course_figures(path: Path) -> tuple[dict[int, Decimal], dict[str, Decimal], dict[int, Decimal]]:
    """Month-wise and category-wise totals, and mobile phones by quarter, straight from the file."""
    monthly: dict[int, Decimal] = defaultdict(Decimal)
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    mobile: dict[int, Decimal] = defaultdict(Decimal)
    with path.open(newline="", encoding="utf-8-sig") as f:
        for rec in csv.DictReader(f):
            assert rec["year"] == "2020"
            price = Decimal(rec["price"]).quantize(Decimal("0.01"))
            monthly[int(rec["month"])] += price
            by_category[rec["category"]] += price
            if rec["item"] == "Mobile":
                mobile[int(rec["quarter"])] += price
    return dict(monthly), dict(by_category), dict(mobile)


def test_course_charts_through_load_ingest_dbt(
    isolated: Settings, capstone: Path, tmp_path: Path, dashboard: Dashboard
) -> None:
    from ingest.cli import main as ingest_main
    from softcart.load.cli import main as load_main
    from softcart.warehouse.dbt_runner import run_dbt

    dataset = tmp_path / "dataset"
    dataset.mkdir()
    (dataset / "ecommerce.csv").symlink_to(capstone / "ecommerce.csv")
    assert load_main(isolated, dataset, replace=False) == 0
    assert ingest_main(isolated, streams=[], full_refresh=False) == 0
    # the seeds and models the dashboard reads: the fact and the four dimensions (dim_date spans the
    # fact's days, so it comes after it); dbt's own tests run in tests/dbt
    dbt_args = ["build", "--select", "+fct_sales", "+dim_date"]
    dbt_args += ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    assert run_dbt(isolated, dbt_args) == 0
    out = tmp_path / "site"
    assert dashboard_main(isolated, out=out, serve=False, port=0) == 0

    page = dashboard.open(out / "index.html")
    dashboard.choose("source", "ecommerce")
    dashboard.choose("year", "2020")
    monthly, by_category, mobile = course_figures(capstone / "ecommerce.csv")

    assert {int(r["month"]): Decimal(r["value"]) for r in dashboard.rows("table-monthly")} == monthly
    assert {r["category"]: Decimal(r["value"]) for r in dashboard.rows("table-category")} == by_category
    assert page.input_value("#filter-item").lower() == "mobile"
    assert {int(r["quarter"]): Decimal(r["value"]) for r in dashboard.rows("table-item")} == mobile
    assert dashboard.kpis()["orders"] == "68003"
    # the run log the chain wrote is on the health panel
    assert page.get_attribute("#health-last-run", "data-state") == "run"
    assert dashboard.console.errors == []
    dashboard.screenshot("dashboard-course-2020.png")
