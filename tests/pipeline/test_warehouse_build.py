"""The pipeline's choice of dbt build (softcart/warehouse/build_plan.py): full, incremental or nothing,
decided from real ingest runs against the test servers."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from ingest.cli import main as ingest_main
from softcart.core.connections import mysql_connect
from softcart.core.settings import Settings
from softcart.warehouse.build_plan import (
    INCREMENTAL_PGOPTIONS,
    TEST_SCOPE_ENV,
    plan_build,
    project_fingerprint,
    record_build,
    source_of_stream,
)


def test_source_of_stream() -> None:
    assert source_of_stream("mysql_sales__sales_data") == "mysql_sales.sales_data"
    assert source_of_stream("files__fact_sales") == "files.fact_sales"
    with pytest.raises(ValueError, match="not <source>__<table>"):
        source_of_stream("sales_data")


def _copy_of_project(settings: Settings, root: Path) -> Settings:
    """The settings with a copy of the dbt project and profiles under ``root``."""
    for name in ("dbt_project", "profiles"):
        shutil.copytree(settings.root / name, root / name, ignore=shutil.ignore_patterns("target", "logs"))
    return dataclasses.replace(settings, root=root)


def test_fingerprint_follows_the_dbt_project_not_its_outputs(stack: Settings, tmp_path: Path) -> None:
    settings = _copy_of_project(stack, tmp_path)
    project = settings.dbt_project_dir
    before = project_fingerprint(settings)
    (project / "target").mkdir(exist_ok=True)
    (project / "target" / "manifest.json").write_text("{}")
    assert project_fingerprint(settings) == before  # dbt's own outputs do not count
    model = project / "models" / "marts" / "fct_sales_monthly.sql"
    model.write_text(model.read_text() + "\n-- edited\n")
    assert project_fingerprint(settings) != before


def _add_sale(settings: Settings) -> None:
    with mysql_connect(settings) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into sales_data (product_id, customer_id, price, quantity, `timestamp`)"
            " values (1, 1, 9.99, 2, '2023-01-02 10:00:00')"
        )
        conn.commit()


def test_plan_full_then_nothing_then_incremental(isolated: Settings) -> None:
    settings = isolated
    assert ingest_main(settings, [], full_refresh=False) == 0
    first = plan_build(settings, full_refresh=False)
    assert (first.kind, first.args) == ("full", ["build"])
    assert "no earlier successful build" in first.reason
    record_build(settings, first)  # as the pipeline does after dbt exited 0

    assert ingest_main(settings, [], full_refresh=False) == 0  # a run that lands nothing
    nothing = plan_build(settings, full_refresh=False)
    assert (nothing.kind, nothing.args) == ("nothing", [])

    _add_sale(settings)
    assert ingest_main(settings, [], full_refresh=False) == 0
    incremental = plan_build(settings, full_refresh=False)
    assert incremental.kind == "incremental"
    assert incremental.sources == ["mysql_sales.sales_data"]
    assert incremental.args == [
        "build",
        "--select",
        "source:mysql_sales.sales_data+",
        "--exclude",
        "tag:enforced_by_constraint",
        "--exclude-resource-type",
        "unit_test",
    ]
    assert incremental.env == {TEST_SCOPE_ENV: "latest_batch", "PGOPTIONS": INCREMENTAL_PGOPTIONS}
    assert incremental.ingest_run_id is not None and first.ingest_run_id is not None
    assert incremental.ingest_run_id > first.ingest_run_id
    record_build(settings, incremental)
    assert plan_build(settings, full_refresh=False).kind == "nothing"

    reload = plan_build(settings, full_refresh=True)
    assert (reload.kind, reload.args) == ("full", ["build", "--full-refresh"])


def test_plan_is_full_when_the_project_changed(isolated: Settings, tmp_path: Path) -> None:
    settings = isolated
    assert ingest_main(settings, [], full_refresh=False) == 0
    record_build(settings, plan_build(settings, full_refresh=False))
    changed = _copy_of_project(settings, tmp_path)
    (changed.dbt_project_dir / "models" / "marts" / "dim_date.sql").write_text("select 1 as changed\n")
    plan = plan_build(changed, full_refresh=False)
    assert (plan.kind, plan.args) == ("full", ["build"])
    assert "changed" in plan.reason
