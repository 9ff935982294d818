"""Fill the raw layer (ingest/streams.yml) straight from a dataset directory, with COPY.

A stand-in for `softcart load` + `softcart ingest` in the dbt tests (tests/dbt) and the benchmark
(bench/bench_dbt.py), so the warehouse can be built and checked on its own; it lives in the project
(the warehouse layer, docs/architecture.md "Layers") so that the benchmark imports no tests. It lands rows as the contract says: OLTP rows get
the rowid MySQL's auto-increment would give (their position in oltpdata.csv), catalog documents a
deterministic 24-hex `_id`, file rows their line number in the file (the header is line 1).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg

from ingest.config import Stream, load_streams
from ingest.contract import file_columns
from ingest.sources.csv_file import LINE_COLUMN
from ingest.warehouse import create_raw_table
from softcart.core.settings import Settings, load_settings


def _streams(settings: Settings | None) -> list[Stream]:
    return load_streams(settings or load_settings())


def csv_files(settings: Settings | None = None) -> dict[str, tuple[str, tuple[str, ...], bool]]:
    """Dataset file -> (raw table, the file's columns in order, keyed by line number) for the CSV
    files with a header that land as they are: every file stream of ingest/streams.yml and
    customers.csv (`softcart load` puts it in MySQL `customers`, the stream's source)."""
    files = {}
    for stream in _streams(settings):
        name = stream.source if stream.kind == "file" else None
        if stream.name == "mysql_sales__customers":
            name = "customers.csv"
        if name:
            files[name] = (stream.table, file_columns(stream), stream.primary_key == LINE_COLUMN)
    return files


def create_raw_tables(conn: psycopg.Connection, settings: Settings | None = None) -> None:
    """Every raw table of ingest/streams.yml, created as `softcart ingest`'s bootstrap creates it
    (ingest.warehouse.create_raw_table: typed columns, primary key, BRIN index on the run id)."""
    for stream in _streams(settings):
        create_raw_table(conn, stream)


def document_id(line_number: int, line: str) -> str:
    """A deterministic ObjectId-like hex id for the document on ``line_number``."""
    return hashlib.md5(f"{line_number}:{line}".encode()).hexdigest()[:24]


def _data_bytes(path: Path) -> bytes:
    """The file's bytes without a UTF-8 BOM, ending with a newline."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data and not data.endswith(b"\n"):
        data += b"\n"
    return data


def _copy(conn: psycopg.Connection, sql: str, data: bytes) -> None:
    with conn.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[arg-type]
        copy.write(data)


def load_dataset(conn: psycopg.Connection, dataset: Path, run_id: int = 1) -> dict[str, int]:
    """Land every file of ``dataset`` that the raw layer has a table for; return rows per table.

    Appends (a second call with new files adds rows), all in the caller's transaction.
    ``_softcart_loaded_at`` is the transaction's time, ``_softcart_run_id`` is ``run_id``.
    """
    rows: dict[str, int] = {}
    stamp = f"{run_id}, now()"
    oltp = dataset / "oltpdata.csv"
    if oltp.exists():
        conn.execute(
            "create temp table oltp_in (line bigserial, product_id bigint, customer_id bigint,"
            " price numeric(12,2), quantity integer, ts timestamp) on commit drop"
        )
        _copy(
            conn,
            "copy oltp_in (product_id, customer_id, price, quantity, ts) from stdin (format csv)",
            _data_bytes(oltp),
        )
        cur = conn.execute(
            "insert into raw.mysql_sales__sales_data (rowid, product_id, customer_id, price, quantity,"
            ' "timestamp", _softcart_run_id, _softcart_loaded_at) select'
            " coalesce((select max(rowid) from raw.mysql_sales__sales_data), 0) + line,"
            f" product_id, customer_id, price, quantity, ts, {stamp} from oltp_in"
        )
        rows["mysql_sales__sales_data"] = cur.rowcount
    for name, (table, columns, by_line) in csv_files().items():
        path = dataset / name
        if not path.exists():
            continue
        cols = ", ".join(f'"{c}"' for c in columns)
        conn.execute(f"create temp table {table}_in on commit drop as select * from raw.{table} with no data")
        if by_line:
            conn.execute(f"alter table {table}_in add column line_number bigserial")
        _copy(conn, f"copy {table}_in ({cols}) from stdin (format csv, header true)", _data_bytes(path))
        if by_line:  # line 1 is the header: the first data row is line 2
            cur = conn.execute(
                f"insert into raw.{table} ({LINE_COLUMN}, {cols}, _softcart_run_id, _softcart_loaded_at)"
                f" select line_number + 1, {cols}, {stamp} from {table}_in"
            )
        else:
            cur = conn.execute(
                f"insert into raw.{table} ({cols}, _softcart_run_id, _softcart_loaded_at)"
                f" select {cols}, {stamp} from {table}_in"
            )
        rows[table] = cur.rowcount
    catalog = dataset / "catalog.json"
    if catalog.exists():
        conn.execute(
            "create temp table catalog_in on commit drop as"
            " select _id, document, type, model from raw.mongo_catalog__electronics with no data"
        )
        count = 0
        with conn.cursor() as cur:
            with cur.copy("copy catalog_in (_id, document, type, model) from stdin") as copy:
                for number, line in enumerate(catalog.read_text().splitlines(), start=1):
                    if not line.strip():
                        continue
                    doc = json.loads(line)
                    copy.write_row(
                        (document_id(number, line), json.dumps(doc), doc.get("type"), doc.get("model"))
                    )
                    count += 1
            cur.execute(
                "insert into raw.mongo_catalog__electronics (_id, document, type, model,"
                f" _softcart_run_id, _softcart_loaded_at) select _id, document, type, model, {stamp}"
                " from catalog_in"
            )
        rows["mongo_catalog__electronics"] = count
    return rows
