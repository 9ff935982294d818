"""Helpers for the ingestion tests: fill the sources directly (SQL, pymongo), run `softcart ingest`
in-process or as a subprocess, read the warehouse."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
import pymongo
import pymysql

from softcart.core.settings import Settings, load_settings

SALES_COLUMNS = ("rowid", "product_id", "customer_id", "price", "quantity", "timestamp")


def mysql(settings: Settings) -> pymysql.connections.Connection[Any]:
    """An admin connection (the tests write the sources; ingestion only reads them)."""
    url = settings.mysql
    return pymysql.connect(
        host=url.host,
        port=url.port,
        user=url.user or "root",
        password=url.password or "",
        database=url.database,
        autocommit=True,
        charset="utf8mb4",
    )


def mysql_exec(settings: Settings, *statements: str, params: Sequence[Any] | None = None) -> None:
    conn = mysql(settings)
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement, params)
    finally:
        conn.close()


def insert_sales(
    settings: Settings, rows: list[tuple[Any, ...]], columns: Sequence[str] = SALES_COLUMNS
) -> None:
    conn = mysql(settings)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = ''")  # lets the reject tests write zero dates
            names = ", ".join(f"`{c}`" for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            for i in range(0, len(rows), 5000):
                cur.executemany(f"INSERT INTO sales_data ({names}) VALUES ({marks})", rows[i : i + 5000])
    finally:
        conn.close()


def sales_rows(n: int, start: int = 1) -> list[tuple[Any, ...]]:
    """Deterministic sales rows with NULLs mixed in."""
    out = []
    for rowid in range(start, start + n):
        price = None if rowid % 97 == 0 else f"{(rowid * 37) % 5000 + 0.25:.2f}"
        ts = (
            None
            if rowid % 89 == 0
            else f"2021-{rowid % 12 + 1:02d}-{rowid % 28 + 1:02d} {rowid % 24:02d}:{rowid % 60:02d}:07"
        )
        out.append((rowid, rowid % 1000 + 1, rowid % 777 + 1, price, rowid % 9 + 1, ts))
    return out


def load_course_dump(settings: Settings, capstone: Path) -> int:
    """The course's sales.sql (a MySQL 8 dump MariaDB cannot run as is): its rows, by the columns it has."""
    text = (capstone / "sales.sql").read_text(encoding="utf-8")
    rows = [tuple(int(x) for x in m.groups()) for m in re.finditer(r"\((\d+), (\d+), (\d+),\s*(\d+)\)", text)]
    insert_sales(settings, rows, ("rowid", "product_id", "customer_id", "quantity"))
    return len(rows)


def mongo_collection(settings: Settings) -> Any:
    client: pymongo.MongoClient[Any] = pymongo.MongoClient(settings.mongo.raw)
    return client[settings.mongo_database][settings.mongo_collection]


def pg(settings: Settings) -> psycopg.Connection[Any]:
    from softcart.core.connections import postgres_connect

    return postgres_connect(settings, "softcart-tests", autocommit=True)


def pg_all(settings: Settings, query: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
    with pg(settings) as conn:
        return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


def pg_one(settings: Settings, query: str, params: Sequence[Any] | None = None) -> Any:
    return pg_all(settings, query, params)[0][0]


def land(settings: Settings, *files: Path) -> None:
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copyfile(f, settings.landing_dir / f.name)


def ingest(settings: Settings, *streams: str, full_refresh: bool = False) -> int:
    from ingest.cli import main

    return main(settings, list(streams), full_refresh)


def ingest_process(settings: Settings, *args: str, **env: str) -> subprocess.Popen[str]:
    full_env = dict(settings.env)
    full_env.update(env)
    return subprocess.Popen(
        [sys.executable, "-m", "softcart.cli", "ingest", *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def with_env(settings: Settings, **env: str) -> Settings:
    merged = dict(settings.env)
    merged.update(env)
    return load_settings(merged)


def last_stream_run(settings: Settings, stream: str) -> dict[str, Any]:
    with pg(settings) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        row = cur.execute(
            "select * from softcart_meta.ingest_stream_runs where stream = %s order by run_id desc limit 1",
            (stream,),
        ).fetchone()
    assert row is not None
    return dict(row)


def source_sales(settings: Settings) -> list[tuple[Any, ...]]:
    conn = mysql(settings)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT rowid, product_id, customer_id, price, quantity, `timestamp` FROM sales_data ORDER BY rowid"
            )
            return [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()


def raw_sales(settings: Settings) -> list[tuple[Any, ...]]:
    return pg_all(
        settings,
        'select rowid, product_id, customer_id, price, quantity, "timestamp" from raw.mysql_sales__sales_data order by rowid',
    )
