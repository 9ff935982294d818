"""``softcart reconcile``: each stream's source against its raw table, by counts and checksums.

The measures come from the declared columns: ``count(*)``, and per column the non-null count and a
sum (numbers: the value; dates and timestamps: epoch seconds; text: its length in characters), so
NULLs, values and text all take part. The source side covers the rows up to the stream's mark
that can be landed (the reject rules are the same as the ingest's); rows past the mark are shown
as pending, not as a difference. Rows that came from a stream's ``seed`` file (the warehouse's own
copy, up to ``seed_mark``) are compared by count and key sum only: the seed may carry columns the
source lacks (the course's sales.csv has prices, the sales.sql dump has none). A change log
(``mode: cdc``) is compared by its current state (each key's latest change, deleted keys left out)
against the whole source: exact once the stream has caught up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import bson
import psycopg
from bson.objectid import ObjectId
from psycopg import sql
from rich.table import Table

from ingest.config import Column, Stream
from ingest.credentials import mysql_reader_login
from ingest.errors import IngestError
from ingest.sources.csv_file import read_rows, sha256_of
from ingest.warehouse import current_state, ident, pg_connect
from softcart.core.settings import Settings

NUMBER_TYPES = ("smallint", "integer", "bigint", "double precision")


@dataclass
class Reconciled:
    stream: str
    source_rows: int | None = None
    warehouse_rows: int | None = None
    pending: int = 0
    measures: list[tuple[str, Any, Any]] = field(default_factory=list)  # (name, source, warehouse)
    note: str = ""
    error: str | None = None

    @property
    def differing(self) -> list[str]:
        return [name for name, a, b in self.measures if not same(a, b)]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.differing


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return (a is None or a == 0) and (b is None or b == 0)
    if isinstance(a, float) or isinstance(b, float):
        fa, fb = float(a), float(b)
        return abs(fa - fb) <= 1e-9 * max(1.0, abs(fa), abs(fb))
    return Decimal(str(a)) == Decimal(str(b))


def _kind(col: Column) -> str:
    if col.type in NUMBER_TYPES or col.numeric_scale:
        return "number"
    if col.type in ("date", "timestamp", "timestamptz"):
        return "time"
    if col.type == "text":
        return "text"
    return "other"


def measures_sql(columns: tuple[Column, ...] | list[Column], dialect: str) -> list[tuple[str, str]]:
    """(name, aggregate SQL) for the columns, in MySQL or PostgreSQL syntax."""
    out: list[tuple[str, str]] = [("count(*)", "COUNT(*)")]
    for col in columns:
        c = f"`{col.name}`" if dialect == "mysql" else f'"{col.name}"'
        kind = _kind(col)
        if kind == "other":
            continue
        out.append((f"count({col.name})", f"COUNT({c})"))
        if kind == "number":
            out.append((f"sum({col.name})", f"SUM({c})"))
        elif kind == "time":
            expr = (
                f"SUM(TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', {c}))"
                if dialect == "mysql"
                else f"SUM(FLOOR(EXTRACT(EPOCH FROM {c})))"
            )
            out.append((f"epoch({col.name})", expr))
        else:
            out.append((f"length({col.name})", f"SUM(CHAR_LENGTH({c}))"))
    return out


def _state(pg: psycopg.Connection[Any], stream: Stream) -> tuple[str | None, str | None, bool]:
    row = pg.execute(
        "select mark, seed_mark from softcart_meta.ingest_state where stream = %s", (stream.name,)
    ).fetchone()
    return (row[0], row[1], True) if row else (None, None, False)


def _pg_aggregates(pg: psycopg.Connection[Any], stream: Stream, exprs: list[str], where: str) -> list[Any]:
    """The aggregates over the stream's raw rows, or a change log's current state."""
    query = sql.SQL("select {} from {} where {}").format(
        sql.SQL(", ").join(sql.SQL(e) for e in exprs), current_state(stream), sql.SQL(where)
    )
    row = pg.execute(query).fetchone()
    return list(row) if row else []


def reconcile_mysql(pg: psycopg.Connection[Any], settings: Settings, stream: Stream) -> Reconciled:
    from ingest.sources.mysql import make_plan, mysql_connect, q, source_columns

    out = Reconciled(stream.name)
    mark, seed_mark, known = _state(pg, stream)
    login = mysql_reader_login(settings)
    conn = mysql_connect(login)
    try:
        plan = make_plan(pg, stream, login, source_columns(conn, login, stream.source), [], alter=False)
        key = stream.cursor or stream.primary_key
        if stream.cdc and mark is not None:
            # a change log's mark is a binlog position: the whole source against the current state
            mark = str(2**63 - 1)
        declared = [
            c for c, s in plan.columns if s is not None and c.name in {d.name for d in stream.columns}
        ]
        full = measures_sql(declared, "mysql")
        full_pg = measures_sql(declared, "pg")
        keyed = [("count(*)", "COUNT(*)"), (f"sum({key})", f"SUM({q(key)})")]
        keyed_pg = [("count(*)", "COUNT(*)"), (f"sum({key})", f'SUM("{key}")')]
        good = f"NOT ({plan.bad_predicate})"
        hi = int(mark) if mark is not None else None
        seed = int(seed_mark) if seed_mark is not None else None
        with conn.cursor() as cur:
            cur.execute(
                f"SELECT COUNT(*) FROM {q(stream.source)}"
                + (f" WHERE {q(key)} > {hi}" if hi is not None else "")
            )
            row = cur.fetchone()
            out.pending = int(row[0]) if row else 0
            parts: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]], str, str]] = []
            if hi is not None:
                lo_sql = f"{q(key)} > {seed}" if seed is not None else "TRUE"
                lo_pg = f'"{key}" > {seed}' if seed is not None else "true"
                parts.append(("", full, full_pg, f"{lo_sql} AND {q(key)} <= {hi} AND {good}", lo_pg))
                if seed is not None:
                    parts.append(
                        ("seed ", keyed, keyed_pg, f"{q(key)} <= {seed} AND {good}", f'"{key}" <= {seed}')
                    )
            else:
                parts.append(("", full, full_pg, "FALSE", "true"))
            src_total = 0
            wh_total = 0
            for prefix, my_m, pg_m, my_where, pg_where in parts:
                cur.execute(
                    f"SELECT {', '.join(e for _, e in my_m)} FROM {q(stream.source)} WHERE {my_where}"
                )
                src = list(cur.fetchone() or [])
                wh = _pg_aggregates(pg, stream, [e for _, e in pg_m], pg_where)
                for (name, _), a, b in zip(my_m, src, wh, strict=True):
                    out.measures.append((prefix + name, a, b))
                src_total += int(src[0] or 0)
                wh_total += int(wh[0] or 0)
        out.source_rows, out.warehouse_rows = src_total, wh_total
        if not known:
            out.note = "never ingested"
        elif stream.cdc:
            out.note = "current state (latest change per key) vs the source" + (
                f"; rows <= {seed} seeded from {stream.seed}: compared by count and key sum"
                if seed is not None
                else ""
            )
        elif seed is not None:
            out.note = f"rows <= {seed} seeded from {stream.seed}: compared by count and key sum"
    finally:
        conn.close()
    return out


def reconcile_mongo(pg: psycopg.Connection[Any], settings: Settings, stream: Stream) -> Reconciled:
    from ingest.sources.mongo import DECODE, check_document, checks_of
    from ingest.sources.mongo_read import RAW, mongo_client

    out = Reconciled(stream.name)
    mark, _, known = _state(pg, stream)
    fields = [(f, t) for f, t in checks_of(stream) if t in ("number", "integer", "text", "bigint")]
    sums: dict[str, Decimal] = {f: Decimal(0) for f, _ in fields}
    counts: dict[str, int] = {f: 0 for f, _ in fields}
    total = 0
    client = mongo_client(settings)
    try:
        coll = client[settings.mongo_database].get_collection(stream.source, codec_options=RAW)
        if mark is not None:
            # a change log (cdc): every document now against the current state; append: up to the mark
            upto = {} if stream.cdc else {"_id": {"$lte": ObjectId(mark)}}
            out.pending = 0 if stream.cdc else coll.count_documents({"_id": {"$gt": ObjectId(mark)}})
            for raw in coll.find(upto):
                doc = bson.decode(raw.raw, codec_options=DECODE)
                if check_document(stream, doc, len(raw.raw))[0] is not None:
                    continue
                total += 1
                for f, t in fields:
                    v = doc.get(f)
                    if v is None:
                        continue
                    counts[f] += 1
                    sums[f] += (
                        Decimal(len(v))
                        if t == "text"
                        else Decimal(repr(v) if isinstance(v, float) else str(v))
                    )
        else:
            out.pending = coll.count_documents({})
    finally:
        client.close()
    exprs = ["count(*)"]
    for f, t in fields:
        path = f"document->>{_pg_literal(f)}"
        exprs.append(f"count({path})")
        exprs.append(f"sum(length({path}))" if t == "text" else f"sum(({path})::numeric)")
    wh = _pg_aggregates(pg, stream, exprs, "true")
    src: list[Any] = [total]
    names = ["count(*)"]
    for f, t in fields:
        src += [counts[f], sums[f]]
        names += [f"count({f})", f"length({f})" if t == "text" else f"sum({f})"]
    out.measures = list(zip(names, src, wh, strict=True))
    out.source_rows, out.warehouse_rows = total, int(wh[0] or 0)
    out.note = "" if known else "never ingested"
    return out


def _pg_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def reconcile_file(pg: psycopg.Connection[Any], settings: Settings, stream: Stream) -> Reconciled:
    out = Reconciled(stream.name)
    mark, _, known = _state(pg, stream)
    path = settings.landing_dir / stream.source
    wh = _pg_aggregates(pg, stream, ["count(*)"], "true")
    out.warehouse_rows = int(wh[0] or 0)
    if not path.is_file():
        out.note = f"no {stream.source} in landing"
        out.source_rows = None
        if out.warehouse_rows:
            out.note += f" (the warehouse holds {out.warehouse_rows:,} rows of an earlier file)"
        return out
    if not known or sha256_of(path) != mark:
        out.note = "file changed since the last ingest" if known else "never ingested"
        out.pending = 1
        return out
    rows = sum(1 for _ in read_rows(path, stream, []))
    out.source_rows = rows
    out.measures = [("count(*)", rows, out.warehouse_rows)]
    return out


def reconcile_all(settings: Settings, streams: list[Stream]) -> list[Reconciled]:
    out: list[Reconciled] = []
    with pg_connect(settings, autocommit=True) as pg:
        for stream in streams:
            try:
                if stream.kind == "mysql":
                    out.append(reconcile_mysql(pg, settings, stream))
                elif stream.kind == "mongo":
                    out.append(reconcile_mongo(pg, settings, stream))
                else:
                    out.append(reconcile_file(pg, settings, stream))
            except (IngestError, psycopg.Error) as exc:
                out.append(Reconciled(stream.name, error=str(exc).strip()))
            except Exception as exc:  # a source down: reported on its row, the others still compared
                out.append(Reconciled(stream.name, error=f"{type(exc).__name__}: {exc}"))
    return out


def _n(v: int | None) -> str:
    return "-" if v is None else f"{v:,}"


def reconcile_table(rows: list[Reconciled]) -> Table:
    table = Table(title="reconcile: source vs warehouse")
    for col in ("stream", "source rows", "warehouse rows", "pending", "measures", "result"):
        table.add_column(col, justify="right" if col not in ("stream", "result") else "left")
    for r in rows:
        if r.error:
            result = f"[red]error[/red] {r.error}"
        elif r.differing:
            diffs = [f"{n}: {a} vs {b}" for n, a, b in r.measures if not same(a, b)]
            result = "[red]differs[/red] " + "; ".join(diffs)
        else:
            result = "[green]match[/green]" + (f" ({r.note})" if r.note else "")
        table.add_row(
            r.stream, _n(r.source_rows), _n(r.warehouse_rows), _n(r.pending), str(len(r.measures)), result
        )
    return table


__all__ = ["Reconciled", "reconcile_all", "reconcile_table", "ident"]
