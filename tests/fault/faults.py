"""The fault suite's tools: run a ``softcart`` command and ``kill -9`` it (or a server) at a seeded
random moment, and count the data with its own queries (never softcart's code), from the dataset's
files through the sources, the warehouse and the lake.

Rounds: ``SOFTCART_FAULT_ROUNDS`` (``ingest=20,load=5,...``) overrides the few that CI runs;
``bench/fault_rounds.py`` runs the full count. ``SOFTCART_FAULT_SEED`` changes the seed.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.parquet as pq
import pymongo
import pymysql

from softcart.core.settings import Settings
from softcart.lake.store import Lake, latest_manifest, partition_file

CI_ROUNDS = {"ingest": 1, "load": 1, "dbt": 1, "export": 1, "run": 1}  # tests/ingest kills ingest more
# the streams the ingest rounds move: the two sources a server kill can cut (the file streams have
# their own crash tests in tests/ingest)
SOURCE_STREAMS = ("-s", "mysql_sales__sales_data", "-s", "mongo_catalog__electronics")
SEED = int(os.environ.get("SOFTCART_FAULT_SEED") or 16)


def rounds(target: str) -> list[int]:
    """The round numbers of a target: CI's few, or ``SOFTCART_FAULT_ROUNDS``'s count."""
    counts = dict(CI_ROUNDS)
    for part in filter(None, (os.environ.get("SOFTCART_FAULT_ROUNDS") or "").split(",")):
        name, _, n = part.partition("=")
        counts[name.strip()] = int(n)
    return list(range(counts.get(target, 0)))


def rng_for(target: str, round_no: int) -> random.Random:
    return random.Random(f"{SEED}:{target}:{round_no}")


def softcart_process(settings: Settings, *args: str, **env: str) -> subprocess.Popen[str]:
    """``softcart ARGS`` in a process group of its own (so that a kill takes its children too: the
    ``mariadb`` client of an extract, dbt's threads, a process the OOM killer would take whole)."""
    return subprocess.Popen(
        [sys.executable, "-m", "softcart.cli", *args],
        env=dict(settings.env) | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@dataclass
class Killed:
    """How a killed command ended: ``killed`` False when it finished before the moment came."""

    killed: bool
    after: float
    returncode: int
    output: str


def kill_at(proc: subprocess.Popen[str], after: float) -> Killed:
    try:
        out, _ = proc.communicate(timeout=after)
        return Killed(False, after, proc.returncode, out)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        return Killed(True, after, proc.returncode, out)


def timed(settings: Settings, *args: str, **env: str) -> float:
    """Run ``softcart ARGS`` to its end (it must succeed); its duration picks the kill moments."""
    started = time.monotonic()
    proc = softcart_process(settings, *args, **env)
    out, _ = proc.communicate(timeout=1800)
    assert proc.returncode == 0, out[-3000:]
    return time.monotonic() - started


def ok(settings: Settings, *args: str, **env: str) -> str:
    proc = softcart_process(settings, *args, **env)
    out, _ = proc.communicate(timeout=1800)
    assert proc.returncode == 0, out[-3000:]
    return out


def one_clear_line(output: str) -> None:
    """A failure the user reads: no traceback."""
    assert "Traceback" not in output, output[-3000:]


# --- counting, with the suite's own queries ---------------------------------------------------------

Sums = tuple[int, int, int, int]  # rows, sum(product_id), sum(customer_id), sum(quantity)


def file_sales(dataset: Path) -> Sums:
    """``oltpdata.csv`` (product_id, customer_id, price, quantity, timestamp): what MySQL must hold."""
    rows = n_product = n_customer = n_quantity = 0
    with (dataset / "oltpdata.csv").open(newline="", encoding="utf-8") as f:
        for record in csv.reader(f):
            rows += 1
            n_product += int(record[0])
            n_customer += int(record[1])
            n_quantity += int(record[3])
    return rows, n_product, n_customer, n_quantity


def file_catalog(dataset: Path) -> int:
    return sum(
        1 for line in (dataset / "catalog.json").read_text(encoding="utf-8").splitlines() if line.strip()
    )


def _ints(row: Any) -> Sums:
    return tuple(int(v or 0) for v in row)  # type: ignore[return-value]


def mysql_sales(settings: Settings) -> Sums:
    my = settings.mysql
    conn = pymysql.connect(
        host=my.host, port=my.port, user=my.user, password=my.password or "", database=my.database
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*), SUM(product_id), SUM(customer_id), SUM(quantity) FROM sales_data")
            return _ints(cur.fetchone())
    finally:
        conn.close()


def mongo_catalog(settings: Settings) -> int:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(settings.mongo.raw)
    try:
        return int(client[settings.mongo_database][settings.mongo_collection].count_documents({}))
    finally:
        client.close()


def pg_row(settings: Settings, query: str) -> tuple[Any, ...]:
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database
    ) as c:
        row = c.execute(query).fetchone()
    assert row is not None
    return tuple(row)


def raw_sales(settings: Settings) -> Sums:
    return _ints(
        pg_row(
            settings,
            "select count(*), sum(product_id), sum(customer_id), sum(quantity) from raw.mysql_sales__sales_data",
        )
    )


def raw_catalog(settings: Settings) -> int:
    return int(pg_row(settings, "select count(*) from raw.mongo_catalog__electronics")[0])


def marts_oltp(settings: Settings) -> tuple[int, int]:
    """The MySQL sales in the star schema: rows and sum(quantity)."""
    row = pg_row(settings, "select count(*), sum(quantity) from marts.fct_sales where source_system = 'oltp'")
    return int(row[0]), int(row[1] or 0)


def runs_left_running(settings: Settings) -> int:
    return int(pg_row(settings, "select count(*) from softcart_meta.ingest_runs where status = 'running'")[0])


def lake_agrees(settings: Settings) -> dict[str, int]:
    """Every partition the manifest names is there, with the manifest's row count (read from the
    Parquet footers). Returns rows per table."""
    lake = Lake.from_url(settings.lake_url)
    manifest = latest_manifest(lake)
    rows: dict[str, int] = {}
    for table, spec in manifest.get("tables", {}).items():
        for path, entry in spec["partitions"].items():
            file = Path(lake.path(table, path, partition_file(entry)))
            assert file.is_file(), f"the manifest names {file}, which is not there"
            n = pq.ParquetFile(file).metadata.num_rows
            assert n == entry["rows"], f"{table}/{path}: manifest rows {entry['rows']} != file rows {n}"
            rows[table] = rows.get(table, 0) + n
        assert rows.get(table, 0) == spec["rows"], table
    return rows


def lake_oltp(settings: Settings) -> tuple[int, int]:
    """The lake's sales from MySQL, through the manifest: rows and sum(quantity)."""
    lake = Lake.from_url(settings.lake_url)
    manifest = latest_manifest(lake)
    rows = quantity = 0
    for path, entry in manifest["tables"]["sales"]["partitions"].items():
        table = pq.read_table(
            lake.path("sales", path, partition_file(entry)), columns=["source_system", "quantity"]
        )
        for system, q in zip(
            table.column("source_system").to_pylist(), table.column("quantity").to_pylist(), strict=True
        ):
            if system == "oltp":
                rows += 1
                quantity += int(q)
    return rows, quantity
