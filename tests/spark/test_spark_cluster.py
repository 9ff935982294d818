"""A job of the pipeline on a real cluster manager: ``softcart analyze sales`` on a Spark standalone
cluster (master + one worker on 127.0.0.1, the ``spark_cluster`` fixture), through the project's own
code path (``SOFTCART_SPARK_MASTER=spark://...``), against the same job in local mode."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from softcart.core.settings import PROJECT_ROOT
from softcart.lake.store import Lake
from spark.jobs import sales
from tests.spark import marts_data
from tests.spark.standalone import HOST, QUICK_JVM, StandaloneCluster, listeners

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def copy_lake(exported: marts_data.Exported, to: Path) -> Lake:
    """The exported lake without results (the session's lake stays as the other tests see it)."""
    source = Path(Lake.from_url(exported.settings.lake_url).root)
    shutil.copytree(source, to, ignore=shutil.ignore_patterns("results"))
    return Lake.from_url(str(to))


def results(lake: Lake) -> dict[str, list[dict[str, Any]]]:
    return {
        name: sorted(pq.read_table(lake.path("results", "sales", name)).to_pylist(), key=repr)
        for name in sales.REPORTS
    }


def wait_for(condition: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()) and time.monotonic() < deadline:
        time.sleep(0.25)
    return found


def test_sales_job_runs_on_a_standalone_cluster(
    spark_cluster: StandaloneCluster,
    spark_session: SparkSession,
    exported: marts_data.Exported,
    tmp_path: Path,
) -> None:
    ports = spark_cluster.ports
    # the master and the worker listen on their given ports, and on 127.0.0.1 only (no 0.0.0.0)
    pids = spark_cluster.pids()
    for name, wanted in (
        ("master", {ports.master, ports.master_ui}),
        ("worker", {ports.worker, ports.worker_ui}),
    ):
        found = listeners(pids[name])
        assert wanted <= {port for _, port in found}, (name, found)
        assert {address for address, _ in found} == {HOST}, (name, found)
    (worker,) = spark_cluster.master_json()["workers"]
    assert (worker["state"], worker["cores"], worker["memory"]) == ("ALIVE", 1, 1024)

    cluster_lake = copy_lake(exported, tmp_path / "cluster-lake")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOFTCART_", "SPARK_"))}
    env.update(
        {
            "SOFTCART_DATA_DIR": str(tmp_path / "data"),
            "SOFTCART_LAKE_URL": cluster_lake.url,
            "SOFTCART_SPARK_MASTER": spark_cluster.master_url,
            "SOFTCART_SPARK_DRIVER_HOST": HOST,  # the executors connect back to the driver there
            "SOFTCART_SPARK_DRIVER_MEMORY": "1g",
            "SOFTCART_SPARK_SHUFFLE_PARTITIONS": "2",
            "SPARK_LOCAL_DIRS": str(tmp_path / "driver-local"),  # the driver's scratch space
            **QUICK_JVM,
        }
    )
    started = time.monotonic()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "softcart"), "analyze", "sales"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = " ".join(proc.stdout.split())
    match = re.search(r"master (spark://[^,\s]+), app (\S+)", out)
    assert match, out[-2000:]
    assert match[1] == spark_cluster.master_url
    app_id = match[2]
    assert app_id.startswith("app-"), app_id  # a standalone application, not local-...

    # the master ran it as an application of that name, and it finished
    def completed() -> list[dict[str, Any]]:
        apps = spark_cluster.master_json()["completedapps"]
        return [a for a in apps if a["id"] == app_id and a["state"] == "FINISHED"]

    (app,) = wait_for(completed)
    assert app["name"] == "softcart-sales"
    assert app["cores"] == 1
    # ... on an executor of this worker, which ran the tasks and reached the driver on 127.0.0.1
    finished = spark_cluster.worker_json()["finishedexecutors"]
    assert [e["appid"] for e in finished if e["appid"] == app_id] == [app_id]
    (executor_log,) = (spark_cluster.work_dir / app_id).glob("*/stderr")
    log = executor_log.read_text()
    assert re.search(rf"--driver-url\W+spark://CoarseGrainedScheduler@{re.escape(HOST)}:\d+", log)
    assert "Finished task" in log

    # the same results as the job in local mode over the same lake
    local_lake = copy_lake(exported, tmp_path / "local-lake")
    local = sales.run(spark_session, local_lake)
    on_cluster = results(cluster_lake)
    assert on_cluster == results(local_lake)
    assert all(on_cluster.values())
    # every sale counted: the rollup's grand total is all of the marts' sales
    (grand_total,) = [r for r in on_cluster["sales_rollup_year_country"] if r["year_is_total"]]
    assert grand_total["sale_count"] == local.rows == len(marts_data.wide_rows(exported.marts))
    print(f"sales on the standalone cluster: {seconds:.1f} s ({out[-160:]})")
