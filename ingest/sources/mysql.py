"""MySQL/MariaDB streams: the server formats rows as PostgreSQL COPY text, the ``mariadb`` client
streams them (``--quick --batch --raw``), and Python only pipes the bytes into ``COPY FROM STDIN``.

Why this engine: see docs/ingestion.md (measured against psql \\copy, sling, dlt, connectorx).
The client process reads while PostgreSQL writes (two processes, two cores); Python never parses
a row. Each column is wrapped in an expression that escapes backslash, tab, newline and carriage
return and prints NULL as ``\\N``; a row that cannot be landed as declared (zero date, value out
of range, NUL in text) is excluded by the same predicate that the reject query selects, so every
row read lands either in the raw table or in ``softcart_meta.ingest_rejects``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql
from psycopg import sql

from ingest.config import Column, Stream
from ingest.context import RunContext, StreamResult
from ingest.crash import crash_point
from ingest.credentials import MysqlLogin, mysql_reader_login
from ingest.errors import SourceError
from ingest.rejects import Reject, write_rejects
from ingest.sources.csv_file import copy_file, sha256_of
from ingest.state import drop_state, read_state, replaced_reason, write_state
from ingest.warehouse import (
    add_column,
    drop_keys,
    existing_columns,
    ident,
    restore_keys,
    table_ident,
)

INT_TYPES = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"}
DECIMAL_TYPES = {"decimal", "numeric"}
FLOAT_TYPES = {"float", "double", "real"}
DATE_TYPES = {"date", "datetime", "timestamp"}
TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json", "time"}
BINARY_TYPES = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}
PG_INT_LIMITS = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
PIPE_BYTES = 1 << 20  # read size and pipe buffer size
F_SETPIPE_SZ = 1031


@dataclass(frozen=True)
class SourceColumn:
    name: str
    data_type: str  # e.g. int, decimal, datetime, varchar
    column_type: str  # e.g. int(10) unsigned, decimal(12,2)
    nullable: bool
    precision: int | None
    scale: int | None

    @property
    def unsigned(self) -> bool:
        return "unsigned" in self.column_type


def q(name: str) -> str:
    """A MySQL identifier, backquoted."""
    return "`" + name.replace("`", "``") + "`"


def lit(text: str) -> str:
    """A MySQL string literal (the session runs with sql_mode '' so backslash escapes apply)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def loopback(host: str) -> bool:
    """Whether ``host`` is this machine: no TLS there (nothing leaves the machine). pymysql's
    default (TLS "preferred") builds a new TLS context per connection, 0.4 s each on the project's
    machines, which change data capture pays three times per stream and run."""
    return host in ("127.0.0.1", "localhost", "::1")


def mysql_connect(login: MysqlLogin) -> pymysql.connections.Connection[Any]:
    try:
        conn = pymysql.connect(
            host=login.host,
            port=login.port,
            user=login.user,
            password=login.password,
            database=login.database,
            charset="utf8mb4",
            connect_timeout=10,
            autocommit=True,
            ssl_disabled=loopback(login.host),
        )
    except pymysql.MySQLError as exc:
        raise SourceError(
            f"MySQL {login.user}@{login.host}:{login.port}/{login.database}: cannot connect: {exc.args[-1]}"
        ) from None
    with conn.cursor() as cur:
        cur.execute("SET SESSION sql_mode = '', time_zone = '+00:00'")
    return conn


def tables_columns(
    conn: pymysql.connections.Connection[Any], login: MysqlLogin, tables: list[str]
) -> dict[str, list[SourceColumn]]:
    """The columns of each of ``tables`` that exists, by lower-case name (one query for all of them;
    information_schema compares names without case)."""
    found: dict[str, list[SourceColumn]] = {}
    if not tables:
        return found
    with conn.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name, data_type, column_type, is_nullable, numeric_precision,"
            " numeric_scale FROM information_schema.columns WHERE table_schema = %s AND table_name IN %s"
            " ORDER BY table_name, ordinal_position",
            (login.database, tables),
        )
        rows = cur.fetchall()
    for r in rows:
        found.setdefault(str(r[0]).lower(), []).append(
            SourceColumn(
                name=str(r[1]),
                data_type=str(r[2]).lower(),
                column_type=str(r[3]).lower(),
                nullable=r[4] == "YES",
                precision=int(r[5]) if r[5] is not None else None,
                scale=int(r[6]) if r[6] is not None else None,
            )
        )
    return found


def found_columns(tables: dict[str, list[SourceColumn]], login: MysqlLogin, table: str) -> list[SourceColumn]:
    """``table``'s columns from :func:`tables_columns`, or the error of a table that is not there."""
    if table.lower() not in tables:
        raise SourceError(f"MySQL table {login.database}.{table} not found (or not readable by {login.user})")
    return tables[table.lower()]


def source_columns(
    conn: pymysql.connections.Connection[Any], login: MysqlLogin, table: str
) -> list[SourceColumn]:
    return found_columns(tables_columns(conn, login, [table]), login, table)


def pg_type_for(col: SourceColumn) -> str:
    """The raw column type of a MySQL column nobody declared (schema drift)."""
    t = col.data_type
    if t in INT_TYPES:
        return "numeric(20,0)" if t == "bigint" and col.unsigned else "bigint"
    if t in DECIMAL_TYPES:
        return f"numeric({col.precision or 38},{col.scale or 0})"
    if t in FLOAT_TYPES:
        return "double precision"
    if t == "date":
        return "date"
    if t in ("datetime", "timestamp"):
        return "timestamp"
    if t in BINARY_TYPES:
        return "bytea"
    if t == "bit":
        return "bigint"
    if t == "year":
        return "integer"
    return "text"


# --- per column: the expression that prints COPY text, and the predicate of a bad value ----------


def text_escape(expr: str) -> str:
    """``expr`` with backslash, tab, newline and carriage return escaped for COPY text."""
    return rf"REPLACE(REPLACE(REPLACE(REPLACE({expr}, '\\', '\\\\'), '\t', '\\t'), '\n', '\\n'), '\r', '\\r')"


def copy_expr(col: Column, src: SourceColumn | None) -> str:
    if src is None:
        return r"'\\N'"  # declared but absent in the source: NULL
    c = q(src.name)
    t = src.data_type
    if t in BINARY_TYPES:
        expr = rf"CONCAT('\\\\x', HEX({c}))"
    elif t == "bit":
        expr = f"CAST({c} AS UNSIGNED)"
    elif t in INT_TYPES | DECIMAL_TYPES | FLOAT_TYPES | DATE_TYPES or t == "year":
        expr = c
    else:
        expr = text_escape(c)
    return rf"IFNULL({expr}, '\\N')" if src.nullable else expr


def bad_value_checks(col: Column, src: SourceColumn | None) -> list[tuple[str, str]]:
    """(predicate, reason expression) pairs: when a predicate is true, the row cannot be landed."""
    if src is None:
        return []
    c = q(src.name)
    t = src.data_type
    target = col.type
    name = lit(col.name)
    checks: list[tuple[str, str]] = []
    if t in DATE_TYPES and target in ("date", "timestamp", "timestamptz"):
        checks.append(
            (
                f"({c} < '0001-01-01' OR MONTH({c}) = 0 OR DAYOFMONTH({c}) = 0)",
                f"CONCAT({name}, ': zero or invalid date ', CAST({c} AS CHAR))",
            )
        )
    if target in PG_INT_LIMITS and (t in INT_TYPES | DECIMAL_TYPES | FLOAT_TYPES):
        limit = PG_INT_LIMITS[target]
        if not _int_fits(src, limit):
            checks.append(
                (
                    f"({c} < -{limit} OR {c} > {limit - 1})",
                    f"CONCAT({name}, ': ', CAST({c} AS CHAR), ' out of range for {target}')",
                )
            )
    if col.numeric_scale and (t in INT_TYPES | DECIMAL_TYPES | FLOAT_TYPES):
        precision, scale = col.numeric_scale
        if not _numeric_fits(src, precision, scale):
            checks.append(
                (
                    f"(ABS(ROUND({c}, {scale})) >= 1e{precision - scale})",
                    f"CONCAT({name}, ': ', CAST({c} AS CHAR), ' out of range for {target}')",
                )
            )
    if target in PG_INT_LIMITS and t in TEXT_TYPES:
        checks.append(
            (
                f"({c} NOT REGEXP '^[[:space:]]*[-+]?[0-9]{{1,18}}[[:space:]]*$')",
                f"CONCAT({name}, ': ', QUOTE({c}), ' is not a valid {target}')",
            )
        )
    if target in ("text",) and t in TEXT_TYPES:
        checks.append(
            (
                f"(LOCATE(CHAR(0 USING utf8mb4), {c}) > 0)",
                f"CONCAT({name}, ': text contains a NUL character')",
            )
        )
    return checks


def _int_fits(src: SourceColumn, limit: int) -> bool:
    if src.data_type not in INT_TYPES:
        return False
    bits = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64}[
        src.data_type
    ]
    top = 2**bits if src.unsigned else 2 ** (bits - 1)
    return top <= limit


def _numeric_fits(src: SourceColumn, precision: int, scale: int) -> bool:
    if src.data_type in INT_TYPES:
        digits = {"tinyint": 3, "smallint": 5, "mediumint": 8, "int": 10, "integer": 10, "bigint": 20}
        return digits[src.data_type] <= precision - scale
    if src.data_type in DECIMAL_TYPES and src.precision is not None and src.scale is not None:
        return src.precision - src.scale <= precision - scale and src.scale <= scale
    return False


@dataclass
class Plan:
    """How one MySQL stream is read on this run."""

    columns: list[tuple[Column, SourceColumn | None]]  # cursor first (its value ends each batch)
    bad: list[tuple[str, str]]
    login: MysqlLogin

    @property
    def bad_predicate(self) -> str:
        return " OR ".join(f"COALESCE({p}, 0)" for p, _ in self.bad) or "FALSE"


def make_plan(
    pg: psycopg.Connection[Any],
    stream: Stream,
    login: MysqlLogin,
    src_cols: list[SourceColumn],
    notes: list[str],
    *,
    alter: bool = True,
) -> Plan:
    """The columns to read (declared ones, then undeclared source columns) and the bad-value checks.

    With ``alter``, an undeclared source column missing from the raw table is added to it.
    """
    by_name = {s.name.lower(): s for s in src_cols}
    declared = {c.name for c in stream.columns}
    cursor = stream.column(stream.cursor or stream.primary_key)
    src_cursor = by_name.get(cursor.name.lower())
    if src_cursor is None or src_cursor.data_type not in INT_TYPES:
        raise SourceError(
            f"MySQL {login.database}.{stream.source}: cursor column {cursor.name!r} missing or not an integer"
        )
    columns: list[tuple[Column, SourceColumn | None]] = [(cursor, src_cursor)]
    for col in stream.columns:
        if col.name == cursor.name:
            continue
        src = by_name.get(col.name.lower())
        if src is None:
            notes.append(f"column {col.name} missing in the source: landed as NULL")
        columns.append((col, src))
    # schema drift: source columns nobody declared are picked up with a mapped type
    have = existing_columns(pg, stream)
    for src in src_cols:
        if src.name.lower() in {d.lower() for d in declared}:
            continue
        pg_type = pg_type_for(src)
        if src.name not in have and alter:
            add_column(pg, stream, src.name, pg_type)
            notes.append(f"new source column {src.name} added as {pg_type}")
        columns.append((Column(src.name, pg_type), src))
    bad = [chk for col, src in columns for chk in bad_value_checks(col, src)]
    return Plan(columns=columns, bad=bad, login=login)


def _client() -> str:
    for name in ("mariadb", "mysql"):
        path = shutil.which(name)
        if path:
            return path
    raise SourceError(
        "the MariaDB/MySQL command-line client is not installed (apt-get install mariadb-client)"
    )


REJECT_MARK = b"!"  # in the last field of a rejected row: <run id>!<reason>


def unescape(field: bytes) -> str | None:
    """A COPY-text field back to its value (``\\N`` is NULL)."""
    if field == b"\\N":
        return None
    text = field.decode("utf-8", "replace")
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class LineSplitter:
    """Splits the client's output into COPY data and rejected rows, holding back a partial last line.

    A rejected row carries ``<run id>!<reason>`` in its last field (good rows: the run id alone). The
    fast path (no ``!`` in a chunk) costs a few C-level searches per megabyte; only a chunk holding a
    ``!`` (a rejected row, or text that contains one) is cut into lines.
    """

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.rest = b""
        self.rejects: list[Reject] = []
        self.rows = 0  # lines seen, rejected ones included
        self.last_line = b""

    def feed(self, chunk: bytes) -> bytes:
        buf = self.rest + chunk if self.rest else chunk
        cut = buf.rfind(b"\n") + 1
        self.rest = buf[cut:]
        data = buf[:cut]
        if not data:
            return b""
        self.rows += data.count(b"\n")
        start = data.rfind(b"\n", 0, len(data) - 1) + 1
        self.last_line = data[start : start + 40]
        if REJECT_MARK not in data:
            return data
        kept = []
        for line in data.split(b"\n")[:-1]:
            tail = line[line.rfind(b"\t") + 1 :]
            if REJECT_MARK in tail:
                self.rejects.append(self.parse_reject(line, tail))
            else:
                kept.append(line)
        return b"".join(x + b"\n" for x in kept)

    def parse_reject(self, line: bytes, tail: bytes) -> Reject:
        fields = line.split(b"\t")[:-1]
        reason = unescape(tail.partition(REJECT_MARK)[2]) or "rejected"
        payload = {n: unescape(f) for n, f in zip(self.names, fields, strict=False)}
        return Reject(fields[0].decode(), reason, payload)

    @property
    def last_key(self) -> int | None:
        return int(self.last_line.split(b"\t", 1)[0]) if self.rows else None


def marker_expr(plan: Plan, run_id: int) -> str:
    """The last field of an extracted row: the run id, or for a row that cannot be landed (it comes
    in-band: one scan) ``<run id>!<reason>``."""
    if not plan.bad:
        return str(run_id)
    reason = "CASE " + " ".join(f"WHEN {p} THEN {r}" for p, r in plan.bad) + " END"
    bad = " OR ".join(p for p, _ in plan.bad)
    return f"IF({bad}, CONCAT('{run_id}!', {text_escape(reason)}), {run_id})"


def extract_query(plan: Plan, stream: Stream, run_id: int, lo: int | None, hi: int, limit: int) -> str:
    cursor = q(plan.columns[0][1].name)  # type: ignore[union-attr]
    where = f"{cursor} <= {hi}" + (f" AND {cursor} > {lo}" if lo is not None else "")
    select = ", ".join(copy_expr(c, s) for c, s in plan.columns) + ", " + marker_expr(plan, run_id)
    return (
        "SET SESSION sql_mode = '', time_zone = '+00:00';"
        f" SELECT {select} FROM {q(stream.source)} WHERE {where} ORDER BY {cursor} LIMIT {limit}"
    )


def copy_batch(
    ctx: RunContext, stream: Stream, plan: Plan, lo: int | None, hi: int, limit: int, freeze: bool
) -> tuple[int, int | None, list[Reject]]:
    """One extract query piped into one COPY. Returns (rows written, last cursor value, rejects)."""
    query = extract_query(plan, stream, ctx.run_id, lo, hi, limit)
    written, last, rejects, _ = pipe_query(ctx, stream, plan, query, [], freeze)
    return written, last, rejects


def pipe_query(
    ctx: RunContext,
    stream: Stream,
    plan: Plan,
    query: str,
    extra_targets: list[str],
    freeze: bool,
    header_lines: int = 0,
    header_defaults: tuple[str, ...] = (),
) -> tuple[int, int | None, list[Reject], list[bytes]]:
    """Run ``query`` in the ``mariadb`` client and pipe its output into one COPY of the plan's
    columns, then ``extra_targets``, then the run id. The first ``header_lines`` lines of the
    output are not rows: they are returned (the snapshot's binlog position). With
    ``header_defaults``, the fields of the first header line are those columns' values in every
    row: they become the columns' defaults for this COPY (dropped after it) instead of travelling
    per row (PostgreSQL parsed a text and a timestamptz per row: a COPY of twice the time).
    Returns (rows written, last key, rejects, header lines)."""
    login = plan.login
    cmd = [
        _client(), "--no-defaults", "--protocol=TCP", f"--host={login.host}", f"--port={login.port}",
        f"--user={login.user}", f"--database={login.database}", "--default-character-set=utf8mb4",
        "--batch", "--raw", "--quick", "--skip-column-names", "--execute", query,
    ]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MYSQL_PWD": login.password}
    names = [c.name for c, _ in plan.columns]
    targets = sql.SQL(", ").join([ident(n) for n in [*names, *extra_targets, "_softcart_run_id"]])
    statement = sql.SQL("copy {} ({}) from stdin{}").format(
        table_ident(stream), targets, sql.SQL(" with (freeze)" if freeze else "")
    )
    lines = LineSplitter(names)
    header: list[bytes] = []
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, env=env)
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
        try:
            pending = b""
            while len(header) < header_lines:
                if b"\n" in pending:
                    line, _, pending = pending.partition(b"\n")
                    header.append(line)
                elif chunk := os.read(fd, PIPE_BYTES):
                    pending += chunk
                else:
                    break  # the client ended (or failed) before its header: told below
            if len(header) == header_lines:
                if header_defaults:
                    _set_defaults(
                        ctx, stream, dict(zip(header_defaults, header[0].split(b"\t"), strict=True))
                    )
                _copy_out(ctx, stream, statement, fd, pending, lines)
                if header_defaults:
                    _set_defaults(ctx, stream, dict.fromkeys(header_defaults))
            # the client's exit status decides: a cut stream must never be committed
            if proc.wait() != 0 or lines.rest or len(header) < header_lines:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip() or "output ended mid-row"
                raise SourceError(f"MySQL {login.database}.{stream.source}: extract failed: {message}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return lines.rows - len(lines.rejects), lines.last_key, lines.rejects, header


def _copy_out(
    ctx: RunContext, stream: Stream, statement: sql.Composed, fd: int, pending: bytes, lines: LineSplitter
) -> None:
    """The client's rows (``pending`` first, then the pipe to its end) into one COPY."""
    with ctx.conn.cursor() as cur, cur.copy(statement) as cp:
        first = True
        chunk = pending
        while chunk or (chunk := os.read(fd, PIPE_BYTES)):
            before = lines.rows
            data = lines.feed(chunk)
            if data:
                cp.write(data)
            ctx.progress(None, lines.rows - before)
            if first:
                first = False
                crash_point(ctx.settings, "extract")
            chunk = b""


def _set_defaults(ctx: RunContext, stream: Stream, values: dict[str, bytes | None]) -> None:
    """Set (or, for None, drop) the defaults of columns of the raw table, in the run's transaction."""
    actions = [
        sql.SQL("alter column {} drop default").format(ident(name))
        if value is None
        else sql.SQL("alter column {} set default {}").format(ident(name), sql.Literal(value.decode()))
        for name, value in values.items()
    ]
    ctx.conn.execute(sql.SQL("alter table {} ").format(table_ident(stream)) + sql.SQL(", ").join(actions))


def run_mysql_stream(ctx: RunContext, stream: Stream, result: StreamResult) -> None:
    if stream.cdc:
        from ingest.sources.mysql_cdc import run_mysql_cdc_stream

        run_mysql_cdc_stream(ctx, stream, result)
        return
    login = mysql_reader_login(ctx.settings)
    conn = mysql_connect(login)
    try:
        src_cols = source_columns(conn, login, stream.source)
        generation = source_generation(conn)
        with conn.cursor() as cur:
            cur.execute(f"SELECT MAX({q(stream.cursor or '')}) FROM {q(stream.source)}")
            row = cur.fetchone()
        hi = int(row[0]) if row and row[0] is not None else None
        state = None if ctx.full_refresh else read_state(ctx, stream)
        result.mark_before = state.mark if state else None
        if state is not None:
            below = state.mark is not None and (hi is None or hi < int(state.mark))
            if why := replaced_reason(state, generation, below):
                result.notes.append(why)
                state = None
        seed_mark = state.seed_mark if state else None
        mark: int | None = int(state.mark) if state and state.mark is not None else None
        # never ingested, --full-refresh, or a replaced source: rebuild the table
        fresh = result.refreshed = state is None
        keys: list[str] = []
        if fresh:
            drop_state(ctx, stream)
            ctx.conn.execute(b"truncate " + table_ident(stream).as_bytes(ctx.conn))
            # an empty table loads faster without its indexes; they are rebuilt (sorted, once) below
            keys = drop_keys(ctx.conn, stream)
            if stream.seed and not ctx.full_refresh:
                mark = _seed(ctx, stream, result)
                seed_mark = str(mark) if mark is not None else None
        plan = make_plan(ctx.conn, stream, login, src_cols, result.notes)
        if hi is None or (mark is not None and hi <= mark):
            result.status = "unchanged" if not fresh else "succeeded"
            result.mark_after = str(mark) if mark is not None else result.mark_before
            if fresh:
                write_state(ctx, stream, result.mark_after, seed_mark, generation)
            restore_keys(ctx.conn, keys)
            return
        ctx.progress(hi - mark if mark is not None else hi, 0)
        rejects: list[Reject] = []
        lo = mark
        # FREEZE: rows written into a table emptied in this same transaction skip later vacuum work
        freeze = fresh and result.rows_seeded == 0
        while True:
            n, last, bad = copy_batch(ctx, stream, plan, lo, hi, stream.batch_rows, freeze)
            result.rows_written += n
            rejects += bad
            if n + len(bad) < stream.batch_rows or last is None:
                break
            lo = last
            crash_point(ctx.settings, "between_batches")
        restore_keys(ctx.conn, keys)
        result.rows_rejected += write_rejects(ctx, stream.name, rejects)
        result.rows_read = result.rows_written + len(rejects)
        result.mark_after = str(hi)
        result.status = "succeeded"
        write_state(ctx, stream, str(hi), seed_mark, generation)
    finally:
        conn.close()


def source_generation(conn: pymysql.connections.Connection[Any]) -> str | None:
    """The id of the newest load that replaced this database's contents (softcart/load/records.py:
    the ``softcart_loads`` table), ``None`` when softcart never replaced it (no table: an external
    source fed by its own application)."""
    with conn.cursor() as cur:
        try:
            cur.execute("SELECT load_id FROM `softcart_loads` WHERE replaced ORDER BY seq DESC LIMIT 1")
        except pymysql.err.ProgrammingError:
            return None
        row = cur.fetchone()
    return str(row[0]) if row else None


def _seed(ctx: RunContext, stream: Stream, result: StreamResult) -> int | None:
    """Land the stream's seed file (the warehouse's existing copy) and return its last cursor value."""
    path = ctx.settings.landing_dir / (stream.seed or "")
    if not path.is_file():
        return None
    rejects: list[Reject] = []
    written, best = copy_file(ctx, stream, path, rejects)
    result.rows_seeded = written
    result.rows_rejected += write_rejects(ctx, stream.name, rejects)
    result.notes.append(
        f"seeded {written:,} rows from {path.name} (sha256 {sha256_of(path)[:12]}), mark {best}"
    )
    return int(best) if best is not None else None
