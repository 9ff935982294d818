"""What the jobs share: reading lake tables, writing results, the spark-submit entry point."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from softcart.lake.store import Lake, table_files
from spark.jobs import JobInputMissing

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def read_lake_table(
    spark: SparkSession, lake: Lake, table: str, hint: str = "run `softcart export` first"
) -> DataFrame:
    """The table as the lake's manifest names it (its files, never a folder listing: an export in
    progress or a killed one writes files the manifest does not name yet; softcart/lake/store.py)."""
    files = table_files(lake, table)
    if not files:
        raise JobInputMissing(f"{lake.spark_path(table)} does not exist: {hint}")
    paths = [lake.spark_path(table, f) for f in files]
    return spark.read.option("basePath", lake.spark_path(table)).parquet(*paths)


def write_result(df: DataFrame, lake: Lake, *parts: str) -> str:
    """Write a (small, aggregated) result to the lake as Parquet, replacing the previous one."""
    path = lake.spark_path("results", *parts)
    df.coalesce(1).write.mode("overwrite").parquet(path)
    return path


def submit_main(
    job: str, argv: Sequence[str] | None, add_arguments: Callable[[argparse.ArgumentParser], None]
) -> int:
    """Entry point of ``spark-submit spark/jobs/<job>.py``: options, settings, one session, report."""
    from softcart.core.settings import load_settings
    from spark.jobs.runner import run_job

    parser = argparse.ArgumentParser(prog=f"spark-submit spark/jobs/{job.replace('-', '_')}.py")
    add_arguments(parser)
    args = vars(parser.parse_args(argv))
    return run_job(load_settings(), job, submitted=True, **args)
