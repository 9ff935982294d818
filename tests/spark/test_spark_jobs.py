"""The Spark jobs, in local mode on small data, against independent computations in plain Python."""

from __future__ import annotations

import csv
import glob
import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from softcart.core.settings import PROJECT_ROOT, load_settings
from softcart.lake.export import manifest
from softcart.lake.export.atomic import write_whole
from softcart.lake.export.raw_zone import RAW_FILES, read_raw_file
from softcart.lake.store import Lake, table_files
from spark.cli import main as analyze
from spark.jobs import forecast, sales, search_terms
from spark.jobs.common import lake_schema, read_lake_table
from tests.spark import marts_data

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def bench_module(name: str) -> ModuleType:
    """A module of bench/ (not a package: the benchmarks are scripts), loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", PROJECT_ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_result(lake: Lake, *parts: str) -> list[dict[str, Any]]:
    return pq.read_table(lake.path("results", *parts)).to_pylist()


# --- search terms ------------------------------------------------------------------------------------


def expected_search_terms(
    path: Path, term: str, top: int
) -> tuple[list[dict[str, Any]], int, list[tuple[str, int]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [
            {
                "day": int(r["day"]),
                "month": int(r["month"]),
                "year": int(r["year"]),
                "searchterm": r["searchterm"],
            }
            for r in csv.DictReader(f)
        ]
    counts = Counter(r["searchterm"] for r in rows)
    return rows, counts[term], sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def test_search_terms_on_the_course_file(spark_session: SparkSession, capstone: Path, tmp_path: Path) -> None:
    lake = Lake.from_url(str(tmp_path / "lake"))
    source = capstone / "searchterms.csv"

    result = search_terms.run(spark_session, lake, input_file=source, term="gaming laptop", top=5)

    rows, term_count, top = expected_search_terms(source, "gaming laptop", 5)
    assert (result.rows, result.columns) == (len(rows), 4) == (10_000, 4)
    assert result.first_rows == rows[:5]
    assert result.schema == [("day", "int"), ("month", "int"), ("year", "int"), ("searchterm", "string")]
    assert result.searchterm_type == "string"
    assert result.term_count == term_count == 499
    assert result.top == top
    assert [t for t, _ in top] == ["mobile 6 inch", "mobile 5g", "mobile latest", "laptop", "tablet wifi"]
    # and in the lake
    assert [(r["searchterm"], r["count"]) for r in read_result(lake, "search_terms", "top_terms")] == top
    (summary_file,) = glob.glob(lake.path("results", "search_terms", "summary", "*.json"))
    summary = json.loads(Path(summary_file).read_text())
    assert (summary["rows"], summary["columns"], summary["term_count"]) == (10_000, 4, 499)


def test_search_terms_from_the_raw_zone(spark_session: SparkSession, tmp_path: Path) -> None:
    csv_file = tmp_path / "searchterms.csv"
    terms = ["b"] * 3 + ["a"] * 3 + ["c"] * 2 + ["gaming laptop"] * 2 + ["d, with comma"]
    body = "\n".join(f'{i % 28 + 1},{i % 12 + 1},2021,"{t}"' for i, t in enumerate(terms))
    csv_file.write_bytes(
        b"\xef\xbb\xbf" + ("day,month,year,searchterm\n" + body).encode()
    )  # BOM, no final newline
    lake = Lake.from_url(str(tmp_path / "lake"))
    data = read_raw_file(csv_file, RAW_FILES[0])
    file_name = write_whole(lake, "t", "raw/searchterms", data)
    # the export's commit: the manifest names the file (readers read only what it names)
    table = {"partitions": {"": {"file": file_name, "rows": data.num_rows}}}
    manifest.write(lake, {"export_id": "t", "tables": {"raw/searchterms": table}})

    result = search_terms.run(spark_session, lake, term="gaming laptop", top=3)

    assert (result.rows, result.columns) == (11, 4)
    assert result.term_count == 2
    assert result.top == [("a", 3), ("b", 3), ("c", 2)]  # ties by term
    assert result.source == lake.spark_path("raw/searchterms")


# --- sales analytics ---------------------------------------------------------------------------------


def _groups(
    rows: list[dict[str, Any]], keys: tuple[str, ...], sets: list[tuple[str, ...]]
) -> dict[tuple[Any, ...], list[Decimal]]:
    """Amounts per group of each grouping set; a group's key: its values (None when rolled up), then
    one 0/1 "is total" flag per key."""
    out: dict[tuple[Any, ...], list[Decimal]] = defaultdict(list)
    for r in rows:
        for grouping in sets:
            values = tuple(r[k] if k in grouping else None for k in keys)
            flags = tuple(0 if k in grouping else 1 for k in keys)
            out[values + flags].append(r["amount"])
    return dict(out)


def test_sales_aggregates_equal_an_independent_computation(
    spark_session: SparkSession, exported: marts_data.Exported
) -> None:
    lake = Lake.from_url(exported.settings.lake_url)

    result = sales.run(spark_session, lake)

    rows = [
        {**r, "year": None if r["year"] == -1 else r["year"]} for r in marts_data.wide_rows(exported.marts)
    ]
    assert any(r["year"] is None for r in rows)
    assert result.rows == len(rows)

    per_country = {k[:1]: sum(v) for k, v in _groups(rows, ("country_name",), [("country_name",)]).items()}
    got = {(r["country"],): r["total_sales"] for r in read_result(lake, "sales", "total_sales_per_country")}
    assert got == per_country

    by_cc = _groups(rows, ("country_name", "category_name"), [("country_name",), ("category_name",)])
    got_cc = {
        (r["country"], r["category"]): (r["grouped_by"], r["total_sales"], r["sale_count"])
        for r in read_result(lake, "sales", "sales_by_country_category")
    }
    assert got_cc == {
        k[:2]: ("country" if k[2] == 0 else "category", sum(v), len(v)) for k, v in by_cc.items()
    }

    rollup = _groups(rows, ("year", "country_name"), [("year", "country_name"), ("year",), ()])
    got_rollup = {
        (r["year"], r["country"], r["year_is_total"], r["country_is_total"]): (
            r["total_sales"],
            r["sale_count"],
        )
        for r in read_result(lake, "sales", "sales_rollup_year_country")
    }
    assert got_rollup == {k: (sum(v), len(v)) for k, v in rollup.items()}

    cube = _groups(
        rows, ("year", "country_name"), [("year", "country_name"), ("year",), ("country_name",), ()]
    )
    got_cube = {
        (r["year"], r["country"], r["year_is_total"], r["country_is_total"]): r
        for r in read_result(lake, "sales", "sales_cube_year_country")
    }
    assert got_cube.keys() == cube.keys()
    for k, amounts in cube.items():
        assert got_cube[k]["total_sales"] == sum(amounts)
        assert got_cube[k]["sale_count"] == len(amounts)
        # PostgreSQL rounds numeric averages half away from zero; the mean of cents is exact enough here
        expected_avg = (sum(amounts) / len(amounts)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert abs(got_cube[k]["average_sales"] - expected_avg) <= Decimal("0.01")
    assert result.top_countries[0] == max(
        ((c, float(v)) for (c,), v in per_country.items()), key=lambda kv: kv[1]
    )

    # the job's one-pass plan (cells, then the reports) equals each report's direct SQL over the
    # sales (bench/spark_sql.py: what DuckDB runs in the benchmark): row for row, exact averages,
    # same types
    spark_sql = bench_module("spark_sql")
    assert tuple(spark_sql.AGGREGATES) == tuple(spark_sql.FROM_CELLS) == sales.REPORTS
    spark_session.read.parquet(lake.spark_path("sales")).createOrReplaceTempView("sales")
    for name, sql in spark_sql.AGGREGATES.items():
        direct = spark_session.sql(sql)
        written = spark_session.read.parquet(lake.spark_path("results", "sales", name))
        assert written.schema.simpleString() == direct.schema.simpleString(), name
        assert sorted(map(tuple, written.collect()), key=repr) == sorted(
            map(tuple, direct.collect()), key=repr
        ), name

    # the same plan written in SQL (CELLS, FROM_CELLS: what DuckDB runs as "the same plan" in the
    # benchmark) equals the job's DataFrame plan row for row
    for name in sales.DIMENSION_VIEWS:
        spark_session.read.parquet(lake.spark_path(name)).createOrReplaceTempView(name)
    spark_session.sql(spark_sql.CELLS).createOrReplaceTempView(spark_sql.CELLS_VIEW)
    for name, sql in spark_sql.FROM_CELLS.items():
        written = spark_session.read.parquet(lake.spark_path("results", "sales", name))
        assert sorted(map(tuple, spark_session.sql(sql).collect()), key=repr) == sorted(
            map(tuple, written.collect()), key=repr
        ), name


def test_sales_reads_with_the_schema_spark_would_infer(
    spark_session: SparkSession, exported: marts_data.Exported
) -> None:
    """The job gives Spark the schema of the columns it reads (no schema-inference job): from the
    export's real files it is found, and it is the one Spark infers itself."""
    lake = Lake.from_url(exported.settings.lake_url)
    for table, columns in (("sales", sales.SALES_COLUMNS), *sales.DIMENSION_COLUMNS.items()):
        files = table_files(lake, table)
        assert lake_schema(lake, table, files[0], columns) is not None, table
        given = read_lake_table(spark_session, lake, table, columns=columns)
        inferred = spark_session.read.parquet(lake.spark_path(table)).select(*columns)
        assert given.schema == inferred.schema, table
        assert given.count() == inferred.count() > 0, table
    # a column without a plain type (a timestamp): Spark infers the schema itself
    assert lake_schema(lake, "sales", table_files(lake, "sales")[0], ("sold_at",)) is None


# --- forecast ----------------------------------------------------------------------------------------


def test_forecast_fits_least_squares_and_saves_models(
    spark_session: SparkSession, exported: marts_data.Exported
) -> None:
    from pyspark.ml.regression import LinearRegressionModel

    lake = Lake.from_url(exported.settings.lake_url)

    result = forecast.run(spark_session, lake, year=2030)

    rows = [r for r in marts_data.wide_rows(exported.marts) if r["year"] > 0]
    yearly: dict[int, float] = defaultdict(float)
    monthly: dict[int, float] = defaultdict(float)
    for r in rows:
        yearly[r["year"]] += float(r["amount"])
        monthly[r["year"] * 12 + r["month"] - 1] += float(r["amount"])
    fits = {f.name: f for f in result.fits}
    for name, series in (("yearly", yearly), ("monthly", monthly)):
        x = np.array(sorted(series), dtype=float)
        slope, intercept = np.polyfit(x, np.array([series[int(v)] for v in x]), 1)
        fit = fits[name]
        assert fit.training_rows == len(series)
        assert fit.coefficients[0] == pytest.approx(slope, rel=1e-6)
        assert fit.intercept == pytest.approx(intercept, rel=1e-6)
        saved = LinearRegressionModel.load(fit.model_path)
        assert list(saved.coefficients) == pytest.approx(fit.coefficients)
        feature = fit.features[0]
        for p in fit.predictions:
            assert p["prediction"] == pytest.approx(intercept + slope * p[feature], rel=1e-6)
        assert len(read_result(lake, "forecast", name)) == len(fit.predictions)
    assert [int(p["year"]) for p in fits["yearly"].predictions] == [2022, 2023, 2024, 2030]
    assert [(p["year"], p["month"]) for p in fits["monthly"].predictions][:2] == [(2022, 1), (2022, 2)]


def test_forecast_with_the_course_model(spark_session: SparkSession, capstone: Path, tmp_path: Path) -> None:
    model_dir = capstone / "sales_prediction.model"
    (data_file,) = glob.glob(str(model_dir / "data" / "*.parquet"))
    saved = pq.read_table(data_file).to_pylist()[0]
    expected = saved["intercept"] + saved["coefficients"]["values"][0] * 2023
    lake = Lake.from_url(str(tmp_path / "lake"))

    result = forecast.run(spark_session, lake, model=model_dir, year=2023)

    assert result.prediction == pytest.approx(expected, abs=1e-9)
    assert round(expected, 2) == 175.17
    assert read_result(lake, "forecast", "saved_model")[0]["prediction"] == pytest.approx(expected, abs=1e-9)


# --- command line ------------------------------------------------------------------------------------


def test_analyze_rejects_bad_input_before_starting_spark(tmp_path: Path) -> None:
    settings = load_settings({"SOFTCART_DATA_DIR": str(tmp_path)})
    assert analyze(settings, "nonsense") == 2
    assert analyze(settings, "search-terms", input_file=tmp_path / "missing.csv") == 1
    assert analyze(settings, "forecast", model=tmp_path / "no-model") == 1


def test_spark_submit_runs_a_job(tmp_path: Path) -> None:
    """The jobs are plain spark-submit applications; spark-submit's --master wins over the settings."""
    small = tmp_path / "terms.csv"
    small.write_text(
        "day,month,year,searchterm\n1,1,2021,gaming laptop\n2,1,2021,phone\n3,1,2021,gaming laptop"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTCART_")}
    env.update(
        {
            "SOFTCART_DATA_DIR": str(tmp_path),
            "SOFTCART_LAKE_URL": str(tmp_path / "my-lake"),
            "SOFTCART_SPARK_MASTER": "spark://nowhere:7077",  # would fail if it were used
            "PYSPARK_PYTHON": sys.executable,
        }
    )
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "spark-submit"),
            "--master",
            "local[1]",
            "spark/jobs/search_terms.py",
            "--input",
            str(small),
            "--top",
            "1",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = " ".join(proc.stdout.split())
    assert "shape: (3, 4)" in out
    assert "'gaming laptop' was searched 2 times" in out
    assert pq.read_table(tmp_path / "my-lake" / "results" / "search_terms" / "top_terms").to_pylist() == [
        {"rank": 1, "searchterm": "gaming laptop", "count": 2}
    ]
