"""The data-health panel: last ingestion run, rows rejected, freshness of each source.

The ingestion run log (``softcart_meta.ingest_runs``, ``ingest_stream_runs``, ``ingest_rejects``) is
written by ``ingest/``; its exact columns are that package's business. This module reads it
defensively: it looks the columns up in ``information_schema`` and uses the ones it recognises, and
when a table is missing or empty the panel says "no ingestion run yet" instead of failing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

META_SCHEMA = "softcart_meta"
RAW_SCHEMA = "raw"
LOADED_AT = "_softcart_loaded_at"

RUN_ID_COLUMNS = ("run_id", "id")
RUN_ORDER_COLUMNS = ("started_at", "start_time", "started", "created_at", "run_id", "id")
MAX_STREAM_ROWS = 50


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return "(json)"
    return str(value)


def table_columns(conn: psycopg.Connection[Any], schema: str, table: str) -> list[str]:
    """The table's columns in order, or ``[]`` when the table does not exist."""
    rows = conn.execute(
        "select column_name from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, table),
    ).fetchall()
    return [r[0] for r in rows]


def _first(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    return next((c for c in candidates if c in columns), None)


def _pick(columns: list[str], *fragments: str) -> str | None:
    """The first column whose name contains every fragment."""
    return next((c for c in columns if all(f in c for f in fragments)), None)


def _rows(cur: psycopg.Cursor[Any]) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description or []]
    return [{n: jsonable(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def last_run(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
    columns = table_columns(conn, META_SCHEMA, "ingest_runs")
    order = _first(columns, RUN_ORDER_COLUMNS) or (columns[0] if columns else None)
    if order is None:
        return None
    query = sql.SQL("select * from {}.{} order by {} desc nulls last limit 1").format(
        sql.Identifier(META_SCHEMA), sql.Identifier("ingest_runs"), sql.Identifier(order)
    )
    with conn.cursor() as cur:
        cur.execute(query)
        rows = _rows(cur)
    if not rows:
        return None
    row = rows[0]
    run_id_column = _first(columns, RUN_ID_COLUMNS)
    started = _pick(columns, "start")
    ended = _pick(columns, "end") or _pick(columns, "finish")
    status = _pick(columns, "status")
    return {
        "run_id": row.get(run_id_column) if run_id_column else None,
        "started_at": row.get(started) if started else None,
        "ended_at": row.get(ended) if ended else None,
        "status": row.get(status) if status else None,
        "columns": row,
    }


def stream_runs(conn: psycopg.Connection[Any], run_id: Any) -> list[dict[str, Any]]:
    columns = table_columns(conn, META_SCHEMA, "ingest_stream_runs")
    run_id_column = _first(columns, ("run_id",))
    if not columns or run_id_column is None or run_id is None:
        return []
    query = sql.SQL("select * from {}.{} where {}::text = %s limit {}").format(
        sql.Identifier(META_SCHEMA),
        sql.Identifier("ingest_stream_runs"),
        sql.Identifier(run_id_column),
        sql.Literal(MAX_STREAM_ROWS),
    )
    with conn.cursor() as cur:
        cur.execute(query, (str(run_id),))
        return _rows(cur)


def rejects(conn: psycopg.Connection[Any], run_id: Any) -> dict[str, Any] | None:
    columns = table_columns(conn, META_SCHEMA, "ingest_rejects")
    if not columns:
        return None
    table = sql.SQL("{}.{}").format(sql.Identifier(META_SCHEMA), sql.Identifier("ingest_rejects"))
    total = conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()
    result: dict[str, Any] = {"total": int(total[0]) if total else 0, "last_run": None, "by_stream": []}
    run_id_column = _first(columns, ("run_id",))
    if run_id_column is not None and run_id is not None:
        where = sql.SQL("{}::text = %s").format(sql.Identifier(run_id_column))
        row = conn.execute(
            sql.SQL("select count(*) from {} where {}").format(table, where), (str(run_id),)
        ).fetchone()
        result["last_run"] = int(row[0]) if row else 0
        if "stream" in columns:
            grouped = conn.execute(
                sql.SQL("select stream, count(*) from {} where {} group by stream order by stream").format(
                    table, where
                ),
                (str(run_id),),
            ).fetchall()
            result["by_stream"] = [{"stream": s, "rejected": int(n)} for s, n in grouped]
    return result


def raw_freshness(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """When rows last landed in each raw table (the max of its ``_softcart_loaded_at``)."""
    tables = conn.execute(
        "select table_name from information_schema.columns"
        " where table_schema = %s and column_name = %s order by table_name",
        (RAW_SCHEMA, LOADED_AT),
    ).fetchall()
    result = []
    for (table,) in tables:
        query = sql.SQL("select max({}) from {}.{}").format(
            sql.Identifier(LOADED_AT), sql.Identifier(RAW_SCHEMA), sql.Identifier(table)
        )
        row = conn.execute(query).fetchone()
        source = table.split("__", 1)[0] if "__" in table else table
        result.append(
            {
                "source": source,
                "table": f"{RAW_SCHEMA}.{table}",
                "loaded_at": jsonable(row[0] if row else None),
            }
        )
    return result


def _guarded(conn: psycopg.Connection[Any], errors: list[str], what: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(conn, *args)
    except psycopg.Error as exc:
        errors.append(f"{what}: {str(exc).strip().splitlines()[0]}")
        return None


def read_health(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Everything the data-health panel shows, JSON-ready. Never raises for a missing run log."""
    errors: list[str] = []
    run = _guarded(conn, errors, "ingest_runs", last_run)
    run_id = run["run_id"] if run else None
    return {
        "last_run": run,
        "streams": _guarded(conn, errors, "ingest_stream_runs", stream_runs, run_id) or [],
        "rejects": _guarded(conn, errors, "ingest_rejects", rejects, run_id),
        "freshness": _guarded(conn, errors, "raw freshness", raw_freshness) or [],
        "errors": errors,
    }
