"""PostgreSQL side: connections, raw table DDL from the stream declarations, identifier quoting."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from ingest.config import Stream
from softcart.core.connections import postgres_connect
from softcart.core.settings import Settings

AUDIT_COLUMNS = (
    ("_softcart_run_id", "bigint"),
    ("_softcart_loaded_at", "timestamptz not null default now()"),
)


def pg_connect(settings: Settings, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    return postgres_connect(settings, "softcart-ingest", autocommit=autocommit)


def ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def table_ident(stream: Stream) -> sql.Composed:
    return sql.SQL("{}.{}").format(ident(stream.schema), ident(stream.table))


def create_raw_table(conn: psycopg.Connection[Any], stream: Stream) -> None:
    """``create table if not exists`` for the stream's raw table, primary key included, and the
    BRIN index on the run id (see :func:`create_run_id_index`)."""
    cols = [sql.SQL("{} {}").format(ident(c.name), sql.SQL(c.type)) for c in stream.columns]
    cols += [sql.SQL("{} {}").format(ident(n), sql.SQL(t)) for n, t in AUDIT_COLUMNS]
    cols.append(sql.SQL("primary key ({})").format(ident(stream.primary_key)))
    conn.execute(sql.SQL("create schema if not exists {}").format(ident(stream.schema)))
    conn.execute(
        sql.SQL("create table if not exists {} ({})").format(table_ident(stream), sql.SQL(", ").join(cols))
    )
    create_run_id_index(conn, stream)


def create_run_id_index(conn: psycopg.Connection[Any], stream: Stream) -> None:
    """A BRIN index on ``_softcart_run_id``: the warehouse's incremental models read the rows of
    the runs after their high-water mark (dbt_project/macros/incremental_filter.sql) and the
    incremental build's tests the latest run's rows, without scanning the table. BRIN, not B-tree:
    raw is append-only, so run ids follow the heap order; the index is a few pages and costs
    nothing measurable on a bulk COPY."""
    name = ident(f"{stream.table}_run_id_brin")
    conn.execute(
        sql.SQL("create index if not exists {} on {} using brin (_softcart_run_id)").format(
            name, table_ident(stream)
        )
    )


def existing_columns(conn: psycopg.Connection[Any], stream: Stream) -> dict[str, str]:
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        (stream.schema, stream.table),
    ).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def add_column(conn: psycopg.Connection[Any], stream: Stream, name: str, type_: str) -> None:
    conn.execute(
        sql.SQL("alter table {} add column if not exists {} {}").format(
            table_ident(stream), ident(name), sql.SQL(type_)
        )
    )


def drop_primary_key(conn: psycopg.Connection[Any], stream: Stream) -> str | None:
    """Drop the table's primary key constraint (in the run's transaction); returns its name."""
    row = conn.execute(
        "select conname from pg_constraint where conrelid = %s::regclass and contype = 'p'",
        (f'"{stream.schema}"."{stream.table}"',),
    ).fetchone()
    if not row:
        return None
    conn.execute(sql.SQL("alter table {} drop constraint {}").format(table_ident(stream), ident(str(row[0]))))
    return str(row[0])


def restore_primary_key(conn: psycopg.Connection[Any], stream: Stream, name: str) -> None:
    """Re-create the primary key (one sorted index build; fails the run on a duplicate key)."""
    conn.execute(
        sql.SQL("alter table {} add constraint {} primary key ({})").format(
            table_ident(stream), ident(name), ident(stream.primary_key)
        )
    )
