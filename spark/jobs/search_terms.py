"""Search terms (course module 6): shape, first rows, schema, how often a term was searched, top terms.

``spark-submit spark/jobs/search_terms.py [--input FILE] [--term TEXT] [--top N]``
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from softcart.lake.store import Lake
from spark.jobs import JobInputMissing
from spark.jobs.common import read_lake_table, submit_main

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RAW_TABLE = "raw/searchterms"
RESULTS = "search_terms"
CSV_SCHEMA = "day INT, month INT, year INT, searchterm STRING"


@dataclass
class SearchTermsResult:
    source: str
    rows: int
    columns: int
    first_rows: list[dict[str, Any]]
    schema: list[tuple[str, str]]
    searchterm_type: str
    term: str
    term_count: int
    top: list[tuple[str, int]]
    output: str


def load(spark: SparkSession, lake: Lake, input_file: Path | None) -> tuple[DataFrame, str]:
    if input_file is None:
        return read_lake_table(spark, lake, RAW_TABLE, "run `softcart export` or pass --input FILE"), (
            lake.spark_path(RAW_TABLE)
        )
    if not input_file.is_file():
        raise JobInputMissing(f"--input {input_file}: no such file")
    # header line skipped; a UTF-8 BOM in it does not matter since the schema names the columns
    df = spark.read.csv(
        input_file.resolve().as_uri(), header=True, schema=CSV_SCHEMA, mode="FAILFAST", encoding="UTF-8"
    )
    return df, str(input_file)


def run(
    spark: SparkSession,
    lake: Lake,
    *,
    input_file: Path | None = None,
    term: str = "gaming laptop",
    top: int = 5,
) -> SearchTermsResult:
    from pyspark.sql import functions as F

    df, source = load(spark, lake, input_file)
    df = df.cache()
    rows = df.count()
    first_rows = [row.asDict() for row in df.take(5)]
    schema = [(f.name, f.dataType.simpleString()) for f in df.schema.fields]
    counts = df.groupBy("searchterm").count().cache()  # one pass serves the term count and the top N
    found = counts.where(F.col("searchterm") == term).first()
    term_count = int(found["count"]) if found is not None else 0
    top_rows = counts.orderBy(F.desc("count"), F.asc("searchterm")).limit(top).collect()  # N rows
    top_terms = [(r["searchterm"], int(r["count"])) for r in top_rows]
    output = lake.spark_path("results", RESULTS)
    spark.createDataFrame(
        [(i + 1, t, c) for i, (t, c) in enumerate(top_terms)], "rank INT, searchterm STRING, count BIGINT"
    ).coalesce(1).write.mode("overwrite").parquet(output + "/top_terms")
    spark.createDataFrame(
        [(source, rows, len(df.columns), dict(schema)["searchterm"], term, term_count)],
        "source STRING, rows BIGINT, columns INT, searchterm_type STRING, term STRING, term_count BIGINT",
    ).coalesce(1).write.mode("overwrite").json(output + "/summary")
    counts.unpersist()
    df.unpersist()
    return SearchTermsResult(
        source,
        rows,
        len(df.columns),
        first_rows,
        schema,
        dict(schema)["searchterm"],
        term,
        term_count,
        top_terms,
        output,
    )


def report(result: SearchTermsResult, console: Console) -> None:
    console.print(f"[bold]search terms[/] from {result.source}")
    console.print(f"shape: ({result.rows}, {result.columns})")
    console.print("schema: " + ", ".join(f"{n} {t}" for n, t in result.schema))
    console.print(f"type of searchterm: {result.searchterm_type}")
    first = Table(title="first 5 rows")
    for name, _ in result.schema:
        first.add_column(name)
    for row in result.first_rows:
        first.add_row(*(str(row[n]) for n, _ in result.schema))
    console.print(first)
    console.print(f"{result.term!r} was searched {result.term_count} times")
    top = Table(title=f"top {len(result.top)} terms")
    top.add_column("rank", justify="right")
    top.add_column("searchterm")
    top.add_column("count", justify="right")
    for i, (t, c) in enumerate(result.top, 1):
        top.add_row(str(i), t, str(c))
    console.print(top)
    console.print(f"results: {result.output}")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", dest="input_file", type=Path, default=None, help="a searchterms CSV file")
    parser.add_argument("--term", default="gaming laptop", help="term to count")
    parser.add_argument("--top", type=int, default=5, help="how many top terms")


if __name__ == "__main__":
    sys.exit(submit_main("search-terms", None, _arguments))
