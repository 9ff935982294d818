"""`airflow dags test softcart_elt` end to end against the test stack, on a small generated dataset.

The first run loads the dataset, ingests, builds the warehouse with dbt (Cosmos), exports the lake,
runs the Spark jobs and builds the dashboard; the warehouse then passes reconciliation. A second
run of the same DAG with the same params changes nothing: the same rows in ``raw``, ``marts`` and
``reporting`` (audit columns aside), no row landed by its ingest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import psycopg
import pytest

from softcart.airflow_local import dags_test, parse_dbt_project
from softcart.settings import Settings

SCHEMAS = ("raw", "marts", "reporting")
# columns that say when or by which run a row was written, not what it holds
AUDIT_COLUMNS = {"_softcart_run_id", "_softcart_loaded_at", "dbt_updated_at", "dbt_run_id"}


def warehouse_snapshot(settings: Settings) -> dict[str, tuple[int, str]]:
    """Every table and view of the warehouse's layers: (row count, digest of its sorted rows)."""
    pg = settings.postgres
    snapshot: dict[str, tuple[int, str]] = {}
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database
    ) as conn:
        relations = conn.execute(
            "select table_schema, table_name, string_agg(quote_ident(column_name), ',' order by ordinal_position)"
            " from information_schema.columns where table_schema = any(%s)"
            " and column_name <> all(%s) group by 1, 2 order by 1, 2",
            (list(SCHEMAS), sorted(AUDIT_COLUMNS)),
        ).fetchall()
        matviews = conn.execute(
            "select schemaname, matviewname from pg_matviews where schemaname = any(%s)", (list(SCHEMAS),)
        ).fetchall()
        names = {(s, t): cols for s, t, cols in relations}
        for schema, view in matviews:
            if (schema, view) not in names:
                cols = conn.execute(
                    "select string_agg(quote_ident(a.attname), ',' order by a.attnum) from pg_attribute a"
                    " where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped"
                    " and a.attname <> all(%s)",
                    (f'"{schema}"."{view}"', sorted(AUDIT_COLUMNS)),
                ).fetchone()
                assert cols is not None
                names[(schema, view)] = cols[0]
        for (schema, table), cols in sorted(names.items()):
            rows = conn.execute(
                f'select ({cols})::text from "{schema}"."{table}" order by 1'  # noqa: S608
            ).fetchall()
            digest = hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest()
            snapshot[f"{schema}.{table}"] = (len(rows), digest)
    return snapshot


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

    # what `softcart airflow` does before starting: the manifest Cosmos renders the dbt project from
    assert parse_dbt_project(isolated) == 0
    conf = {"dataset": str(dataset), "full_refresh": False}

    first = run_dag(isolated, airflow_home, conf)
    assert "[DAG TEST] end task task_id=dashboard" in first

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

    # the lake and the dashboard were written
    lake = Path(isolated.lake_url)
    assert any(lake.rglob("*.parquet"))
    assert (isolated.data_dir / "dashboard" / "index.html").is_file()

    second = run_dag(isolated, airflow_home, conf)
    assert "not loading it again" in second  # same dataset: the sources are not reloaded
    assert warehouse_snapshot(isolated) == before
    ingest_after = last_ingest_run(isolated)
    assert ingest_after["run_id"] > ingest_before["run_id"]  # the second run did ingest ...
    assert ingest_after["status"] == "succeeded"
    assert ingest_after["rows_written"] == 0  # ... and landed nothing new
    assert ingest_after["total_written"] == ingest_before["total_written"]
