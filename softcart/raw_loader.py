"""Fill the raw layer (docs/architecture.md) straight from a dataset directory, with COPY.

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

RAW_TABLES_SQL = Path(__file__).with_name("raw_tables.sql")

# dataset file -> (raw table, its columns in file order) for the course's CSV files with a header
HEADER_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "customers.csv": ("mysql_sales__customers", ("customer_id", "country")),
    "DimDate.csv": (
        "files__dim_date",
        (
            "dateid",
            "date",
            "year",
            "quarter",
            "quartername",
            "month",
            "monthname",
            "day",
            "weekday",
            "weekdayname",
        ),
    ),
    "DimCategory.csv": ("files__dim_category", ("categoryid", "category")),
    "DimCountry.csv": ("files__dim_country", ("countryid", "country")),
    "FactSales.csv": ("files__fact_sales", ("orderid", "dateid", "countryid", "categoryid", "amount")),
}
# files whose key is the line number
LINE_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ecommerce.csv": ("files__ecommerce", ("day", "month", "quarter", "year", "category", "item", "price")),
    "searchterms.csv": ("files__searchterms", ("day", "month", "year", "searchterm")),
}


def create_raw_tables(conn: psycopg.Connection) -> None:
    conn.execute(RAW_TABLES_SQL.read_text())  # type: ignore[arg-type]


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
    for name, (table, columns) in HEADER_FILES.items():
        path = dataset / name
        if not path.exists():
            continue
        conn.execute(f"create temp table {table}_in on commit drop as select * from raw.{table} with no data")
        cols = ", ".join(f'"{c}"' for c in columns)
        _copy(conn, f"copy {table}_in ({cols}) from stdin (format csv, header true)", _data_bytes(path))
        cur = conn.execute(
            f"insert into raw.{table} ({cols}, _softcart_run_id, _softcart_loaded_at)"
            f" select {cols}, {stamp} from {table}_in"
        )
        rows[table] = cur.rowcount
    for name, (table, columns) in LINE_FILES.items():
        path = dataset / name
        if not path.exists():
            continue
        cols = ", ".join(f'"{c}"' for c in columns)
        conn.execute(f"create temp table {table}_in on commit drop as select * from raw.{table} with no data")
        conn.execute(f"alter table {table}_in add column line_number bigserial")
        _copy(conn, f"copy {table}_in ({cols}) from stdin (format csv, header true)", _data_bytes(path))
        # line 1 is the header: the first data row is line 2
        cur = conn.execute(
            f"insert into raw.{table} (_line, {cols}, _softcart_run_id, _softcart_loaded_at)"
            f" select line_number + 1, {cols}, {stamp} from {table}_in"
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
