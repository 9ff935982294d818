"""Benchmark: the Spark sales job against DuckDB on the same Parquet files, as whole processes, and the
export's throughput. Run by hand (never in CI); prints each figure with its goal, writes
bench/results/spark-*.json.

Every figure is the median of ``--rounds`` (3) whole processes, with min-max, interleaved round by
round (one round runs every engine), so ratios are of runs that shared the machine's load:

- **cold**: a new process does the work once: interpreter, imports, the Spark session (JVM included)
  or DuckDB's connection, the work, exit. The Spark session start is also shown apart.
- **warm**: a new process does the work ``--warm-iterations`` times; the later runs' median (in process).

Four engines, a cold and a warm process each, every round:
- Spark: the sales job itself (``spark.jobs.sales.run``: one pass to (year, country, category) cells,
  names from the lake's dimensions, the four reports written to ``results/``), with the session
  ``softcart analyze sales`` builds (spark/session.py);
- DuckDB, direct: the four reference queries (``AGGREGATES``) straight over the files: its best way;
- DuckDB, same plan: the job's one pass to cells, then the four reports from them;
- Spark with no work: the same session, ``spark.range(1).count()``, the stop: Spark's floor, printed
  against DuckDB beside the goals (what they leave for the work).
The Spark job's written results must equal DuckDB's queries row for row (checked; exit 1 if not).

    .venv/bin/python bench/bench_spark.py                 # scales 1 and 10, export at scale 1
    .venv/bin/python bench/bench_spark.py --quick         # smoke run: scale 0.1, export 0.05
    .venv/bin/python bench/bench_spark.py --scales 10 --export-scale 0 --conf spark.sql.shuffle.partitions=2

Scale 1 = 1,000,000 sales (the generator's convention). The lake's ``sales`` table is made
synthetically with numpy in the exact layout ``softcart export`` writes (year=/month= partitions,
same columns and types), so both engines read identical files. The export is measured against the
PostgreSQL of the settings (``SOFTCART_POSTGRES_URL`` / ``SOFTCART_POSTGRES_PORT``): a scratch
database ``softcart_bench`` gets synthetic marts, then ``softcart export`` runs as a whole process,
full (into an empty lake) and unchanged, and the readers of the wide query are compared in process
(COPY CSV -> pyarrow, which the export uses; psycopg binary COPY -> Python rows; connectorx).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Figure, Goal, Run, Series, load_note, ratio, run_process  # noqa: E402
from spark_sql import AGGREGATES, CELLS, CELLS_VIEW, FROM_CELLS  # noqa: E402  (bench/spark_sql.py)

from softcart.core.settings import Settings, load_settings  # noqa: E402
from softcart.lake.store import LATEST, MANIFESTS  # noqa: E402
from spark.jobs import sales as sales_job  # noqa: E402
from spark.session import class_archive  # noqa: E402
from tests.spark import marts_data  # noqa: E402

COUNTRIES = [f"Country {i:02d}" for i in range(56)] + ["Unknown"]
CATEGORIES = ["Electronics", "Books", "Toys", "Sports", "Software", "Unknown"]
YEARS = (2019, 2020, 2021)


def _money(cents: np.ndarray) -> pa.Array:
    """Integer cents as decimal(18, 2), the type ``softcart export`` writes."""
    hundredth = pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))
    return pc.multiply(pa.array(cents).cast(pa.decimal128(19, 0)), hundredth).cast(pa.decimal128(18, 2))


def make_sales(scale: float, seed: int = 42) -> pa.Table:
    """The wide ``sales`` table, synthetic: scale × 1,000,000 rows over 3 years."""
    n = int(scale * 1_000_000)
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 365 * len(YEARS), n)
    dates = np.datetime64(f"{YEARS[0]}-01-01") + day.astype("timedelta64[D]")
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    months = dates.astype("datetime64[M]").astype(int) % 12 + 1
    quantity = rng.integers(1, 6, n).astype(np.int32)
    price_cents = rng.integers(100, 100_000, n)
    country = rng.integers(0, len(COUNTRIES), n)
    category = rng.integers(0, len(CATEGORIES), n)
    item = rng.integers(1, 500, n)
    amount_cents = price_cents * quantity
    date_key = (
        years * 10000 + months * 100 + (dates - dates.astype("datetime64[M]")).astype(int) + 1
    ).astype(np.int32)
    return pa.table(
        {
            "sale_key": pa.array(np.char.add("s", np.arange(n).astype(str))),
            "source_system": pa.array(np.where(country % 3 == 0, "files", "mysql")),
            "date_key": date_key,
            "date_day": pa.array(dates.astype("datetime64[D]")),
            "item_key": item.astype(np.int64),
            "item_name": pa.array(np.char.add("Item ", item.astype(str))),
            "category_key": category.astype(np.int32),
            "category_name": pa.array(np.array(CATEGORIES)[category]),
            "country_key": country.astype(np.int32),
            "country_name": pa.array(np.array(COUNTRIES)[country]),
            "customer_id": rng.integers(1, 10_000, n),
            "quantity": quantity,
            "price": _money(price_cents),
            "amount": _money(amount_cents),
            "amount_cents": amount_cents.astype(np.int64),
            "sold_at": pa.array(dates.astype("datetime64[us]")),
            "year": years.astype(np.int32),
            "month": months.astype(np.int32),
        }
    )


def write_lake_dimensions(lake: Path) -> None:
    """The lake's ``dim_country`` and ``dim_category`` for the synthetic sales (keys = list index)."""
    import pyarrow.parquet as pq

    for name, key, column, names in (
        ("dim_country", "country_key", "country_name", COUNTRIES),
        ("dim_category", "category_key", "category_name", CATEGORIES),
    ):
        out = lake / name
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        table = pa.table({key: pa.array(range(len(names)), pa.int32()), column: pa.array(names)})
        pq.write_table(table, out / "part-0.parquet")


def write_lake_sales(table: pa.Table, lake: Path) -> Path:
    write_lake_dimensions(lake)
    out = lake / "sales"
    shutil.rmtree(out, ignore_errors=True)
    ds.write_dataset(
        table,
        out,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("year", pa.int32()), ("month", pa.int32())]), flavor="hive"),
        basename_template="part-{i}.parquet",
        max_rows_per_group=1 << 20,
    )
    write_lake_manifest(lake)
    return out


def write_lake_manifest(lake: Path) -> None:
    """The lake's manifest naming each table's files, as `softcart export` commits one: the Spark jobs
    read the files the manifest names, never a folder listing (softcart/lake/store.py)."""
    tables: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for table in sorted(p for p in lake.iterdir() if p.is_dir() and p.name not in (MANIFESTS, "results")):
        partitions: dict[str, dict[str, str]] = {}
        for file in sorted(table.rglob("*.parquet")):
            folder = file.parent.relative_to(table).as_posix()
            key = "" if folder == "." else folder
            if key in partitions:
                raise SystemExit(f"{file}: a second file in one partition (the manifest names one)")
            partitions[key] = {"file": file.name}
        tables[table.name] = {"partitions": partitions}
    (lake / MANIFESTS).mkdir(exist_ok=True)
    (lake / MANIFESTS / LATEST).write_text(json.dumps({"tables": tables}))


# --- the engines, each run as a whole process ------------------------------------------------------
# Each worker is a small script started with ``python -c``: it imports only what its engine needs
# (DuckDB: duckdb and the SQL texts; Spark: what ``softcart analyze sales`` imports to run the job),
# so the whole-process time is the engine's, not this benchmark's imports. It prints one JSON line.

DUCKDB_WORKER = """
import json, sys, time
began = time.perf_counter()
import duckdb
spec = json.load(open(sys.argv[1]))
out = {"import_s": time.perf_counter() - began, "iterations": []}
con = duckdb.connect()
con.execute("set threads = 2")
con.execute("set enable_progress_bar = false")
for view, sql in spec["views"].items():
    con.execute(f"create view {view} as {sql}")
for _ in range(spec["iterations"]):
    t = time.perf_counter()
    if spec["plan"] == "direct":
        for sql in spec["aggregates"].values():
            con.execute(sql).fetchall()
    else:
        con.execute(f"create or replace temp table {spec['cells_view']} as {spec['cells']}")
        for sql in spec["from_cells"].values():
            con.execute(sql).fetchall()
    out["iterations"].append(time.perf_counter() - t)
print(json.dumps(out))
"""

SPARK_WORKER = """
import json, os, sys, time
began = time.perf_counter()
from softcart.core.settings import load_settings
from softcart.lake.store import Lake
from spark.jobs import sales
from spark.session import build_session, stop_session
spec = json.load(open(sys.argv[1]))
settings = load_settings(dict(os.environ, SOFTCART_LAKE_URL=spec["lake"]))
lake = Lake.from_url(settings.lake_url)
out = {"import_s": time.perf_counter() - began, "iterations": []}
t = time.perf_counter()
spark = build_session(settings, "softcart-sales", lake_root=lake.spark_root, extra=spec["conf"])
out["session_s"] = time.perf_counter() - t
for _ in range(spec["iterations"]):
    t = time.perf_counter()
    if spec["work"] == "floor":
        spark.range(1).count()
    else:
        sales.run(spark, lake)
    out["iterations"].append(time.perf_counter() - t)
t = time.perf_counter()
stop_session(spark)
out["stop_s"] = time.perf_counter() - t
print(json.dumps(out))
"""

ENGINES = {
    "duckdb-direct": "DuckDB, the four queries on the files",
    "duckdb-plan": "DuckDB, the job's one-pass plan",
    "spark": "Spark, the sales job (sales.run: one pass, four reports written)",
    # what any Spark job costs before it reads a byte: the goals below are measured against it
    "spark-floor": "Spark, no work (the session, one count of one row, the stop)",
}


@dataclass
class EngineRun:
    engine: str
    run: Run
    detail: dict[str, Any]


def engine_process(engine: str, lake: Path, iterations: int, conf: dict[str, str], tmp: Path) -> EngineRun:
    """One whole process of ``engine`` over ``lake`` running the work ``iterations`` times."""
    spec: dict[str, Any] = {"iterations": iterations, "lake": str(lake), "conf": conf,
                            "work": "floor" if engine == "spark-floor" else "sales"}  # fmt: skip
    if engine.startswith("duckdb"):
        spec.update(
            plan=engine.removeprefix("duckdb-"),
            views={
                "sales": f"select * from read_parquet('{lake / 'sales'}/**/*.parquet', hive_partitioning = true)",
                **{name: f"select * from read_parquet('{lake / name}/*.parquet')" for name in sales_job.DIMENSION_VIEWS},
            },
            aggregates=AGGREGATES, cells=CELLS, cells_view=CELLS_VIEW, from_cells=FROM_CELLS,
        )  # fmt: skip
        script = DUCKDB_WORKER
    else:
        script = SPARK_WORKER
    path = tmp / f"{engine}.json"
    path.write_text(json.dumps(spec))
    run = run_process([sys.executable, "-c", script, str(path)], dict(os.environ), cwd=ROOT)
    last = [line for line in run.output.splitlines() if line.startswith("{")][-1]  # its JSON line
    return EngineRun(engine, run, json.loads(last))


def duckdb_results(lake: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The four reference queries by DuckDB, and the Spark job's written results, for the check."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"create view sales as select * from read_parquet('{lake / 'sales'}/**/*.parquet', hive_partitioning = true)"
    )
    return {name: con.execute(sql).fetchall() for name, sql in AGGREGATES.items()}


def spark_results(lake: Path) -> dict[str, list[tuple[Any, ...]]]:
    import duckdb

    con = duckdb.connect()
    return {
        name: con.execute(f"select * from read_parquet('{lake}/results/sales/{name}/*.parquet')").fetchall()
        for name in AGGREGATES
    }


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda r: tuple((v is None, "" if v is None else str(v)) for v in r))


def same_results(
    duck: dict[str, list[tuple[Any, ...]]], spark: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """The aggregates whose DuckDB and Spark rows differ (empty: identical)."""
    return [name for name in AGGREGATES if _sorted(duck[name]) != _sorted(spark[name])]


@dataclass
class ScaleFigures:
    cold: Series  # whole process, one run of the work, seconds
    warm: Series  # in process, a later run of the work (median of the later iterations), seconds
    memory: Series  # peak MB of the whole process tree (cold process)
    session: Figure  # Spark session start inside the cold process
    spark_first: Figure  # the Spark job's first run inside the cold process (session excluded)


def bench_scale(
    lake: Path, rounds: int, warm_iterations: int, conf: dict[str, str], tmp: Path
) -> ScaleFigures:
    """``rounds`` rounds; each runs every engine cold (a new process, the work once) and warm (a new
    process, the work ``warm_iterations`` times; the later runs' median is the warm figure)."""
    cold, warm, memory = Series(), Series(), Series()
    session, first = Figure([]), Figure([])
    archive = class_archive(load_settings())
    if archive is not None and not archive.exists:
        # made once per Spark/Java installation by the first session (spark/session.py): not a cold run
        made = engine_process("spark", lake, 1, conf, tmp)
        print(
            f"  Spark class archive made (once, untimed): {made.run.seconds:.2f} s whole process", flush=True
        )
    for i in range(rounds):
        print(f"  round {i + 1}/{rounds}", flush=True)
        for engine in ENGINES:
            once = engine_process(engine, lake, 1, conf, tmp)
            print(f"    {engine} cold: {once.run.seconds:.2f} s whole process, {once.run.peak_mb:.0f} MB;"
                  f" in process {json.dumps(once.detail)}", flush=True)  # fmt: skip
            cold.add(engine, once.run.seconds)
            memory.add(engine, once.run.peak_mb, "MB")
            if engine == "spark":
                session.values.append(once.detail["session_s"])
                first.values.append(once.detail["iterations"][0])
        for engine in ENGINES:
            again = engine_process(engine, lake, warm_iterations, conf, tmp)
            print(
                f"    {engine} warm process: {again.run.seconds:.2f} s, in process {json.dumps(again.detail)}",
                flush=True,
            )
            warm.add(engine, statistics.median(again.detail["iterations"][1:]))
    return ScaleFigures(cold, warm, memory, session, first)


# the goals of issue 17 at scale 10, on the cold whole-process medians (ratios of paired runs)
GOAL_DIRECT = Goal("Spark job / DuckDB direct queries, cold whole process", 2.0)
GOAL_PLAN = Goal("Spark job / DuckDB same plan, cold whole process", 3.0)

# --- export ------------------------------------------------------------------------------------------


def _bench_settings(settings: Settings, tmp: Path) -> Settings:
    import psycopg

    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute("drop database if exists softcart_bench with (force)")
        conn.execute("create database softcart_bench")
    return dataclasses.replace(
        settings, postgres=pg.with_database("softcart_bench"), lake_url=str(tmp / "export-lake"), data_dir=tmp
    )


def load_marts(settings: Settings, sales: pa.Table) -> float:
    """Synthetic marts in PostgreSQL, following the contract. Returns seconds."""
    import psycopg
    import pyarrow.csv as pacsv

    pg = settings.postgres
    started = time.perf_counter()
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database, autocommit=True
    ) as conn:
        # the tables of the marts' contract and the lake's view, as the Spark tests build them
        # (tests/spark/marts_data.py: the view rendered from the dbt model mart_sales itself)
        conn.execute(marts_data.DDL)
        conn.execute(
            """
            insert into marts.dim_date
                select to_char(d, 'YYYYMMDD')::int as date_key, d::date as date_day,
                       extract(year from d)::int as year, extract(quarter from d)::int as quarter,
                       'Q' || extract(quarter from d) as quarter_name, extract(month from d)::int as month,
                       to_char(d, 'FMMonth') as month_name, extract(day from d)::int as day,
                       extract(dow from d)::int + 1 as weekday, to_char(d, 'FMDay') as weekday_name
                from generate_series('2019-01-01'::date, '2021-12-31', '1 day') as d;
            insert into marts.dim_item (item_key, item_name, item_type, category_key)
                select i::bigint, 'Item ' || i, 'thing', 1 from generate_series(1, 499) as i;
            """
        )
        conn.execute(f"create view marts.mart_sales as {marts_data.mart_sales_sql()}")  # type: ignore[arg-type]
        with conn.cursor() as cur:
            cur.executemany("insert into marts.dim_category values (%s, %s)", list(enumerate(CATEGORIES)))
            cur.executemany("insert into marts.dim_country values (%s, %s)", list(enumerate(COUNTRIES)))
            facts = sales.select(
                [
                    "sale_key",
                    "source_system",
                    "date_key",
                    "item_key",
                    "category_key",
                    "country_key",
                    "customer_id",
                    "quantity",
                    "price",
                    "amount",
                    "sold_at",
                ]
            )
            sink = pa.BufferOutputStream()
            pacsv.write_csv(facts, sink, write_options=pacsv.WriteOptions(include_header=False))
            data = sink.getvalue().to_pybytes()
            with cur.copy("copy marts.fct_sales from stdin (format csv)") as copy:
                for i in range(0, len(data), 1 << 20):
                    copy.write(data[i : i + (1 << 20)])
        conn.execute("analyze")
    return time.perf_counter() - started


def bench_readers(settings: Settings) -> dict[str, float]:
    """Rows/s of each way to get the wide sales query out of PostgreSQL into Arrow."""
    from softcart.lake.export.tables import SALES
    from softcart.lake.export.warehouse import connect, stream_batches, typed_query

    results: dict[str, float] = {}
    with connect(settings) as conn:
        query = typed_query(conn, SALES)
        t = time.perf_counter()
        rows = sum(b.num_rows for b in stream_batches(conn, SALES, query, None))
        results["COPY csv -> pyarrow (export)"] = rows / (time.perf_counter() - t)
        t = time.perf_counter()
        n = 0
        with conn.cursor() as cur, cur.copy(f"copy ({query.sql}) to stdout (format binary)") as copy:
            copy.set_types(
                [f"{'numeric' if pa.types.is_decimal(f.type) else _pg_type(f.type)}" for f in query.schema]
            )
            batch: list[tuple[Any, ...]] = []
            for row in copy.rows():
                batch.append(row)
                if len(batch) == 100_000:
                    pa.Table.from_pylist([dict(zip(query.schema.names, r, strict=True)) for r in batch])
                    n += len(batch)
                    batch = []
            n += len(batch)
        results["COPY binary -> psycopg rows -> pyarrow"] = n / (time.perf_counter() - t)
    try:
        import connectorx as cx

        pg = settings.postgres
        t = time.perf_counter()
        table = cx.read_sql(pg.raw, query.sql, return_type="arrow")  # the URL with its password
        results["connectorx -> arrow"] = table.num_rows / (time.perf_counter() - t)
    except Exception as exc:  # not installed or not working: say so
        print(f"connectorx: {exc}")
    return results


def _pg_type(t: pa.DataType) -> str:
    if pa.types.is_int64(t):
        return "int8"
    if pa.types.is_int32(t):
        return "int4"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    return "text"


def export_figures(settings: Settings, scale: float, rounds: int, tmp: Path) -> dict[str, Figure]:
    """``softcart export`` as a whole process on synthetic marts: full (into an empty lake), then
    unchanged (nothing to write), ``rounds`` times; and the readers of the wide query (in process)."""
    bench = _bench_settings(settings, tmp)
    sales = make_sales(scale)
    load_s = load_marts(bench, sales)
    rows = sales.num_rows
    print(f"\nexport at scale {scale:g}: {rows:,} sales loaded into PostgreSQL in {load_s:.1f} s")
    del sales
    env = dict(os.environ, SOFTCART_POSTGRES_URL=bench.postgres.raw, SOFTCART_LAKE_URL=bench.lake_url,
               SOFTCART_DATA_DIR=str(tmp / "export-data"))  # fmt: skip
    cmd = [sys.executable, "-m", "softcart.cli", "export"]
    figures = {
        "full export": Figure([]),
        "unchanged re-run": Figure([]),
        "full export rows/s": Figure([], "rows/s"),
    }
    for _ in range(rounds):
        shutil.rmtree(bench.lake_url, ignore_errors=True)
        full = run_process(cmd, env)
        figures["full export"].values.append(full.seconds)
        figures["full export rows/s"].values.append(rows / full.seconds)
        figures["unchanged re-run"].values.append(run_process(cmd, env).seconds)
    readers: dict[str, Figure] = {}
    for _ in range(rounds):
        for name, rate in bench_readers(bench).items():
            readers.setdefault(name, Figure([], "rows/s")).values.append(rate)
    return {**figures, **{f"reader: {k} (in process)": v for k, v in readers.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="1,10", help="comma-separated scales (1 = 1M sales)")
    parser.add_argument("--rounds", type=int, default=3, help="whole-process runs per figure (median)")
    parser.add_argument("--warm-iterations", type=int, default=3, help="runs of the work in a warm process")
    parser.add_argument("--export-scale", type=float, default=1.0, help="scale of the export run (0: skip)")
    parser.add_argument("--quick", action="store_true", help="smoke run: scale 0.1, export 0.05")
    parser.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE",
        help="extra Spark configuration for the job (to try a setting; repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--lake", type=Path, default=None,
        help="an existing synthetic lake of the one scale given (kept; e.g. made by an earlier run)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.lake and "," in args.scales:
        parser.error("--lake takes one scale")
    if args.quick:
        args.scales, args.export_scale = "0.1", 0.05
    settings = load_settings()
    scales = [float(s) for s in args.scales.split(",") if s]
    conf = dict(c.split("=", 1) for c in args.conf)
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(), "scales": {}, "conf": conf,
                              "spark_master": settings.spark_master, "load": load_note()}  # fmt: skip
    print(f"Spark vs DuckDB, {args.rounds} rounds of whole processes; {load_note()}")
    failed = False
    with tempfile.TemporaryDirectory(prefix="softcart-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for scale in scales:
            t = time.perf_counter()
            lake = args.lake or tmp / f"lake-{scale:g}"
            if not args.lake:
                write_lake_sales(make_sales(scale), lake)
            print(
                f"\nscale {scale:g}: {int(scale * 1_000_000):,} sales (lake made in {time.perf_counter() - t:.1f} s)"
            )
            f = bench_scale(lake, args.rounds, args.warm_iterations, conf, tmp)
            differ = same_results(duckdb_results(lake), spark_results(lake))
            failed = failed or bool(differ)
            print(
                f"results identical (Spark job vs DuckDB's queries): {'yes' if not differ else 'NO: ' + ', '.join(differ)}"
            )
            print(f"{'':58} {'cold, whole process':>30} {'warm, in process':>30} {'peak MB (tree)':>24}")
            for engine, label in ENGINES.items():
                print(f"  {label:56} {f.cold[engine].text(2):>30} {f.warm[engine].text(3):>30}"
                      f" {f.memory[engine].text(0):>24}")  # fmt: skip
            print(f"  Spark session start (inside the cold process)          {f.session.text(2):>30}")
            print(f"  Spark job's first run (inside the cold process)        {f.spark_first.text(2):>30}")
            ratios = {
                "direct_cold": ratio(f.cold["spark"], f.cold["duckdb-direct"]),
                "plan_cold": ratio(f.cold["spark"], f.cold["duckdb-plan"]),
                "direct_warm": ratio(f.warm["spark"], f.warm["duckdb-direct"]),
                "plan_warm": ratio(f.warm["spark"], f.warm["duckdb-plan"]),
                "floor_direct_cold": ratio(f.cold["spark-floor"], f.cold["duckdb-direct"]),
                "floor_plan_cold": ratio(f.cold["spark-floor"], f.cold["duckdb-plan"]),
            }
            print(
                f"  Spark / DuckDB direct: cold {ratios['direct_cold'].text(2)}, warm {ratios['direct_warm'].text(2)}"
            )
            print(
                f"  Spark / DuckDB same plan: cold {ratios['plan_cold'].text(2)}, warm {ratios['plan_warm'].text(2)}"
            )
            print(
                f"  Spark with no work / DuckDB: direct {ratios['floor_direct_cold'].text(2)},"
                f" same plan {ratios['floor_plan_cold'].text(2)} (cold: what the goals leave for the work)"
            )
            entry: dict[str, Any] = {
                "identical": not differ,
                "cold_s": {k: v.json() for k, v in f.cold.figures.items()},
                "warm_s": {k: v.json() for k, v in f.warm.figures.items()},
                "peak_mb": {k: v.json() for k, v in f.memory.figures.items()},
                "spark_session_s": f.session.json(),
                "ratios": {k: v.json() for k, v in ratios.items()},
            }
            if scale == 10:
                print(GOAL_DIRECT.line(ratios["direct_cold"]))
                print(GOAL_PLAN.line(ratios["plan_cold"]))
                entry["goals"] = [
                    GOAL_DIRECT.json(ratios["direct_cold"]),
                    GOAL_PLAN.json(ratios["plan_cold"]),
                ]
            else:
                print(
                    f"  (the goals of issue 17 are at scale 10: {GOAL_DIRECT.text()} direct, {GOAL_PLAN.text()} same plan)"
                )
            report["scales"][f"{scale:g}"] = entry
            if not args.lake:
                shutil.rmtree(lake, ignore_errors=True)

        if args.export_scale > 0:
            figures = export_figures(settings, args.export_scale, args.rounds, tmp)
            for name, figure in figures.items():
                print(f"  {name:60} {figure.text(0 if figure.unit == 'rows/s' else 2)}")
            report["export"] = {"scale": args.export_scale, **{k: v.json() for k, v in figures.items()}}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"spark-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nwritten {path}")
    if failed:
        print("Spark and DuckDB results differ: see above")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
