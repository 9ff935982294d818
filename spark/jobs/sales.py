"""Sales analytics: the warehouse's reporting aggregates, computed by Spark from the lake's ``sales``.

The same four aggregates as the ``reporting`` schema (docs/architecture.md and
``dbt_project/models/reporting/``), same columns, so the warehouse and the lake can be cross-checked.
Every sale counts, the unknown ones included (a NULL year when the date is unknown, the dimension's
"Unknown" member for a missing country or category).

``spark-submit spark/jobs/sales.py``
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from softcart.lake.store import Lake
from spark.jobs.common import read_lake_table, submit_main, write_result

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession

RESULTS = "sales"

# The four reports, the same names, columns and grouping as dbt_project/models/reporting/*.sql
# (tests/pipeline/test_softcart_run.py holds the job's results equal to those relations, row for row).
REPORTS = (
    "total_sales_per_country",
    "sales_by_country_category",
    "sales_rollup_year_country",
    "sales_cube_year_country",
)
# What the job runs: ONE pass over ``sales`` down to the finest grain any report needs (year,
# country, category) with the sum of cents and the count -- a few thousand rows at most, collected
# -- then every report re-aggregates those cells (``cells`` and ``aggregates``, the DataFrame API,
# which Spark does not have to parse). The pass groups by the integer keys, not the names: it reads
# four integer columns instead of two strings more, and hashes integers (scale 10: 4.9 s -> 3.3 s
# warm); the names come from the lake's dimensions, joined to the few thousand cells. Sums of sums
# and sums of counts are exact (longs); an average is sum of cents / number of sales, the same
# double division ``avg`` does. The benchmark's peers run the same reports in SQL
# (bench/spark_sql.py: DuckDB's direct queries and this plan), held equal to the job by
# tests/spark/test_spark_jobs.py.
DIMENSION_VIEWS = ("dim_country", "dim_category")
# the columns the job reads (the Parquet reader reads no other)
SALES_COLUMNS = ("year", "country_key", "category_key", "amount_cents")
DIMENSION_COLUMNS = {
    "dim_country": ("country_key", "country_name"),
    "dim_category": ("category_key", "category_name"),
}


@dataclass
class SalesResult:
    source: str
    rows: int
    aggregates: dict[str, int] = field(default_factory=dict)
    """aggregate name -> number of result rows"""
    outputs: dict[str, str] = field(default_factory=dict)
    top_countries: list[tuple[str, float]] = field(default_factory=list)


def cells(sales: DataFrame, dimensions: dict[str, DataFrame]) -> DataFrame:
    """The one pass over ``sales``: (year, country,
    category) cells with the sum of cents and the number of sales, names joined from the lake's
    ``dim_country`` and ``dim_category`` (``dimensions``)."""
    from pyspark.sql import functions as F

    year = F.when(F.col("year") != -1, F.col("year")).alias("year")  # nullif(year, -1)
    grouped = sales.groupBy(year, "country_key", "category_key").agg(
        F.sum("amount_cents").alias("cents"), F.count(F.lit(1)).alias("sale_count")
    )
    countries = dimensions["dim_country"].select("country_key", "country_name")
    categories = dimensions["dim_category"].select("category_key", "category_name")
    return (
        grouped.join(F.broadcast(countries), "country_key", "left")
        .join(F.broadcast(categories), "category_key", "left")
        .select("year", "country_name", "category_name", "cents", "sale_count")
    )


def aggregates(cells: DataFrame) -> dict[str, DataFrame]:
    """The four reports over the cells, built with the DataFrame API: Spark's SQL
    parser spent seconds of CPU on a cold JVM predicting GROUPING SETS / ROLLUP / CUBE (ANTLR's
    adaptive prediction, measured with jstack: docs/spark.md), the DataFrame API parses nothing."""
    from pyspark.sql import functions as F

    total = (F.sum("cents").cast("decimal(20,0)") / 100).cast("decimal(18,2)").alias("total_sales")
    count = F.sum("sale_count").alias("sale_count")
    average = (F.sum("cents") / F.sum("sale_count") / 100).cast("decimal(18,2)").alias("average_sales")

    def flags(grouped: DataFrame) -> DataFrame:
        return grouped.withColumnRenamed("country_name", "country").select(
            "year", "country", F.col("g_year").cast("smallint").alias("year_is_total"),
            F.col("g_country").cast("smallint").alias("country_is_total"),
            *[c for c in ("average_sales", "total_sales", "sale_count") if c in grouped.columns],
        )  # fmt: skip

    g_year, g_country = F.grouping("year").alias("g_year"), F.grouping("country_name").alias("g_country")
    by_country = cells.groupBy("country_name").agg(total, count)
    by_category = cells.groupBy("category_name").agg(total, count)
    return {
        "total_sales_per_country": by_country.select(F.col("country_name").alias("country"), "total_sales"),
        # GROUPING SETS ((country), (category)): the two groupings, one under the other
        "sales_by_country_category": by_country.select(
            F.col("country_name").alias("country"),
            F.lit(None).cast("string").alias("category"),
            F.lit("country").alias("grouped_by"),
            "total_sales",
            "sale_count",
        ).unionByName(
            by_category.select(
                F.lit(None).cast("string").alias("country"),
                F.col("category_name").alias("category"),
                F.lit("category").alias("grouped_by"),
                "total_sales",
                "sale_count",
            )
        ),  # fmt: skip
        "sales_rollup_year_country": flags(
            cells.rollup("year", "country_name").agg(g_year, g_country, total, count)
        ),
        "sales_cube_year_country": flags(
            cells.cube("year", "country_name").agg(g_year, g_country, average, total, count)
        ),
    }


def collect_reports(reports: dict[str, DataFrame]) -> dict[str, list[Row]]:
    """Every report's rows from ONE Spark job: the reports, tagged with their name, one under the
    other (their columns differ: each keeps its own, the others' are null), collected once and split
    by name. A job per report cost its scheduling and stages again (four collects: 0.9 s warm, 2.7 s
    cold at scale 10 with the writes; docs/spark.md)."""
    from pyspark.sql import Row
    from pyspark.sql import functions as F

    tag = "_softcart_report"
    tagged = [df.select(F.lit(name).alias(tag), *df.columns) for name, df in reports.items()]
    union = tagged[0]
    for df in tagged[1:]:
        union = union.unionByName(df, allowMissingColumns=True)
    out: dict[str, list[Row]] = {name: [] for name in reports}
    for row in union.collect():
        out[row[tag]].append(row)
    return {name: [Row(**{c: r[c] for c in reports[name].columns}) for r in out[name]] for name in reports}


def run(spark: SparkSession, lake: Lake) -> SalesResult:
    """One scan to the cells, collected (a bounded few thousand rows); the four reports from them in
    one more Spark job, collected and written by the driver. Two Spark jobs besides the
    dimensions' broadcasts; one reads the sales files."""
    sales = read_lake_table(spark, lake, "sales", columns=SALES_COLUMNS)
    dimensions = {
        name: read_lake_table(spark, lake, name, columns=DIMENSION_COLUMNS[name]) for name in DIMENSION_VIEWS
    }
    scan = cells(sales, dimensions)
    rows = scan.collect()
    base = spark.createDataFrame(rows, scan.schema)  # a local relation: the reports never re-scan
    result = SalesResult(lake.spark_path("sales"), sum(int(r["sale_count"]) for r in rows))
    reports = aggregates(base)
    for name, report_rows in collect_reports(reports).items():
        result.outputs[name] = write_result(lake, report_rows, reports[name].schema, RESULTS, name)
        result.aggregates[name] = len(report_rows)
        if name == "total_sales_per_country":
            top = sorted(report_rows, key=lambda r: r["total_sales"] or 0, reverse=True)[:5]
            result.top_countries = [(r["country"], float(r["total_sales"])) for r in top]
    return result


def report(result: SalesResult, console: Console) -> None:
    console.print(f"[bold]sales analytics[/] over {result.rows:,} sales from {result.source}")
    table = Table(title="aggregates written")
    table.add_column("aggregate")
    table.add_column("rows", justify="right")
    table.add_column("where")
    for name, rows in result.aggregates.items():
        table.add_row(name, str(rows), result.outputs[name])
    console.print(table)
    top = Table(title="top countries by total sales")
    top.add_column("country")
    top.add_column("total sales", justify="right")
    for country, total in result.top_countries:
        top.add_row(str(country), f"{total:,.2f}")
    console.print(top)


def _arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options: reads the lake named by the settings


if __name__ == "__main__":
    sys.exit(submit_main("sales", None, _arguments))
