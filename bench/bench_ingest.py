"""Benchmark: MariaDB ``sales_data`` -> PostgreSQL, softcart against the best load PostgreSQL can do,
on the project's stack, as whole processes (issue 17).

    SOFTCART_DATA_DIR=... SOFTCART_MYSQL_PORT=... .venv/bin/python bench/bench_ingest.py \
        [--rows 2000000] [--rounds 3] [--mongo-docs 100000] [--peers] [--quick]

Uses databases ``bench_ingest`` on the servers named by the settings (created if missing, never
dropped). Every method runs as a whole process, ``--rounds`` times, interleaved round by round; each
figure is the median with min-max; ratios are of the runs of one round. Memory is the peak summed RSS
of the method's whole process tree (bench/harness.py), the bound's included.

- The bound: the same rows (the columns and the run id) from a local file into a table of the same
  definition as the stream's raw change log (columns, defaults, the identity, the primary key, the
  (key, seq) and BRIN indexes), in the ways PostgreSQL offers (keys kept, constants per row; in one
  transaction: create, server-side COPY FREEZE, keys after, with the op, position and time per row,
  as column defaults, and with _softcart_seq numbered in the file); the fastest median is the bound.
- ``softcart ingest -s mysql_sales__sales_data --full-refresh``; with ``--peers`` the shell pipe,
  sling and dlt. Every method's table is checked against the source's count and checksum.
- MongoDB: ``softcart ingest`` of the collection against the server's own scan (pymongo, raw BSON),
  both whole processes.
- The no-op ``softcart ingest`` of all streams; 1 % new rows.
Each goal is printed beside its figure with met / NOT MET. Run by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pymysql
from harness import Figure, Goal, Run, load_note, ratio, repeat, rounds, run_process
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


def verify(settings: Settings, table: str, expected: tuple[Any, ...], rowid: str = "rowid") -> str:
    got = target_checksum(settings, table, rowid)
    return "ok" if got == expected else f"DIFFERS {got} vs {expected}"


# --- methods: each a whole process, its table prepared beforehand (untimed) -------------------------


@dataclass
class Method:
    key: str
    label: str
    table: str  # where the rows land (verified after the rounds)
    prepare: Callable[[], None]  # untimed, before each run
    command: Callable[[], tuple[list[str], dict[str, str]]]
    bound: bool = False
    peer: bool = False
    note: str = ""


def psql_cmd(settings: Settings, *args: str, admin: bool = False) -> list[str]:
    """psql as the pipeline's account, or (``admin``: a server-side COPY reads a file, which needs
    pg_read_server_files) as the local server's superuser on its unix socket."""
    u = settings.postgres
    host, user = (str(settings.postgres_socket_dir), "postgres") if admin else (u.host, u.user or "softcart")
    return ["psql", "-X", "-q", "-h", host, "-p", str(u.port), "-U", user, "-d",
            u.database or "", "-v", "ON_ERROR_STOP=1", *args]  # fmt: skip


def psql_env(settings: Settings) -> dict[str, str]:
    return dict(os.environ, PGPASSWORD=settings.postgres.password or "")


def sql_now(settings: Settings, statement: str) -> None:
    with pg(settings) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


TARGET = "raw.mysql_sales__sales_data"
# what softcart's snapshot streams into the change log (mysql_cdc.snapshot_query): the columns and the
# run id per row; the op ('r'), the snapshot's binlog position and time are the same in every row
# and set as the columns' defaults for the COPY; the extract numbers _softcart_seq (base + row number)
CHANGE_COLS = ("_softcart_op", "_softcart_source_pos", "_softcart_committed_at")
ROW_COLS = ", ".join([*(f'"{c}"' for c in COLUMNS), "_softcart_run_id"])
CONST_COLS = ", ".join([*(f'"{c}"' for c in (*COLUMNS, *CHANGE_COLS)), "_softcart_run_id"])
POSITION, AT = "mysql-bin.000001:12345", "2026-12-01 00:00:00.000000+00"
CONSTANTS = f"r\t{POSITION}\t{AT}\t".encode()
DEFAULTS = (
    f"alter table {{table}} alter column _softcart_source_pos set default '{POSITION}',"
    f" alter column _softcart_committed_at set default '{AT}';"
)
# the raw table's keys (ingest/warehouse.py create_raw_table, a cdc stream), built after the COPY
KEYS_AFTER = (
    "alter table {table} add primary key (_softcart_seq);\n"
    "create index on {table} (rowid, _softcart_seq);\n"
    "create index on {table} using brin (_softcart_run_id);\n"
)


@dataclass(frozen=True)
class CopyFiles:
    """The rows of the source as COPY text: ``rows`` (the columns, the run id: what softcart streams),
    ``constants`` (the op, position and time in every row: what it streamed before), ``numbered``
    (``rows`` with _softcart_seq at the end)."""

    rows: Path
    constants: Path
    numbered: Path


def bound_methods(settings: Settings, files: CopyFiles, work: Path) -> list[Method]:
    """The bound: the same rows from a local file into a table of the same definition as the raw
    change log (columns, defaults, the identity, the primary key, the (key, seq) index, the BRIN
    index), in the ways PostgreSQL offers; the fastest median is the bound."""

    def fresh(name: str, keys: bool) -> Callable[[], None]:
        return lambda: sql_now(
            settings,
            f"create schema if not exists bench; drop table if exists bench.{name};"
            + (f" create table bench.{name} (like {TARGET} including all)" if keys else ""),
        )

    def script(name: str, copy: str, defaults: bool) -> Callable[[], tuple[list[str], dict[str, str]]]:
        path = work / f"{name}.sql"
        table = f"bench.{name}"
        path.write_text(
            f"create table {table} (like {TARGET} including defaults including identity);\n"
            + (DEFAULTS.format(table=table) + "\n" if defaults else "")
            + f"{copy.format(table=table)}\n"
            + KEYS_AFTER.format(table=table)
            + f"select setval(pg_get_serial_sequence('{table}', '_softcart_seq'), max(_softcart_seq)) from {table};\n"
            + f"alter table {table} owner to {settings.postgres.user};\n"
        )
        return lambda: (psql_cmd(settings, "-1", "-f", str(path), admin=True), psql_env(settings))

    const_copy = f"copy {{table}} ({CONST_COLS}) from '{files.constants}' with (freeze);"
    rows_copy = f"copy {{table}} ({ROW_COLS}) from '{files.rows}' with (freeze);"
    seq_copy = f"copy {{table}} ({ROW_COLS}, _softcart_seq) from '{files.numbered}' with (freeze);"
    return [
        Method("bound-keys-kept", "psql \\copy into the table with its keys, constants per row (the old bound)",
               "bench.bound_keys_kept", fresh("bound_keys_kept", keys=True),
               lambda: (psql_cmd(settings, "-c", f"\\copy bench.bound_keys_kept ({CONST_COLS}) from '{files.constants}'"),
                        psql_env(settings)), bound=True),
        Method("bound-server-const", "psql -1: create table, server-side COPY FREEZE, keys after; op, position, time per row",
               "bench.bound_const", fresh("bound_const", keys=False), script("bound_const", const_copy, False),
               bound=True),
        Method("bound-server-defaults", "the same, op, position and time as column defaults",
               "bench.bound_defaults", fresh("bound_defaults", keys=False), script("bound_defaults", rows_copy, True),
               bound=True),
        Method("bound-server-seq", "the same, and _softcart_seq numbered in the file",
               "bench.bound_seq", fresh("bound_seq", keys=False), script("bound_seq", seq_copy, True), bound=True),
    ]  # fmt: skip


def softcart_method(settings: Settings) -> Method:
    return Method(
        "softcart", "softcart ingest --full-refresh (one stream)", TARGET, lambda: None,
        lambda: ([sys.executable, "-m", "softcart.cli", "ingest", "-s", STREAM, "--full-refresh"], dict(settings.env)),
    )  # fmt: skip


def peer_methods(settings: Settings) -> list[Method]:
    """Other tools (``--peers``): the shell pipe, sling, dlt."""
    m, u = settings.mysql, settings.postgres
    select = (
        "SELECT rowid, product_id, customer_id, IFNULL(price, '\\\\N'), quantity, IFNULL(`timestamp`, '\\\\N')"
        " FROM sales_data"
    )
    shell = (
        f"mariadb --no-defaults --protocol=TCP -h {m.host} -P {m.port} -u {m.user or 'root'} {m.database}"
        ' --batch --raw --quick --skip-column-names -e "$Q"'
        f" | psql -X -q -h {u.host} -p {u.port} -U {u.user} -d {u.database} -v ON_ERROR_STOP=1"
        f' -c "\\copy bench.pipe ({", ".join(COLUMNS)}) from stdin"'
    )
    sling_env = dict(os.environ, MYSRC=my_url(settings), PGDST=pg_url(settings) + "?sslmode=disable",
                     SLING_DISABLE_TELEMETRY="true")  # fmt: skip
    sling = str(Path(sys.executable).with_name("sling"))

    def dlt(backend: str) -> Method:
        env = dict(
            os.environ, RUNTIME__DLTHUB_TELEMETRY="false", NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION="true"
        )
        # dlt insists on a password; the local server trusts loopback and ignores it
        env["DESTINATION__POSTGRES__CREDENTIALS__PASSWORD"] = settings.postgres.password or "unused"
        src = my_url(settings).replace("mysql://", "mysql+pymysql://")
        pipelines = tempfile.mkdtemp(prefix="dlt-bench-")
        cmd = [sys.executable, "-c", DLT_SCRIPT, backend, src, pg_url(settings), pipelines, my_url(settings)]
        return Method(f"dlt-{backend}", f"dlt 1.31 ({backend} backend, csv, no compression)",
                      f"bench_dlt_{backend}.sales_data",
                      lambda: sql_now(settings, f"drop schema if exists bench_dlt_{backend} cascade"),
                      lambda: (cmd, env), peer=True)  # fmt: skip

    return [
        Method("pipe", "mariadb | psql \\copy (shell pipe, keys kept)", "bench.pipe",
               lambda: sql_now(settings, f"drop table if exists bench.pipe; create table bench.pipe (like {TARGET} including all)"),
               lambda: (["bash", "-o", "pipefail", "-c", shell], dict(os.environ, Q=select)), peer=True),
        Method("sling", "sling 1.4.10 (full-refresh)", "bench.sling",
               lambda: sql_now(settings, "drop table if exists bench.sling"),
               lambda: ([sling, "run", "--src-conn", "MYSRC", "--src-stream", f"{DB}.sales_data", "--tgt-conn", "PGDST",
                         "--tgt-object", "bench.sling", "--mode", "full-refresh"], sling_env),
               peer=True, note="sling's own table: no primary key"),
        dlt("connectorx"),
        dlt("pyarrow"),
    ]  # fmt: skip


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


def step(method: Method) -> Callable[[], Run]:
    def once() -> Run:
        method.prepare()
        cmd, env = method.command()
        return run_process(cmd, env)

    return once


def stream_seconds(settings: Settings, stream: str = STREAM) -> float:
    """The newest run's time for ``stream`` inside the process (from the run log)."""
    with pg(settings) as conn:
        row = conn.execute(
            "select extract(epoch from ended_at - started_at) from softcart_meta.ingest_stream_runs"
            " where stream = %s order by run_id desc limit 1",
            (stream,),
        ).fetchone()
    return float(row[0]) if row else float("nan")


def run_seconds(settings: Settings) -> float:
    """The newest run's time inside the process (from the run log)."""
    with pg(settings) as conn:
        row = conn.execute(
            "select extract(epoch from ended_at - started_at) from softcart_meta.ingest_runs"
            " order by run_id desc limit 1"
        ).fetchone()
    return float(row[0]) if row else float("nan")


# the modules whose import the no-op pays, by who asks for them (python -X importtime, cumulative)
NOOP_IMPORTS = {
    "click (the softcart command)": ("click",),
    "softcart.core.settings": ("softcart.core.settings",),
    "ingest.cli: rich, psycopg, the runner": ("ingest.cli",),
    "ingest.sources.mysql: pymysql (no cryptography: project's MariaDB)": ("ingest.sources.mysql",),
    "ingest.sources.mongo: pymongo (pyOpenSSL only with TLS)": ("ingest.sources.mongo",),
    "ingest.sources.files": ("ingest.sources.files",),
}


def noop_profile(settings: Settings, runs: int) -> dict[str, Figure]:
    """Where a no-op ``softcart ingest`` spends its time: the interpreter's start, the imports (by the
    module that asks for them: ``-X importtime``'s cumulative microseconds, each import counted once),
    the run inside the process (the run log), over ``runs`` whole processes."""
    figures: dict[str, Figure] = {}
    cmd = [sys.executable, "-X", "importtime", "-m", "softcart.cli", "ingest"]
    start = [sys.executable, "-c", "pass"]
    for _ in range(runs):
        bare = run_process(start, dict(os.environ))
        figures.setdefault("python -c pass (the interpreter and site)", Figure([])).values.append(
            bare.seconds
        )
        run = run_process(cmd, dict(settings.env))
        figures.setdefault("the whole process (with -X importtime)", Figure([])).values.append(run.seconds)
        cumulative: dict[str, float] = {}
        for line in run.output.splitlines():
            if line.startswith("import time:") and "|" in line:
                _, cum, name = line.split("|")
                if cum.strip().isdigit():
                    cumulative[name.strip()] = int(cum) / 1e6
        for label, modules in NOOP_IMPORTS.items():
            figures.setdefault(label, Figure([])).values.append(sum(cumulative.get(m, 0.0) for m in modules))
        figures.setdefault("the run inside the process (run log)", Figure([])).values.append(
            run_seconds(settings)
        )
    return figures


# --- MongoDB -----------------------------------------------------------------------------------------

# the scan exits as softcart does (softcart/cli.py, _no_wait_for_pymongo_threads): without pymongo's
# exit hook, which joins its monitor thread and waited up to 0.5 s in some rounds (1.2-1.3 s against
# 0.67 s: a reference that jumped between two values)
MONGO_SCAN = """
import atexit, sys
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient
from pymongo.synchronous import monitor
url, db, coll = sys.argv[1:4]
client = MongoClient(url)
c = client[db][coll].with_options(codec_options=CodecOptions(document_class=RawBSONDocument))
print(sum(1 for _ in c.find({}, batch_size=5000)))
client.close()
atexit.unregister(monitor._shutdown_resources)
"""


def fill_mongo(settings: Settings, docs: int) -> None:
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
    client.close()


# --- goals (issue 17) ----------------------------------------------------------------------------------

GOAL_FULL = Goal("MySQL full load, throughput vs the bound", 0.9, at_most=False)
GOAL_MEMORY = Goal("peak memory of the process tree above the bound's", 100, unit="MB")
GOAL_NOOP = Goal("no-op `softcart ingest` of all streams, whole process", 0.5, unit="s")
GOAL_MONGO = Goal("MongoDB ingest throughput vs the server's own scan, whole process", 0.8, at_most=False)
GOAL_INCREMENTAL = Goal("1 % new rows vs the full load (time)", 0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="whole-process runs per method (median, min-max)"
    )
    parser.add_argument("--mongo-docs", type=int, default=100_000)
    parser.add_argument("--noop-runs", type=int, default=5)
    parser.add_argument("--peers", action="store_true", help="also the shell pipe, sling and dlt (minutes)")
    parser.add_argument(
        "--skip", default="", help="comma-separated: full (the full loads), bounds, mongo, incremental"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 100,000 rows, 10,000 documents")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.mongo_docs = 100_000, 10_000
    skip = set(filter(None, args.skip.split(",")))
    console = Console(width=160)
    settings = bench_settings()
    console.print(f"ingest bench: {args.rows:,} rows, {args.rounds} rounds of whole processes; {load_note()}")

    from softcart.stack import provision

    provision(settings)
    console.print(f"filling MySQL {DB}.sales_data with {args.rows:,} rows ...")
    fill_mysql(settings, args.rows)
    expected = source_checksum(settings)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.chmod(0o755)  # the server reads the bound's file itself (server-side COPY)
    files = CopyFiles(work / "rows.copy", work / "constants.copy", work / "numbered.copy")
    u = settings.mysql
    if "full" not in skip:
        with files.rows.open("wb") as f:
            subprocess.run(
                ["mariadb", "--no-defaults", "--protocol=TCP", "-h", u.host, "-P", str(u.port), "-u", u.user or "root",
                 u.database or "", "--batch", "--raw", "--quick", "--skip-column-names", "-e",
                 "SELECT rowid, product_id, customer_id, IFNULL(price, '\\\\N'), quantity, IFNULL(`timestamp`, '\\\\N'),"
                 " 1 FROM sales_data ORDER BY rowid"],
                stdout=f, check=True, env=dict(os.environ, MYSQL_PWD=u.password or ""),
            )  # fmt: skip
        with files.rows.open("rb") as src, files.constants.open("wb") as c, files.numbered.open("wb") as n:
            for number, line in enumerate(src, 1):
                cut = line.rfind(b"\t") + 1
                c.write(line[:cut] + CONSTANTS + line[cut:])
                n.write(line[:-1] + b"\t%d\n" % number)
    for path in (files.rows, files.constants, files.numbered):
        if path.exists():
            path.chmod(0o644)
    if "full" not in skip:  # a first softcart run so every round is a full refresh of an existing stream
        run_process(softcart_method(settings).command()[0], dict(settings.env))

    methods = [] if {"bounds", "full"} & skip else bound_methods(settings, files, work)
    if "full" not in skip:
        methods.append(softcart_method(settings))
    if args.peers:
        methods += peer_methods(settings)
    seconds, memory = rounds(args.rounds, [(m.key, step(m)) for m in methods])
    verified = {m.key: verify(settings, m.table, expected) for m in methods}
    shutil.rmtree(work, ignore_errors=True)  # the bound's file and scripts

    bounds = [m for m in methods if m.bound]
    best = min(bounds, key=lambda m: seconds[m.key].median) if bounds else None
    table = Table(
        title=f"MariaDB -> PostgreSQL, {args.rows:,} rows: median of {args.rounds} whole processes (min-max)"
    )
    for col in (
        "method",
        "seconds",
        "rows/s (median)",
        "peak MB, process tree",
        "throughput vs bound",
        "verified",
    ):
        table.add_column(col, justify="left" if col in ("method", "verified") else "right")
    for m in methods:
        tput = ratio(seconds[best.key], seconds[m.key], "x").text(2) if best else "-"
        label = m.label + (" [the bound]" if m is best else "") + (f" ({m.note})" if m.note else "")
        table.add_row(label, seconds[m.key].text(2), f"{args.rows / seconds[m.key].median:,.0f}",
                      memory[m.key].text(0), tput, verified[m.key])  # fmt: skip
    console.print(table)
    console.print(f"softcart's stream inside the process (last run): {stream_seconds(settings):.2f} s")
    report: dict[str, Any] = {"rows": args.rows, "load": load_note(), "goals": []}
    if best:
        full = ratio(seconds[best.key], seconds["softcart"], "x")
        extra = Figure(
            [a - b for a, b in zip(memory["softcart"].values, memory[best.key].values, strict=True)], "MB"
        )
        console.print(GOAL_FULL.line(full, note=f"bound: {best.label}"))
        console.print(
            GOAL_MEMORY.line(
                extra, 0, note=f"softcart {memory['softcart'].text(0)}, bound {memory[best.key].text(0)}"
            )
        )
        report["goals"] += [GOAL_FULL.json(full), GOAL_MEMORY.json(extra)]

    if "mongo" not in skip:
        fill_mongo(settings, args.mongo_docs)
        m = settings.mongo
        scan = [sys.executable, "-c", MONGO_SCAN, m.raw, settings.mongo_database, settings.mongo_collection]
        ingest = [
            sys.executable,
            "-m",
            "softcart.cli",
            "ingest",
            "-s",
            "mongo_catalog__electronics",
            "--full-refresh",
        ]
        mongo_s, mongo_mb = rounds(args.rounds, [("scan", lambda: run_process(scan, dict(os.environ))),
                                                 ("ingest", lambda: run_process(ingest, dict(settings.env)))])  # fmt: skip
        rel = ratio(mongo_s["scan"], mongo_s["ingest"], "x")
        console.print(f"MongoDB, {args.mongo_docs:,} documents: the server's scan (pymongo, raw BSON, a whole process)"
                      f" {mongo_s['scan'].text(2)}, {mongo_mb['scan'].text(0)}; softcart ingest --full-refresh"
                      f" {mongo_s['ingest'].text(2)}, {mongo_mb['ingest'].text(0)};"
                      f" in process (last run) {stream_seconds(settings, 'mongo_catalog__electronics'):.2f} s")  # fmt: skip
        console.print(GOAL_MONGO.line(rel))
        report["goals"].append(GOAL_MONGO.json(rel))

    noop_cmd = [sys.executable, "-m", "softcart.cli", "ingest"]
    run_process(noop_cmd, dict(settings.env))  # the streams not yet ingested (customers, files) land once
    inner: list[float] = []
    cpu: list[float] = []

    def noop() -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run = run_process(noop_cmd, dict(settings.env))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        inner.append(run_seconds(settings))
        return run.seconds

    noop_fig = repeat(args.noop_runs, noop)
    console.print(
        GOAL_NOOP.line(
            noop_fig,
            note=f"inside the process {Figure(inner).text(3)}; CPU of the process tree (user + sys,"
            f" what the machine's load does not stretch) {Figure(cpu).text(3)}",
        )
    )
    report["goals"].append(GOAL_NOOP.json(noop_fig))
    report["noop_cpu"] = Figure(cpu).json()
    console.print(
        "where the no-op's time goes (imports: -X importtime, cumulative, by the importing module):"
    )
    profile = noop_profile(settings, args.rounds)
    for label, figure in profile.items():
        console.print(f"  {label:55} {figure.text(3)}")
    report["noop_profile"] = {k: v.json() for k, v in profile.items()}

    if "incremental" not in skip:
        new = max(1, args.rows // 100)
        inc_cmd = [sys.executable, "-m", "softcart.cli", "ingest", "-s", STREAM]

        def one_percent() -> float:
            conn = my(settings)
            with conn.cursor() as cur:
                cur.execute(
                    "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`)"
                    f" SELECT seq % 5000 + 1001, seq % 100000 + 1, 10.50, 2, NOW() FROM seq_1_to_{new}"
                )
            conn.close()
            return run_process(inc_cmd, dict(settings.env)).seconds

        inc = repeat(args.rounds, one_percent)
        conn = my(settings)
        with conn.cursor() as cur:
            cur.execute(f"DELETE FROM sales_data WHERE rowid > {args.rows}")
            cur.execute(f"ALTER TABLE sales_data AUTO_INCREMENT = {args.rows + 1}")
        conn.close()
        console.print(f"1 % new rows ({new:,}), whole process: {inc.text(2)}")
        if "softcart" in seconds:
            share = Figure([v / seconds["softcart"].median for v in inc.values], "x")
            console.print(GOAL_INCREMENTAL.line(share, 3, note=f"full load {seconds['softcart'].text(2)}"))
            report["goals"].append(GOAL_INCREMENTAL.json(share))

    report["methods"] = {m.key: {"label": m.label, "seconds": seconds[m.key].json(), "peak_mb": memory[m.key].json(),
                                 "verified": verified[m.key]} for m in methods}  # fmt: skip
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    console.print(f"written {path}")
    bad = [k for k, v in verified.items() if v != "ok"]
    if bad:
        console.print(f"[red]rows differ from the source: {', '.join(bad)}[/]")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
