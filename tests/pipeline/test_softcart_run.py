"""`softcart run`, the main job, end to end on a small generated dataset, twice."""

from __future__ import annotations

import json
import subprocess
import sys

from softcart.connections import mysql_connect
from softcart.settings import Settings


def _run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "softcart.cli", *args],
        env=dict(settings.env),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_softcart_run_twice(isolated: Settings) -> None:
    first = _run(isolated, "run", "--scale", "0.001", "--seed", "7")
    assert first.returncode == 0, first.stderr[-4000:]
    from softcart.pipeline import STEP_NAMES

    for step in STEP_NAMES:
        assert f"ok {step}: " in first.stderr, step
    assert (isolated.data_dir / "dashboard" / "index.html").is_file()
    manifest = json.loads((isolated.data_dir / "lake" / "manifests" / "latest.json").read_text())
    assert manifest["tables"], manifest

    reconcile = _run(isolated, "reconcile")
    assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr

    second = _run(isolated, "run", "--scale", "0.001", "--seed", "7")
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
    third = _run(isolated, "run", "--scale", "0.001", "--seed", "7")
    assert third.returncode == 0, third.stderr[-4000:]
    assert "moved 1 rows" in third.stderr
    assert "ok dbt: incremental build (new rows in mysql_sales.sales_data since ingest run" in third.stderr
    assert "ok analytics: " in third.stderr  # the lake changed: the jobs ran again
    reconcile = _run(isolated, "reconcile")
    assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
