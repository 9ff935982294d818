"""`airflow dags test softcart_elt` end to end against the test stack, on a small generated dataset.

The first run loads the dataset, ingests, reconciles, builds the warehouse with dbt, exports the lake,
runs the Spark jobs and builds the dashboard; the warehouse then passes reconciliation. A second
run of the same DAG with the same params changes nothing: the same rows in ``raw``, ``marts`` and
``reporting`` (audit columns aside), no row landed by its ingest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from softcart.core.settings import Settings
from softcart.stack.airflow import dags_test
from tests.snapshots import warehouse_snapshot


def last_ingest_run(settings: Settings) -> dict[str, Any]:
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database
    ) as conn:
        row = conn.execute(
            "select run_id, status, coalesce(sum_written, 0) from ("
            " select r.run_id, r.status, (select sum(rows_written) from softcart_meta.ingest_stream_runs s"
            " where s.run_id = r.run_id) as sum_written from softcart_meta.ingest_runs r) x"
            " order by run_id desc limit 1"
        ).fetchone()
        written = conn.execute(
            "select count(*), coalesce(sum(rows_written), 0) from softcart_meta.ingest_stream_runs"
        ).fetchone()
    assert row is not None and written is not None
    return {"run_id": row[0], "status": row[1], "rows_written": int(row[2]), "total_written": int(written[1])}


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    from softcart.generate import generate_dataset

    out = tmp_path / "dataset"
    generate_dataset(out, scale=0.001, seed=11, progress=False)
    return out


def run_dag(settings: Settings, airflow_home: Path, conf: dict[str, Any]) -> str:
    done = dags_test(settings, "softcart_elt", conf=conf, home=airflow_home, timeout=1800)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    return output


@pytest.mark.slow
def test_softcart_elt_end_to_end_and_rerun_changes_nothing(
    isolated: Settings, airflow_home: Path, dataset: Path
) -> None:
    from ingest.config import load_streams
    from ingest.reconcile import reconcile_all

    conf = {"dataset": str(dataset)}

    first = run_dag(isolated, airflow_home, conf)
    assert "[DAG TEST] end task task_id=bi" in first

    # the warehouse matches the sources
    rows = reconcile_all(isolated, load_streams(isolated))
    assert rows, "no stream reconciled"
    bad = [(r.stream, r.differing, r.error) for r in rows if not r.ok]
    assert bad == []

    before = warehouse_snapshot(isolated)
    assert before["raw.mysql_sales__sales_data"][0] == 1000  # scale 0.001: 1,000 sales rows
    assert before["marts.fct_sales"][0] > 0
    assert all(
        f"reporting.{name}" in before for name in ("total_sales_per_country", "sales_by_country_category")
    )
    ingest_before = last_ingest_run(isolated)

    # the lake was written
    lake = Path(isolated.lake_url)
    assert any(lake.rglob("*.parquet"))

    second = run_dag(isolated, airflow_home, conf)
    assert "not reloaded" in second  # same dataset: the sources are not reloaded
    assert "nothing to build: no rows landed since ingest run" in second  # the same plan as the CLI
    assert "the lake is unchanged since the results were computed" in second
    assert warehouse_snapshot(isolated) == before
    ingest_after = last_ingest_run(isolated)
    assert ingest_after["run_id"] > ingest_before["run_id"]  # the second run did ingest ...
    assert ingest_after["status"] == "succeeded"
    assert ingest_after["rows_written"] == 0  # ... and landed nothing new
    assert ingest_after["total_written"] == ingest_before["total_written"]
