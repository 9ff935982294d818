"""`softcart run`, the main job, end to end on a small generated dataset, twice."""

from __future__ import annotations

import json

from softcart.core.connections import mysql_connect
from softcart.core.settings import Settings
from tests.softcart_cli import softcart


def test_softcart_run_twice(isolated: Settings) -> None:
    first = softcart(isolated, "run", "--scale", "0.001", "--seed", "7")
    assert first.returncode == 0, first.stderr[-4000:]
    from softcart.pipeline import STEP_NAMES

    for step in STEP_NAMES:
        assert f"ok {step}: " in first.stderr, step
    assert "dashboards checked; not imported" in first.stderr  # the BI bundle was built (no Superset here)
    manifest = json.loads((isolated.data_dir / "lake" / "manifests" / "latest.json").read_text())
    assert manifest["tables"], manifest

    reconcile = softcart(isolated, "reconcile")
    assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
    _spark_reports_equal_dbt_reports(isolated)

    second = softcart(isolated, "run", "--scale", "0.001", "--seed", "7")
    assert second.returncode == 0, second.stderr[-4000:]
    # each step with nothing to do says so and why
    assert "skipped generate: " in second.stderr and "already generated" in second.stderr
    assert "skipped load: every source holds this dataset (one load): not reloaded" in second.stderr
    assert "moved 0 rows" in second.stderr
    assert "skipped dbt: nothing to build: no rows landed since ingest run" in second.stderr
    assert "skipped analytics: the lake is unchanged since the results were computed" in second.stderr

    # a new sale in the OLTP source: the third run lands it and builds only what it reaches
    with mysql_connect(isolated) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into sales_data (product_id, customer_id, price, quantity, `timestamp`)"
            " select product_id, customer_id, price, quantity, `timestamp` from sales_data limit 1"
        )
        conn.commit()
    third = softcart(isolated, "run", "--scale", "0.001", "--seed", "7")
    assert third.returncode == 0, third.stderr[-4000:]
    assert "moved 1 rows" in third.stderr
    assert "ok dbt: incremental build (new rows in mysql_sales.sales_data since ingest run" in third.stderr
    assert "ok analytics: " in third.stderr  # the lake changed: the jobs ran again
    reconcile = softcart(isolated, "reconcile")
    assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr


def _spark_reports_equal_dbt_reports(settings: Settings) -> None:
    """The Spark sales job's four aggregates (from the lake) are the dbt reporting relations, row for
    row: the same reports computed twice must agree, so neither can drift from the other."""
    import pyarrow.parquet as pq

    from softcart.core.connections import postgres_connect
    from spark.jobs.sales import REPORTS, RESULTS

    results = settings.data_dir / "lake" / "results" / RESULTS
    with postgres_connect(settings, "softcart-test") as conn:
        for name in REPORTS:
            lake = pq.read_table(results / name)
            cur = conn.execute(f"select * from reporting.{name}")  # type: ignore[arg-type]
            columns = [d.name for d in cur.description or []]
            warehouse = sorted(map(repr, cur.fetchall()))
            assert lake.column_names == columns, name
            rows = sorted(repr(tuple(row[c] for c in columns)) for row in lake.to_pylist())
            assert rows == warehouse, name
