"""Benchmark: the sales-analytics queries with Spark and with DuckDB on the same Parquet files, and the
export's throughput. Run by hand (never in CI); prints ratios, writes bench/results/spark-*.json.

Spark runs what ``spark/jobs/sales.py`` runs (one pass to (year, country, category) cells by the
integer keys, names joined from the lake's dimensions, then the four aggregates from them); DuckDB
runs the four reference queries (``AGGREGATES``) straight over the files, and, for reference, the
same one-pass plan. Both engines' results must be identical (checked;
exit 1 if not).

    .venv/bin/python bench/bench_spark.py                 # scales 1 and 10, export at scale 1
    .venv/bin/python bench/bench_spark.py --scales 1 --export-scale 0.1

Scale 1 = 1,000,000 sales (the generator's convention). The lake's ``sales`` table is made
synthetically with numpy in the exact layout ``softcart export`` writes (year=/month= partitions,
same columns and types), so both engines read identical files. The export is measured against the
PostgreSQL of the settings (``SOFTCART_POSTGRES_URL`` / ``SOFTCART_POSTGRES_PORT``): a scratch
database ``softcart_bench`` gets synthetic marts, then ``run_export`` runs twice (full, then
unchanged), and the reading engines are compared on the same query (COPY CSV -> pyarrow, which the
export uses; psycopg binary COPY -> Python rows; connectorx; Spark JDBC when a PostgreSQL JDBC jar is
found).
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import shutil
import sys
import tempfile
import time
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

from softcart.core.settings import Settings, load_settings  # noqa: E402
from spark.jobs import sales as sales_job  # noqa: E402
from spark.jobs.sales import AGGREGATES, CELLS, CELLS_VIEW, FROM_CELLS  # noqa: E402

COUNTRIES = [f"Country {i:02d}" for i in range(56)] + ["Unknown"]
CATEGORIES = ["Electronics", "Books", "Toys", "Sports", "Software", "Unknown"]
YEARS = (2019, 2020, 2021)
REPEAT = 3


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
    return out


def _best(fn: Any) -> tuple[float, float]:
    """(first run, best of the following runs) in seconds."""
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times[0], min(times[1:]) if len(times) > 1 else times[0]


def bench_duckdb(sales_dir: Path) -> tuple[dict[str, tuple[float, float]], dict[str, list[tuple[Any, ...]]]]:
    """DuckDB: the four reference queries straight over the Parquet files (its own best way).

    Returns the timings and the last results, which the Spark results must equal."""
    import duckdb

    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute(
        f"create view sales as select * from read_parquet('{sales_dir}/**/*.parquet', hive_partitioning = true)"
    )
    results: dict[str, list[tuple[Any, ...]]] = {}

    def query(name: str, sql: str) -> None:
        results[name] = con.execute(sql).fetchall()

    times = {name: _best(lambda n=name, q=sql: query(n, q)) for name, sql in AGGREGATES.items()}
    return times, results


def bench_duckdb_cells(sales_dir: Path) -> tuple[float, float]:
    """For reference only: DuckDB with the job's one-pass plan (cells, then the four from them)."""
    import duckdb

    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute(
        f"create view sales as select * from read_parquet('{sales_dir}/**/*.parquet', hive_partitioning = true)"
    )

    for name in sales_job.DIMENSION_VIEWS:
        con.execute(
            f"create view {name} as select * from read_parquet('{sales_dir.parent / name}/*.parquet')"
        )

    def once() -> None:
        con.execute(f"create or replace temp table {CELLS_VIEW} as {CELLS}")
        for sql in FROM_CELLS.values():
            con.execute(sql).fetchall()

    return _best(once)


def bench_spark(
    spark: Any, sales_dir: Path
) -> tuple[dict[str, tuple[float, float]], dict[str, list[tuple[Any, ...]]]]:
    """Spark: what ``spark/jobs/sales.py`` runs -- one pass to the (year, country, category) cells,
    cached, then the four aggregates from the cells -- collected instead of written (as DuckDB's).

    Timings: "cells pass" and each aggregate, per repetition (the cache is dropped between runs)."""
    sales = spark.read.parquet(sales_dir.as_uri()).select(
        "year", "country_key", "category_key", "amount_cents"
    )
    dimensions = {
        name: spark.read.parquet((sales_dir.parent / name).as_uri()) for name in sales_job.DIMENSION_VIEWS
    }
    phases: dict[str, list[float]] = {"cells pass": [], **{name: [] for name in FROM_CELLS}}
    results: dict[str, list[tuple[Any, ...]]] = {}
    for _ in range(REPEAT):
        t = time.perf_counter()
        base = sales_job.cells(spark, sales, dimensions)
        base.count()  # materialise the cache: the one scan of the files
        phases["cells pass"].append(time.perf_counter() - t)
        for name, df in sales_job.aggregates(spark).items():
            t = time.perf_counter()
            results[name] = [tuple(r) for r in df.collect()]
            phases[name].append(time.perf_counter() - t)
        base.unpersist(blocking=True)
    times = {name: (v[0], min(v[1:]) if len(v) > 1 else v[0]) for name, v in phases.items()}
    return times, results


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda r: tuple((v is None, "" if v is None else str(v)) for v in r))


def same_results(
    duck: dict[str, list[tuple[Any, ...]]], spark: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """The aggregates whose DuckDB and Spark rows differ (empty: identical)."""
    return [name for name in AGGREGATES if _sorted(duck[name]) != _sorted(spark[name])]


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
        conn.execute(
            """
            create schema marts;
            create table marts.dim_date as
                select to_char(d, 'YYYYMMDD')::int as date_key, d::date as date_day,
                       extract(year from d)::int as year, extract(quarter from d)::int as quarter,
                       'Q' || extract(quarter from d) as quarter_name, extract(month from d)::int as month,
                       to_char(d, 'FMMonth') as month_name, extract(day from d)::int as day,
                       extract(dow from d)::int + 1 as weekday, to_char(d, 'FMDay') as weekday_name
                from generate_series('2019-01-01'::date, '2021-12-31', '1 day') as d;
            create table marts.dim_category (category_key int, category_name text);
            create table marts.dim_country (country_key int, country_name text);
            create table marts.dim_item as
                select i::bigint as item_key, 'Item ' || i as item_name, 'thing' as item_type, 1 as category_key
                from generate_series(1, 499) as i;
            create table marts.fct_sales (sale_key text, source_system text, date_key int, item_key bigint,
                category_key int, country_key int, customer_id bigint, quantity int, price numeric,
                amount numeric, sold_at timestamp);
            """
        )
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


def bench_readers(settings: Settings, jdbc_jar: str | None, spark: Any) -> dict[str, float]:
    """Rows/s of each way to get the wide sales query out of PostgreSQL into Arrow/Spark."""
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
        table = cx.read_sql(
            f"postgresql://{pg.user}@{pg.host}:{pg.port}/{pg.database}", query.sql, return_type="arrow"
        )
        results["connectorx -> arrow"] = table.num_rows / (time.perf_counter() - t)
    except Exception as exc:  # not installed or not working: say so
        print(f"connectorx: {exc}")
    if jdbc_jar and spark is not None:
        pg = settings.postgres
        if pg.password:
            print("Spark JDBC: the bench passes no password; skipped")
            return results
        t = time.perf_counter()
        df = (
            spark.read.format("jdbc")
            .option("url", f"jdbc:postgresql://{pg.host}:{pg.port}/{pg.database}")
            .option("driver", "org.postgresql.Driver")
            .option("user", pg.user)
            .option("query", query.sql)
            .option("fetchsize", 10_000)
            .load()
        )
        df.write.format("noop").mode("overwrite").save()  # reads every column of every row
        results["Spark JDBC (1 connection)"] = rows / (time.perf_counter() - t)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="1,10", help="comma-separated scales (1 = 1M sales)")
    parser.add_argument("--export-scale", type=float, default=1.0, help="scale of the export run (0: skip)")
    parser.add_argument("--jdbc-jar", default=None, help="PostgreSQL JDBC jar for the Spark JDBC reader")
    args = parser.parse_args(argv)
    settings = load_settings()
    scales = [float(s) for s in args.scales.split(",") if s]
    jar = args.jdbc_jar or next(
        iter(sorted(glob.glob(str(Path.home() / ".m2/repository/org/postgresql/postgresql/*/*.jar")))), None
    )
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(),
        "scales": {},
        "spark_master": settings.spark_master,
    }

    from spark.session import build_session

    extra = {"spark.jars": jar} if jar else {}
    t = time.perf_counter()
    spark = build_session(settings, "softcart-bench", extra=extra)
    report["spark_session_start_s"] = round(time.perf_counter() - t, 2)
    print(f"Spark session start: {report['spark_session_start_s']:.1f} s (master {settings.spark_master})")

    failed = False
    with tempfile.TemporaryDirectory(prefix="softcart-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for scale in scales:
            t = time.perf_counter()
            sales = make_sales(scale)
            sales_dir = write_lake_sales(sales, tmp / f"lake-{scale:g}")
            made = time.perf_counter() - t
            del sales
            duck, duck_rows = bench_duckdb(sales_dir)
            duck_cells = bench_duckdb_cells(sales_dir)
            spk, spark_rows = bench_spark(spark, sales_dir)
            differ = same_results(duck_rows, spark_rows)
            print(f"\nscale {scale:g}: {int(scale * 1_000_000):,} sales (data made in {made:.1f} s)")
            print(
                f"results identical (Spark job vs DuckDB SQL): {'yes' if not differ else 'NO: ' + ', '.join(differ)}"
            )
            print(f"(best of {REPEAT - 1} warm runs; cold = first run)")
            print(f"{'DuckDB, four queries on the files':45} {'warm s':>8} {'cold s':>8}")
            for name in AGGREGATES:
                print(f"  {name:43} {duck[name][1]:8.3f} {duck[name][0]:8.3f}")
            print(f"{'Spark job: one pass to cells, four from them':45} {'warm s':>8} {'cold s':>8}")
            for name, (cold, warm) in spk.items():
                print(f"  {name:43} {warm:8.3f} {cold:8.3f}")
            total_d = sum(v[1] for v in duck.values())
            total_s = sum(v[1] for v in spk.values())
            cold_d = sum(v[0] for v in duck.values())
            cold_s = sum(v[0] for v in spk.values())
            print(
                f"all four: DuckDB {total_d:.3f} s, Spark {total_s:.3f} s -> Spark / DuckDB {total_s / total_d:.2f}x"
                f" (cold {cold_s / cold_d:.2f}x)"
            )
            print(
                f"  for reference, DuckDB with the same one-pass plan: {duck_cells[1]:.3f} s"
                f" -> Spark / that {total_s / duck_cells[1]:.2f}x"
            )
            report["scales"][f"{scale:g}"] = {
                "identical": not differ,
                "duckdb_queries_s": {
                    k: {"warm": round(v[1], 4), "cold": round(v[0], 4)} for k, v in duck.items()
                },
                "spark_phases_s": {
                    k: {"warm": round(v[1], 4), "cold": round(v[0], 4)} for k, v in spk.items()
                },
                "duckdb_s": round(total_d, 4),
                "spark_s": round(total_s, 4),
                "ratio": round(total_s / total_d, 2),
                "ratio_cold": round(cold_s / cold_d, 2),
                "duckdb_one_pass_s": round(duck_cells[1], 4),
                "ratio_vs_duckdb_one_pass": round(total_s / duck_cells[1], 2),
            }
            if differ:
                failed = True
            shutil.rmtree(sales_dir.parent, ignore_errors=True)

        if args.export_scale > 0:
            from softcart.lake.export import run_export

            bench = _bench_settings(settings, tmp)
            sales = make_sales(args.export_scale)
            load_s = load_marts(bench, sales)
            print(
                f"\nexport at scale {args.export_scale:g}: {sales.num_rows:,} sales loaded into PostgreSQL in {load_s:.1f} s"
            )
            del sales
            full = run_export(bench)
            again = run_export(bench)
            print(
                f"full export: {full.rows_written:,} rows, {full.partitions_written} partitions in {full.seconds:.2f} s"
                f" = {full.rows_per_second:,.0f} rows/s"
            )
            print(f"unchanged re-run: {again.rows_written} rows written in {again.seconds:.2f} s")
            readers = bench_readers(bench, jar, spark)
            for name, rate in readers.items():
                print(f"  reader {name:40} {rate:12,.0f} rows/s")
            report["export"] = {
                "scale": args.export_scale,
                "rows": full.rows_written,
                "seconds": full.seconds,
                "rows_per_s": full.rows_per_second,
                "rerun_seconds": again.seconds,
                "readers_rows_per_s": readers,
            }
    spark.stop()
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
