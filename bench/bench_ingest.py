"""Benchmark: MariaDB ``sales_data`` -> PostgreSQL, every method in one run, on the project's stack.

    SOFTCART_DATA_DIR=... SOFTCART_MYSQL_PORT=... .venv/bin/python bench/bench_ingest.py \
        [--rows 2000000] [--repeat 1] [--mongo-docs 100000] [--skip sling,dlt-connectorx,...]

Uses databases ``bench_ingest`` on the servers named by the settings (created if missing, never
dropped). For each method: wall time of the whole process, rows/s, peak RSS of the process tree
(wait4), ratio of its throughput to the COPY bound, and a check that the target holds the source's
row count and checksum (sums and non-null counts of every column: NULLs included). Then the
incremental cases (nothing new; 1 % new rows) and MongoDB -> PostgreSQL against the MongoDB
server's own full-scan rate. Nothing is asserted: it prints ratios against the goals of issue 3.
Run by hand (it loads two cores for about a minute per million rows).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pymysql
from rich.console import Console
from rich.table import Table

from softcart.core.settings import Settings, load_settings

DB = "bench_ingest"
STREAM = "mysql_sales__sales_data"
COLUMNS = ("rowid", "product_id", "customer_id", "price", "quantity", "timestamp")
CHECKSUM_PG = (
    "count(*), sum(rowid), sum(product_id), sum(customer_id), sum(price), count(price), sum(quantity),"
    ' count("timestamp"), sum(floor(extract(epoch from "timestamp")))'
)
CHECKSUM_MY = (
    "COUNT(*), SUM(rowid), SUM(product_id), SUM(customer_id), SUM(price), COUNT(price), SUM(quantity),"
    " COUNT(`timestamp`), SUM(TIMESTAMPDIFF(SECOND, '1970-01-01', `timestamp`))"
)


@dataclass
class Result:
    method: str
    seconds: float
    rows: int
    peak_mb: float
    verified: str
    note: str = ""


def bench_settings() -> Settings:
    env = dict(os.environ)
    env["SOFTCART_MYSQL_DATABASE"] = DB
    env["SOFTCART_POSTGRES_DATABASE"] = DB
    env["SOFTCART_MONGO_DATABASE"] = DB
    return load_settings(env)


def my(settings: Settings) -> pymysql.connections.Connection[Any]:
    u = settings.mysql
    return pymysql.connect(
        host=u.host, port=u.port, user=u.user or "root", password=u.password or "", database=u.database,
        autocommit=True,
    )  # fmt: skip


def pg(settings: Settings) -> psycopg.Connection[Any]:
    u = settings.postgres
    return psycopg.connect(host=u.host, port=u.port, user=u.user, password=u.password, dbname=u.database,
                           autocommit=True)  # fmt: skip


def pg_url(settings: Settings) -> str:
    u = settings.postgres
    auth = u.user + (f":{u.password}" if u.password else "")
    return f"postgresql://{auth}@{u.host}:{u.port}/{u.database}"


def my_url(settings: Settings) -> str:
    u = settings.mysql
    auth = (u.user or "root") + (f":{u.password}" if u.password else "")
    return f"mysql://{auth}@{u.host}:{u.port}/{u.database}"


def fill_mysql(settings: Settings, rows: int) -> None:
    """``rows`` rows in sales_data (NULL prices and timestamps mixed in), made by the server itself."""
    conn = my(settings)
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM sales_data")
        count, top = cur.fetchone()  # type: ignore[misc]
        if count == rows and top == rows:
            return
        cur.execute("TRUNCATE sales_data")
        step = 1_000_000
        for lo in range(0, rows, step):
            hi = min(rows, lo + step)
            cur.execute(
                "INSERT INTO sales_data (rowid, product_id, customer_id, price, quantity, `timestamp`)"
                f" SELECT seq, seq % 5000 + 1001, seq % 100000 + 1, IF(seq % 97 = 0, NULL, (seq * 37) % 3500 + 0.25),"
                f" seq % 5 + 1, IF(seq % 89 = 0, NULL, TIMESTAMP('2019-01-01') + INTERVAL (seq * 7) SECOND)"
                f" FROM seq_{lo + 1}_to_{hi}"
            )
    conn.close()


def source_checksum(settings: Settings) -> tuple[Any, ...]:
    conn = my(settings)
    with conn.cursor() as cur:
        cur.execute(f"SELECT {CHECKSUM_MY} FROM sales_data")
        row = cur.fetchone()
    conn.close()
    return tuple(int(x) if x is not None else None for x in row)  # type: ignore[union-attr]


def target_checksum(settings: Settings, table: str, rowid: str = "rowid") -> tuple[Any, ...]:
    query = CHECKSUM_PG.replace("rowid", rowid) if rowid != "rowid" else CHECKSUM_PG
    with pg(settings) as conn:
        row = conn.execute(f"select {query} from {table}").fetchone()  # type: ignore[arg-type]
    return tuple(int(x) if x is not None else None for x in row)  # type: ignore[union-attr]


def run_measured(
    cmd: list[str], env: dict[str, str] | None = None, stdin: Any = None
) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MB, the largest process of the tree) of a command; its output."""
    with tempfile.TemporaryFile() as out:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=stdin)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{text[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, text


def verify(settings: Settings, table: str, expected: tuple[Any, ...], rowid: str = "rowid") -> str:
    got = target_checksum(settings, table, rowid)
    return "ok" if got == expected else f"DIFFERS {got} vs {expected}"


def median_run(repeat: int, once: Callable[[], Result]) -> Result:
    results = [once() for _ in range(repeat)]
    best = sorted(results, key=lambda r: r.seconds)[len(results) // 2]
    best.seconds = statistics.median(r.seconds for r in results)
    return best


# --- methods ---------------------------------------------------------------------------------------


def method_bound(settings: Settings, csv_path: Path, expected: tuple[Any, ...]) -> Result:
    """psql \\copy from a local file into a table defined like raw.mysql_sales__sales_data (PK included)."""
    with pg(settings) as conn:
        conn.execute("create schema if not exists bench")
        conn.execute("drop table if exists bench.bound")
        conn.execute("create table bench.bound (like raw.mysql_sales__sales_data including all)")
    u = settings.postgres
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    cmd = ["psql", "-X", "-q", "-h", u.host, "-p", str(u.port), "-U", u.user or "softcart", "-d", u.database or "",
           "-v", "ON_ERROR_STOP=1", "-c", f"\\copy bench.bound ({cols}) from '{csv_path}'"]  # fmt: skip
    env = dict(os.environ, PGPASSWORD=u.password or "")
    seconds, peak, _ = run_measured(cmd, env)
    return Result(
        "COPY bound (psql \\copy, local file)",
        seconds,
        expected[0],
        peak,
        verify(settings, "bench.bound", expected),
    )


def method_pipe(settings: Settings, expected: tuple[Any, ...]) -> Result:
    """mariadb --quick piped into psql \\copy (the issue's reference: read and write overlapping)."""
    with pg(settings) as conn:
        conn.execute("drop table if exists bench.pipe")
        conn.execute("create table bench.pipe (like raw.mysql_sales__sales_data including all)")
    m, u = settings.mysql, settings.postgres
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    select = (
        "SELECT rowid, product_id, customer_id, IFNULL(price, '\\\\N'), quantity, IFNULL(`timestamp`, '\\\\N')"
        " FROM sales_data"
    )
    shell = (
        f"mariadb --no-defaults --protocol=TCP -h {m.host} -P {m.port} -u {m.user or 'root'} {m.database}"
        ' --batch --raw --quick --skip-column-names -e "$Q"'
        f" | psql -X -q -h {u.host} -p {u.port} -U {u.user} -d {u.database} -v ON_ERROR_STOP=1"
        f' -c "\\copy bench.pipe ({cols.replace(chr(34), "")}) from stdin"'
    )
    seconds, peak, _ = run_measured(["bash", "-o", "pipefail", "-c", shell], dict(os.environ, Q=select))
    return Result(
        "mariadb | psql \\copy (shell pipe)",
        seconds,
        expected[0],
        peak,
        verify(settings, "bench.pipe", expected),
    )


def method_softcart(settings: Settings, expected: tuple[Any, ...]) -> Result:
    cmd = [sys.executable, "-m", "softcart.cli", "ingest", "-s", STREAM, "--full-refresh"]
    seconds, peak, out = run_measured(cmd, dict(settings.env))
    inner = stream_seconds(settings)
    return Result("softcart ingest --full-refresh", seconds, expected[0], peak,
                  verify(settings, "raw.mysql_sales__sales_data", expected),
                  f"stream {inner:.2f} s inside the process")  # fmt: skip


def stream_seconds(settings: Settings) -> float:
    with pg(settings) as conn:
        row = conn.execute(
            "select extract(epoch from ended_at - started_at) from softcart_meta.ingest_stream_runs"
            " where stream = %s order by run_id desc limit 1",
            (STREAM,),
        ).fetchone()
    return float(row[0]) if row else float("nan")


def method_sling(settings: Settings, expected: tuple[Any, ...]) -> Result:
    with pg(settings) as conn:
        conn.execute("drop table if exists bench.sling")
    env = dict(os.environ, MYSRC=my_url(settings), PGDST=pg_url(settings) + "?sslmode=disable",
               SLING_DISABLE_TELEMETRY="true")  # fmt: skip
    sling = str(Path(sys.executable).with_name("sling"))
    cmd = [sling, "run", "--src-conn", "MYSRC", "--src-stream", f"{DB}.sales_data", "--tgt-conn", "PGDST",
           "--tgt-object", "bench.sling", "--mode", "full-refresh"]  # fmt: skip
    seconds, peak, _ = run_measured(cmd, env)
    return Result("sling 1.4.10 (full-refresh)", seconds, expected[0], peak, verify(settings, "bench.sling", expected),
                  "sling's own table: no primary key")  # fmt: skip


DLT_SCRIPT = """
import os, sys, dlt
from dlt.sources.sql_database import sql_database
backend, src, dst, pipelines, cx = sys.argv[1:6]
kwargs = {"backend_kwargs": {"conn": cx}} if backend == "connectorx" else {}
source = sql_database(credentials=src, table_names=["sales_data"], backend=backend, chunk_size=100_000, **kwargs)
pipeline = dlt.pipeline(pipeline_name="bench_" + backend, destination=dlt.destinations.postgres(dst),
                        dataset_name="bench_dlt_" + backend, pipelines_dir=pipelines)
info = pipeline.run(source, write_disposition="replace", loader_file_format="csv")
print(info)
"""


def method_dlt(settings: Settings, backend: str, expected: tuple[Any, ...]) -> Result:
    with pg(settings) as conn:
        conn.execute(f"drop schema if exists bench_dlt_{backend} cascade")
    pipelines = tempfile.mkdtemp(prefix="dlt-bench-")
    src = my_url(settings).replace("mysql://", "mysql+pymysql://")
    env = dict(
        os.environ, RUNTIME__DLTHUB_TELEMETRY="false", NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION="true"
    )
    # dlt insists on a password; the local server trusts loopback and ignores it
    env["DESTINATION__POSTGRES__CREDENTIALS__PASSWORD"] = settings.postgres.password or "unused"
    cmd = [sys.executable, "-c", DLT_SCRIPT, backend, src, pg_url(settings), pipelines, my_url(settings)]
    seconds, peak, _ = run_measured(cmd, env)
    return Result(f"dlt 1.31 ({backend} backend, csv, no compression)", seconds, expected[0], peak,
                  verify(settings, f"bench_dlt_{backend}.sales_data", expected))  # fmt: skip


# --- incremental and MongoDB -----------------------------------------------------------------------


def incremental(settings: Settings, rows: int) -> list[tuple[str, float, float, int]]:
    """(case, whole-process seconds, in-process stream seconds, rows moved)."""
    out = []
    cmd = [sys.executable, "-m", "softcart.cli", "ingest", "-s", STREAM]
    seconds, _, _ = run_measured(cmd, dict(settings.env))
    out.append(("nothing new", seconds, stream_seconds(settings), 0))
    new = max(1, rows // 100)
    conn = my(settings)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`)"
            f" SELECT seq % 5000 + 1001, seq % 100000 + 1, 10.50, 2, NOW() FROM seq_1_to_{new}"
        )
    conn.close()
    seconds, _, _ = run_measured(cmd, dict(settings.env))
    out.append(("1 % new rows", seconds, stream_seconds(settings), new))
    conn = my(settings)
    with conn.cursor() as cur:
        cur.execute(f"DELETE FROM sales_data WHERE rowid > {rows}")
        cur.execute(f"ALTER TABLE sales_data AUTO_INCREMENT = {rows + 1}")
    conn.close()
    return out


def mongo_bench(settings: Settings, docs: int) -> tuple[float, float, float]:
    """(server full-scan docs/s, softcart ingest docs/s in-process, whole-process seconds)."""
    from bson.codec_options import CodecOptions
    from bson.raw_bson import RawBSONDocument
    from pymongo import MongoClient

    client: MongoClient[Any] = MongoClient(settings.mongo.raw)
    coll = client[settings.mongo_database][settings.mongo_collection]
    if coll.estimated_document_count() != docs:
        coll.delete_many({})
        batch = []
        for i in range(docs):
            doc: dict[str, Any] = {"type": "laptop" if i % 3 else "smart phone", "model": f"m{i}",
                                   "screen size": 13 + i % 5 + 0.5 * (i % 2), "product_id": i}  # fmt: skip
            if i % 3:
                doc.update({"ram": f"{8 * (1 + i % 4)}GB", "hard disk": "1TB"})
            batch.append(doc)
            if len(batch) == 10_000:
                coll.insert_many(batch)
                batch = []
        if batch:
            coll.insert_many(batch)
    raw = coll.with_options(codec_options=CodecOptions(document_class=RawBSONDocument))
    began = time.perf_counter()
    n = sum(1 for _ in raw.find({}, batch_size=5000))
    scan_rate = n / (time.perf_counter() - began)
    client.close()
    cmd = [
        sys.executable,
        "-m",
        "softcart.cli",
        "ingest",
        "-s",
        "mongo_catalog__electronics",
        "--full-refresh",
    ]
    seconds, _, _ = run_measured(cmd, dict(settings.env))
    with pg(settings) as conn:
        row = conn.execute(
            "select extract(epoch from ended_at - started_at), rows_written from softcart_meta.ingest_stream_runs"
            " where stream = 'mongo_catalog__electronics' order by run_id desc limit 1"
        ).fetchone()
    assert row is not None
    return scan_rate, int(row[1]) / float(row[0]), seconds


# --- main ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per method (median)")
    parser.add_argument("--mongo-docs", type=int, default=100_000)
    parser.add_argument(
        "--skip", default="", help="comma-separated: pipe,sling,dlt-connectorx,dlt-pyarrow,mongo"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    console = Console()
    settings = bench_settings()

    from softcart.stack import provision

    provision(settings)
    console.print(f"filling MySQL {DB}.sales_data with {args.rows:,} rows ...")
    fill_mysql(settings, args.rows)
    expected = source_checksum(settings)
    csv_path = settings.data_dir / "bench_sales.copy"
    u = settings.mysql
    with csv_path.open("wb") as f:
        subprocess.run(
            ["mariadb", "--no-defaults", "--protocol=TCP", "-h", u.host, "-P", str(u.port), "-u", u.user or "root",
             u.database or "", "--batch", "--raw", "--quick", "--skip-column-names", "-e",
             "SELECT rowid, product_id, customer_id, IFNULL(price, '\\\\N'), quantity, IFNULL(`timestamp`, '\\\\N')"
             " FROM sales_data"],
            stdout=f, check=True, env=dict(os.environ, MYSQL_PWD=u.password or ""),
        )  # fmt: skip

    results: list[Result] = []
    methods: list[tuple[str, Callable[[], Result]]] = [
        ("bound", lambda: method_bound(settings, csv_path, expected)),
        ("pipe", lambda: method_pipe(settings, expected)),
        ("softcart", lambda: method_softcart(settings, expected)),
        ("sling", lambda: method_sling(settings, expected)),
        ("dlt-connectorx", lambda: method_dlt(settings, "connectorx", expected)),
        ("dlt-pyarrow", lambda: method_dlt(settings, "pyarrow", expected)),
    ]
    for key, once in methods:
        if key in skip:
            continue
        console.print(f"running {key} ...")
        try:
            results.append(median_run(args.repeat, once))
        except Exception as exc:  # a competitor failing is a result too
            results.append(Result(key, float("nan"), 0, 0.0, f"FAILED: {str(exc).splitlines()[0][:80]}"))
    csv_path.unlink(missing_ok=True)

    bound = results[0]
    table = Table(title=f"MariaDB -> PostgreSQL, {args.rows:,} rows (repeat {args.repeat}, median)")
    for col in ("method", "seconds", "rows/s", "peak MB", "throughput vs bound", "verified", "note"):
        table.add_column(col, justify="left" if col in ("method", "verified", "note") else "right")
    for r in results:
        ratio = bound.seconds / r.seconds if r.seconds == r.seconds and r.seconds > 0 else float("nan")
        table.add_row(r.method, f"{r.seconds:.2f}", f"{r.rows / r.seconds:,.0f}" if r.seconds > 0 else "-",
                      f"{r.peak_mb:.0f}", f"{ratio:.2f}x", r.verified, r.note)  # fmt: skip
    console.print(table)

    inc = incremental(settings, args.rows)
    softcart = next((r for r in results if r.method.startswith("softcart")), None)
    t2 = Table(title="incremental (softcart ingest)")
    for col in ("case", "whole process s", "stream s (in process)", "rows", "vs full load"):
        t2.add_column(col)
    for case, seconds, inner, n in inc:
        share = f"{seconds / softcart.seconds:.1%}" if softcart else "-"
        t2.add_row(case, f"{seconds:.2f}", f"{inner:.3f}", f"{n:,}", share)
    console.print(t2)

    if "mongo" not in skip:
        scan, rate, seconds = mongo_bench(settings, args.mongo_docs)
        console.print(
            f"MongoDB: server full scan {scan:,.0f} docs/s; softcart ingest {rate:,.0f} docs/s in process"
            f" ({seconds:.2f} s whole process) = {rate / scan:.2f}x the scan rate (goal >= 0.7x)"
        )
    if softcart:
        console.print(
            f"goal full load >= 0.8x bound: {bound.seconds / softcart.seconds:.2f}x;"
            f" peak {softcart.peak_mb:.0f} MB vs bound {bound.peak_mb:.0f} MB (+100 MB allowed)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
