"""Reading the marts out of PostgreSQL: existence checks, per-partition fingerprints, COPY streams.

The rows leave PostgreSQL through ``COPY (query) TO STDOUT (FORMAT csv)`` and are parsed by
pyarrow's C++ CSV reader in blocks: one pass over the query, memory bounded by the block size,
no Python object per value. (Measured against the alternatives in docs/spark.md.)
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from softcart.core.connections import postgres_connect
from softcart.core.settings import Settings
from softcart.lake.export.tables import LakeTable

# PostgreSQL type oid -> Arrow type; anything else leaves as text
_ARROW_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int32(),
    23: pa.int32(),
    26: pa.int64(),
    700: pa.float32(),
    701: pa.float64(),
    25: pa.string(),
    1043: pa.string(),
    1042: pa.string(),
    19: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}
NUMERIC_OID = 1700


class MartsMissing(RuntimeError):
    pass


def connect(settings: Settings) -> psycopg.Connection[Any]:
    conn = postgres_connect(settings, "softcart-export", autocommit=True)
    conn.execute("set timezone = 'UTC'")
    conn.execute("set datestyle = 'ISO, YMD'")
    conn.execute("set extra_float_digits = 3")
    return conn


def check_relations(conn: psycopg.Connection[Any], relations: Sequence[str]) -> None:
    missing = [r for r in relations if conn.execute("select to_regclass(%s)", (r,)).fetchone() == (None,)]
    if missing:
        info = conn.info
        raise MartsMissing(
            f"{', '.join(missing)} not found in PostgreSQL database {info.dbname!r} "
            f"on {info.host}:{info.port}: build the marts first (`softcart dbt build`)"
        )


def latest_ingest_run_id(conn: psycopg.Connection[Any]) -> int | str | None:
    """The id of the latest succeeded ingestion run (``softcart_meta.ingest_runs``), if any."""
    if conn.execute("select to_regclass('softcart_meta.ingest_runs')").fetchone() == (None,):
        return None
    columns = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'softcart_meta' and table_name = 'ingest_runs'"
        )
    }
    if "run_id" not in columns:
        return None
    where = " where status = 'succeeded'" if "status" in columns else ""
    row = conn.execute(f"select max(run_id) from softcart_meta.ingest_runs{where}").fetchone()
    value = row[0] if row else None
    return value if value is None or isinstance(value, int) else str(value)


@dataclass(frozen=True)
class TypedQuery:
    """A table's query with every column cast to something Arrow parses from CSV."""

    sql: str
    schema: pa.Schema
    """All columns, partition columns included."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def typed_query(conn: psycopg.Connection[Any], table: LakeTable) -> TypedQuery:
    cur = conn.execute(f"select * from ({table.select}) as q limit 0")
    exprs: list[str] = []
    fields: list[pa.Field] = []
    for col in cur.description or []:
        ident = "q." + _quote(col.name)
        arrow_type = _ARROW_TYPES.get(col.type_code)
        if col.type_code == NUMERIC_OID:
            if col.precision and col.precision <= 38:
                arrow_type = pa.decimal128(col.precision, col.scale or 0)
            else:  # unconstrained numeric: no fixed scale to give it
                arrow_type = pa.float64()
                ident += "::float8"
        elif arrow_type is None:
            arrow_type = pa.string()
            ident += "::text"
        exprs.append(f"{ident} as {_quote(col.name)}")
        fields.append(pa.field(col.name, arrow_type))
    sql = f"select {', '.join(exprs)} from ({table.select}) as q"
    return TypedQuery(sql, pa.schema(fields))


_ROW_HASH = "sum(hashtextextended(t::text, 0))"  # 64-bit hash of the row's text (PostgreSQL 11+)


def fingerprints(
    conn: psycopg.Connection[Any], table: LakeTable, query: TypedQuery
) -> dict[str, tuple[int, str]]:
    """Per partition (its path, e.g. ``year=2021/month=3``; ``""`` if unpartitioned): row count and an
    order-independent checksum of the rows (sum of 64-bit row hashes)."""
    keys = ", ".join(_quote(c) for c in table.partition_by)
    if not keys:
        row = conn.execute(
            f"select count(*), coalesce({_ROW_HASH}, 0)::text from ({query.sql}) as t"
        ).fetchone()
        assert row is not None
        return {"": (int(row[0]), str(row[1]))}
    sql = f"select {keys}, count(*), {_ROW_HASH}::text from ({query.sql}) as t group by {keys}"
    result: dict[str, tuple[int, str]] = {}
    n = len(table.partition_by)
    for row in conn.execute(sql):
        result[partition_path(table.partition_by, row[:n])] = (int(row[n]), str(row[n + 1]))
    return result


def partition_path(columns: Sequence[str], values: Sequence[Any]) -> str:
    return "/".join(f"{c}={v}" for c, v in zip(columns, values, strict=True))


def parse_partition_path(path: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in path.split("/") if part)


class _CopyStream(io.RawIOBase):
    """A read-only file over the chunks of a COPY TO STDOUT."""

    def __init__(self, chunks: Iterator[bytes | memoryview]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            pending = bytearray()
            for chunk in self._chunks:
                pending += chunk
                if len(pending) >= 1 << 16:
                    break
            if not pending:
                return 0
            self._buf = memoryview(bytes(pending))
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def stream_batches(
    conn: psycopg.Connection[Any],
    table: LakeTable,
    query: TypedQuery,
    partitions: Sequence[str] | None,
    block_size: int = 4 << 20,
) -> Iterator[pa.RecordBatch]:
    """The rows of the given partitions (``None``: all), as Arrow batches ordered by partition."""
    sql = query.sql
    if table.partition_by:
        keys = ", ".join(_quote(c) for c in table.partition_by)
        if partitions is not None:
            tuples = []
            for path in partitions:
                values = parse_partition_path(path)
                tuples.append("(" + ", ".join(str(int(values[c])) for c in table.partition_by) + ")")
            sql = f"select * from ({sql}) as s where ({keys}) in ({', '.join(tuples)})"
        sql += f" order by {keys}"
    names = query.schema.names
    convert = pacsv.ConvertOptions(
        column_types={f.name: f.type for f in query.schema},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
        true_values=["t"],
        false_values=["f"],
    )
    with conn.cursor() as cur, cur.copy(f"copy ({sql}) to stdout (format csv)") as copy:
        stream = io.BufferedReader(_CopyStream(iter(copy)), buffer_size=1 << 20)
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(column_names=names, block_size=block_size, use_threads=False),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=convert,
            )
        except pa.ArrowInvalid as exc:
            if "Empty CSV file" in str(exc):
                return
            raise
        for batch in reader:
            yield batch.cast(query.schema) if batch.schema != query.schema else batch
