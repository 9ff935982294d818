"""What the jobs share: reading lake tables, writing results, the spark-submit entry point."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from softcart.lake.store import Lake, table_files
from spark.jobs import JobInputMissing

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession
    from pyspark.sql.types import StructType


def read_lake_table(
    spark: SparkSession,
    lake: Lake,
    table: str,
    hint: str = "run `softcart export` first",
    columns: Sequence[str] = (),
) -> DataFrame:
    """The table as the lake's manifest names it (its files, never a folder listing: an export in
    progress or a killed one writes files the manifest does not name yet; softcart/lake/store.py).

    ``columns``: only these (and the partition columns): their types come from one file's footer, read
    here with pyarrow, and Spark is given the schema: without one, it starts a Spark job to read a
    footer itself (schema inference), a second of a cold session's time per table (docs/spark.md)."""
    files = table_files(lake, table)
    if not files:
        raise JobInputMissing(f"{lake.spark_path(table)} does not exist: {hint}")
    paths = [lake.spark_path(table, f) for f in files]
    reader = spark.read.option("basePath", lake.spark_path(table))
    schema = lake_schema(lake, table, files[0], columns) if columns else None
    if schema is not None:
        reader = reader.schema(schema)
    df = reader.parquet(*paths)
    return df.select(*columns) if columns else df


# Parquet (Arrow) types of the lake's columns and the Spark types Spark's own inference gives them
_SPARK_TYPES = {
    "int8": "tinyint", "int16": "smallint", "int32": "int", "int64": "bigint", "bool": "boolean",
    "float": "float", "double": "double", "string": "string", "large_string": "string", "date32[day]": "date",
}  # fmt: skip


def lake_schema(lake: Lake, table: str, file: str, columns: Sequence[str]) -> str | None:
    """A Spark schema (DDL) for ``columns`` of ``table`` from ``file``'s footer and its partition folders
    (``year=2021/month=3``: integers); None when a column's type has no plain equivalent (timestamps:
    Spark's inference then decides)."""
    import pyarrow.parquet as pq

    with lake.fs.open_input_file(lake.path(table, file)) as f:
        footer = pq.read_schema(f)
    partitions = [part.split("=", 1) for part in file.split("/")[:-1]]
    types: dict[str, str] = {}
    for name in columns:
        if name in footer.names:
            arrow = footer.field(name).type
            decimal = getattr(arrow, "precision", None)
            spark = f"decimal({decimal},{arrow.scale})" if decimal else _SPARK_TYPES.get(str(arrow))
            if spark is None:
                return None
            types[name] = spark
    for key, value in partitions:  # every partition column, as Spark would infer it
        if not value.lstrip("-").isdigit():
            return None
        types[key] = "int"
    if set(columns) - set(types):
        return None
    return ", ".join(f"`{name}` {spark}" for name, spark in types.items())


def write_result(lake: Lake, rows: Sequence[Row], schema: StructType, *parts: str) -> str:
    """Write a small result the job has collected (``rows`` of Spark's ``schema``) to the lake as one
    Parquet file, replacing the previous one. The driver writes it through the lake's filesystem, as
    the export writes the lake: a Spark write of a few hundred collected rows was a job of its own
    (a task, the Hadoop committer: 0.2-0.6 s each, measured; docs/spark.md). Spark reads the file
    back with the same schema (tests/spark/test_spark_jobs.py)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql.pandas.types import to_arrow_schema

    folder = lake.path("results", *parts)
    lake.fs.create_dir(folder, recursive=True)
    lake.fs.delete_dir_contents(folder)
    names = schema.fieldNames()
    table = pa.Table.from_pylist(
        [dict(zip(names, row, strict=True)) for row in rows], to_arrow_schema(schema)
    )
    pq.write_table(table, f"{folder}/part-00000.parquet", filesystem=lake.fs)
    return lake.spark_path("results", *parts)


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
