"""MySQL/MariaDB change data capture (``mode: cdc``): a consistent snapshot, then the row-based binlog.

First sync (or ``--full-refresh``, or a source replaced by ``softcart load --replace``): one
``START TRANSACTION WITH CONSISTENT SNAPSHOT`` in the ``mariadb`` client (no global lock), whose
``binlog_snapshot_file``/``binlog_snapshot_position`` is the binlog position that matches it exactly;
the rows go to the change log as ``r`` (the fast COPY path of ``ingest.sources.mysql``) and the
stream's position becomes that binlog position. A stream with a ``seed`` lands the seed file first
and snapshots only the keys past the seed's last key (the course's sync).

Later runs read the binlog from the stream's position (``mysql-replication``) up to the end it had
when the run started, and write every insert (``c``), update (``u``, the after-image; a changed key
is ``d`` of the before-image plus ``c``) and delete (``d``, the before-image) into the change log with
its position and commit time. The new position is the end of the last whole transaction read; it is
written in the run's PostgreSQL transaction, with the rows (exactly once: ``ingest.runner``).
Memory is bounded: rows are written as they are decoded, whatever the size of a transaction.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pymysql
from psycopg import sql

from ingest.config import CHANGE_SEQ, Column, Stream
from ingest.context import RunContext, StreamResult
from ingest.crash import crash_point
from ingest.credentials import MysqlLogin, mysql_reader_login
from ingest.errors import SourceError
from ingest.rejects import Reject, write_rejects
from ingest.sources.mysql import (
    PG_INT_LIMITS,
    Plan,
    _seed,
    copy_expr,
    loopback,
    make_plan,
    marker_expr,
    mysql_connect,
    pg_type_for,
    pipe_query,
    q,
    source_columns,
    source_generation,
)
from ingest.state import State, drop_state, read_state, write_state
from ingest.warehouse import (
    CHANGE_COLUMNS,
    add_column,
    change_seq_base,
    change_seq_past,
    drop_keys,
    existing_columns,
    ident,
    restore_keys,
    table_ident,
)

CHANGE_TARGETS = [name for name, _, _ in CHANGE_COLUMNS if name != "_softcart_seq"]  # op, pos, committed
SNAPSHOT_HEADER = ("_softcart_source_pos", "_softcart_committed_at")  # the snapshot query's first line


@dataclass(frozen=True, order=True)
class Position:
    """A binlog position: file name (``mysql-bin.000003``) and byte offset in it."""

    file: str
    pos: int

    def __str__(self) -> str:
        return f"{self.file}:{self.pos}"

    @classmethod
    def parse(cls, text: str) -> Position:
        file, _, pos = text.rpartition(":")
        if not file or not pos.isdigit():
            raise SourceError(f"not a binlog position: {text!r}")
        return cls(file, int(pos))

    @property
    def key(self) -> tuple[int, int]:
        """Order of positions across files (``mysql-bin.000010`` after ``.000009``)."""
        suffix = self.file.rsplit(".", 1)[-1]
        return (int(suffix) if suffix.isdigit() else 0, self.pos)


def resnapshot_command(stream: Stream) -> str:
    return f"softcart ingest -s {stream.name} --full-refresh"


def binlog_status(
    conn: pymysql.connections.Connection[Any], stream: Stream
) -> tuple[Position, dict[str, int]]:
    """The server's current binlog end and its binlog files (name -> size); a clear error when the
    binlog is off or the reader lacks the grants."""
    with conn.cursor() as cur:
        cur.execute("SELECT @@log_bin, @@binlog_format")
        row = cur.fetchone()
        if not row or int(row[0]) != 1 or str(row[1]).upper() != "ROW":
            raise SourceError(
                f"MySQL: stream {stream.name} is `mode: cdc` but the server's binlog is"
                f" {'off' if not row or int(row[0]) != 1 else 'in ' + str(row[1]) + ' format'}: start it with"
                " --log-bin --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL"
                " (the project's own server does), or declare the stream `mode: append`"
            )
        try:
            cur.execute("SHOW MASTER STATUS")
            status = cur.fetchone()
            cur.execute("SHOW BINARY LOGS")
            files = {str(r[0]): int(r[1]) for r in cur.fetchall()}
        except pymysql.err.OperationalError as exc:
            raise SourceError(
                f"MySQL: the reader cannot read the binlog ({exc.args[-1]}): it needs"
                " GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* (softcart/load/bootstrap.py)"
            ) from None
    if not status:
        raise SourceError("MySQL: SHOW MASTER STATUS is empty: binary logging is off")
    return Position(str(status[0]), int(status[1])), files


def snapshot_query(plan: Plan, stream: Stream, run_id: int, after_key: int | None, seq_base: int) -> str:
    """One consistent snapshot: its binlog position first (one line), then every row as ``r``, with
    its ``_softcart_seq`` (``seq_base`` + its number in the output, in key order): the server numbers
    the rows, so the COPY does not call the identity per row (a fifth of a full load's time)."""
    key = q(plan.columns[0][1].name)  # type: ignore[union-attr]
    select = (
        ", ".join(copy_expr(c, s) for c, s in plan.columns)
        + f", {seq_base} + (@softcart_n := @softcart_n + 1)"
    )
    where = f"WHERE {key} > {after_key}" if after_key is not None else ""
    status = "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = '{}')"
    return (
        "SET SESSION sql_mode = '', time_zone = '+00:00';"
        " SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ;"
        " START TRANSACTION WITH CONSISTENT SNAPSHOT;"
        f" SET @softcart_pos = CONCAT({status.format('BINLOG_SNAPSHOT_FILE')}, ':',"
        f" {status.format('BINLOG_SNAPSHOT_POSITION')}), @softcart_at = CONCAT(UTC_TIMESTAMP(6), '+00');"
        " SELECT @softcart_pos, @softcart_at; SET @softcart_n = 0;"
        f" SELECT {select}, {marker_expr(plan, run_id)}"
        f" FROM {q(stream.source)} {where} ORDER BY {key};"
        " COMMIT"
    )


def run_mysql_cdc_stream(ctx: RunContext, stream: Stream, result: StreamResult) -> None:
    login = mysql_reader_login(ctx.settings)
    conn = mysql_connect(login)
    try:
        src_cols = source_columns(conn, login, stream.source)
        generation = source_generation(conn)
        end, files = binlog_status(conn, stream)
        state = None if ctx.full_refresh else read_state(ctx, stream)
        result.mark_before = state.mark if state else None
        if state is not None and state.mark is not None and ":" not in state.mark:
            result.notes.append(
                f"the stream's mark {state.mark} is a key, not a binlog position (it was"
                " `mode: append`): stream snapshotted"
            )
            state = None
        if state is not None and state.generation != generation:
            result.notes.append(
                f"the source was reloaded since the last ingest (load {(generation or 'none')[:8]}):"
                " stream re-snapshotted"
            )
            state = None
        if state is None or state.mark is None:
            _snapshot(ctx, stream, result, login, src_cols, generation)
            return
        _stream_binlog(ctx, stream, result, login, state, src_cols, end, files, generation)
    finally:
        conn.close()


def _snapshot(
    ctx: RunContext,
    stream: Stream,
    result: StreamResult,
    login: MysqlLogin,
    src_cols: list[Any],
    generation: str | None,
) -> None:
    result.refreshed = True
    drop_state(ctx, stream)
    ctx.conn.execute(b"truncate " + table_ident(stream).as_bytes(ctx.conn))
    keys = drop_keys(ctx.conn, stream)
    seed_mark: str | None = None
    if stream.seed and not ctx.full_refresh:
        mark = _seed(ctx, stream, result)
        seed_mark = str(mark) if mark is not None else None
    plan = make_plan(ctx.conn, stream, login, src_cols, result.notes)
    seq_base = change_seq_base(ctx.conn, stream)  # past the seeded rows' numbers
    query = snapshot_query(plan, stream, ctx.run_id, int(seed_mark) if seed_mark else None, seq_base)
    freeze = result.rows_seeded == 0
    # the position and time, the same in every row, are the header's: the COPY's column defaults
    # (and the op is the table's default 'r'), not text PostgreSQL parses per row
    written, _, rejects, header = pipe_query(
        ctx, stream, plan, query, [CHANGE_SEQ], freeze, header_lines=1, header_defaults=SNAPSHOT_HEADER
    )
    position = header[0].split(b"\t", 1)[0].decode()
    restore_keys(ctx.conn, keys)
    change_seq_past(ctx.conn, stream)
    result.rows_written = written
    result.rows_rejected += write_rejects(ctx, stream.name, rejects)
    result.rows_read = written + len(rejects)
    result.mark_after = position
    result.status = "succeeded"
    result.notes.append(f"snapshot at binlog {position}")
    write_state(ctx, stream, position, seed_mark, generation)


# --- the binlog -----------------------------------------------------------------------------


def _check_value(col: Column, value: Any) -> str | None:
    """Why ``value`` cannot land as ``col`` (None: it can): the snapshot's reject rules in Python."""
    if value is None:
        return None
    if col.type in PG_INT_LIMITS and isinstance(value, int | Decimal):
        limit = PG_INT_LIMITS[col.type]
        if not -limit <= value < limit:
            return f"{col.name}: {value} out of range for {col.type}"
    scale = col.numeric_scale
    if scale and isinstance(value, int | Decimal | float):
        precision, digits = scale
        if abs(round(Decimal(str(value)), digits)) >= Decimal(10) ** (precision - digits):
            return f"{col.name}: {value} out of range for {col.type}"
    if col.type == "text" and isinstance(value, str) and "\x00" in value:
        return f"{col.name}: text contains a NUL character"
    return None


class ChangeWriter:
    """COPY of change rows into the change log; reopened when a column is added mid-stream."""

    def __init__(self, ctx: RunContext, stream: Stream, plan: Plan) -> None:
        self.ctx, self.stream = ctx, stream
        self.columns: list[Column] = [c for c, _ in plan.columns]
        self.by_source = {s.name: i for i, (_, s) in enumerate(plan.columns) if s is not None}
        self.cursor: psycopg.Cursor[Any] | None = None
        self.copy: Any = None
        self.copy_cm: Any = None
        self.rejects: list[Reject] = []
        self.written = 0

    def open(self) -> None:
        names = [c.name for c in self.columns] + CHANGE_TARGETS + ["_softcart_run_id"]
        statement = sql.SQL("copy {} ({}) from stdin").format(
            table_ident(self.stream), sql.SQL(", ").join(ident(n) for n in names)
        )
        self.cursor = self.ctx.conn.cursor()
        self.copy_cm = self.cursor.copy(statement)
        self.copy = self.copy_cm.__enter__()

    def close(self) -> None:
        if self.copy is not None:
            self.copy_cm.__exit__(None, None, None)
            self.copy = None
        if self.cursor is not None:
            self.cursor.close()
            self.cursor = None

    def add_source_column(self, name: str, pg_type: str) -> None:
        self.close()
        if name not in existing_columns(self.ctx.conn, self.stream):
            add_column(self.ctx.conn, self.stream, name, pg_type)
        self.columns.append(Column(name, pg_type))
        self.by_source[name] = len(self.columns) - 1
        self.open()

    def write(
        self, op: str, values: dict[str, Any], pos: str, committed_at: datetime, nones: dict[str, str]
    ) -> None:
        row: list[Any] = [None] * len(self.columns)
        for name, value in values.items():
            row[self.by_source[name]] = value
        for col, value in zip(self.columns, row, strict=True):
            reason = _check_value(col, value)
            if value is None and "range" in nones.get(col.name, ""):
                # a zero date (the library decodes it as None): the snapshot's reject rule
                reason = f"{col.name}: zero or invalid date"
            if reason:
                key = str(row[0])
                payload = {c.name: _text(v) for c, v in zip(self.columns, row, strict=True)}
                self.rejects.append(Reject(key, reason, payload))
                # the key's row is no longer landed as it is (as a snapshot would not land it):
                # its current state in the warehouse must not be the version before this change
                op, row = "d", [row[0]] + [None] * (len(row) - 1)
                self.written -= 1  # counted as a reject, not as a row written
                break
        if self.copy is None:
            self.open()
        self.copy.write_row((*row, op, pos, committed_at, self.ctx.run_id))
        self.written += 1


def _text(value: Any) -> str | None:
    return None if value is None else str(value).replace("\x00", "\\u0000")


def _stream_binlog(
    ctx: RunContext,
    stream: Stream,
    result: StreamResult,
    login: MysqlLogin,
    state: State,
    src_cols: list[Any],
    end: Position,
    files: dict[str, int],
    generation: str | None,
) -> None:
    start = Position.parse(state.mark or "")
    if start.file not in files or start.pos > files[start.file]:
        raise SourceError(
            f"MySQL: stream {stream.name}'s binlog position {start} is no longer on the server (the"
            f" binlog was purged or the server reset; it holds {', '.join(files) or 'no binlog'}):"
            f" changes since then are lost to capture. Re-snapshot the stream: {resnapshot_command(stream)}"
        )
    if start.key >= end.key:
        result.status = "unchanged"
        result.mark_after = state.mark
        return
    plan = make_plan(ctx.conn, stream, login, src_cols, result.notes)
    writer = ChangeWriter(ctx, stream, plan)
    known = {s.name for s in src_cols}
    key_name = plan.columns[0][1].name  # type: ignore[union-attr]
    committed = start  # the end of the last whole transaction written
    pending = 0  # rows written after it (a transaction cut by the end of the read)
    changes = 0
    try:
        for kind, rows, at, boundary in _events(login, stream, start, end):
            if boundary is not None:
                committed, pending = boundary, 0
                crash_point(ctx.settings, "between_batches")
                if committed.key >= end.key:
                    break
                continue
            pos = str(at[0])
            for op, values, nones in _changes(kind, rows, key_name):
                for name in values:
                    if name not in writer.by_source:
                        writer.add_source_column(
                            name, _new_column_type(ctx, stream, login, name, known, result)
                        )
                writer.write(op, values, pos, at[1], nones)
                pending += 1
                changes += 1
                if changes == 1:
                    crash_point(ctx.settings, "extract")
                if changes % 10_000 == 0:
                    ctx.progress(None, 10_000)
    finally:
        writer.close()
    ctx.progress(None, changes % 10_000)
    if pending:  # rows of a transaction whose end was not read: the next run reads it whole
        ctx.conn.execute(
            sql.SQL(
                "delete from {t} where {seq} in (select {seq} from {t} where _softcart_run_id = %s"
                " order by {seq} desc limit %s)"
            ).format(t=table_ident(stream), seq=ident("_softcart_seq")),
            (ctx.run_id, pending),
        )
        writer.written = max(0, writer.written - pending)
    result.rows_written = writer.written
    result.rows_rejected += write_rejects(ctx, stream.name, writer.rejects)
    result.rows_read = writer.written + len(writer.rejects)
    result.mark_after = str(committed)
    result.status = "succeeded" if result.rows_read else "unchanged"
    write_state(ctx, stream, str(committed), state.seed_mark, generation)


def _new_column_type(
    ctx: RunContext, stream: Stream, login: MysqlLogin, name: str, known: set[str], result: StreamResult
) -> str:
    """The raw type of a source column that appeared mid-stream (schema drift), or a clear stop."""
    if name.startswith("UNKNOWN_COL"):
        raise SourceError(
            f"MySQL: the binlog of {login.database}.{stream.source} carries no column names: start the"
            " server with --binlog-row-metadata=FULL, then re-snapshot: " + resnapshot_command(stream)
        )
    conn = mysql_connect(login)
    try:
        now = {s.name: s for s in source_columns(conn, login, stream.source)}
    finally:
        conn.close()
    if name not in now:
        raise SourceError(
            f"MySQL {login.database}.{stream.source}: the binlog has a column {name!r} that the table no"
            f" longer has (added and dropped since): re-snapshot the stream: {resnapshot_command(stream)}"
        )
    pg_type = pg_type_for(now[name])
    known.add(name)
    result.notes.append(f"new source column {name} added as {pg_type}")
    return pg_type


def _changes(
    kind: str, rows: list[dict[str, Any]], key: str
) -> Iterator[tuple[str, dict[str, Any], dict[str, str]]]:
    """(op, values, why a value is None) per change-log row of one rows event: an update of the key
    is a delete plus an insert."""
    for row in rows:
        if kind in ("c", "d"):
            yield kind, row["values"], row.get("none_sources") or {}
        else:
            before, after = row["before_values"], row["after_values"]
            after_none = row.get("after_none_sources") or {}
            if before.get(key) != after.get(key):
                yield "d", before, row.get("before_none_sources") or {}
                yield "c", after, after_none
            else:
                yield "u", after, after_none


def _events(
    login: MysqlLogin, stream: Stream, start: Position, end: Position
) -> Iterator[tuple[str, list[dict[str, Any]], tuple[Position, datetime], Position | None]]:
    """(kind, rows, (position, commit time), None) per rows event of the stream's table, and
    ("", [], ..., end of transaction) at each transaction boundary, from ``start`` on."""
    from pymysqlreplication import BinLogStreamReader
    from pymysqlreplication.event import QueryEvent, RotateEvent, XidEvent
    from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

    reader = BinLogStreamReader(
        connection_settings={
            "host": login.host,
            "port": login.port,
            "user": login.user,
            "password": login.password,
            "ssl_disabled": loopback(login.host),
        },
        # a replica id of its own: two dump connections with one id cut each other off
        server_id=1_000_000 + (os.getpid() * 1000 + random.randrange(1000)) % 1_000_000_000,  # noqa: S311
        blocking=False,
        resume_stream=True,
        log_file=start.file,
        log_pos=start.pos,
        # a file:position start (COM_BINLOG_DUMP): the library's MariaDB mode would start from a
        # GTID state instead and ignore the position; MariaDB serves both
        is_mariadb=False,
        enable_logging=False,
        only_schemas=[login.database],
        only_events=[WriteRowsEvent, UpdateRowsEvent, DeleteRowsEvent, XidEvent, QueryEvent, RotateEvent],
    )
    kinds = {WriteRowsEvent: "c", UpdateRowsEvent: "u", DeleteRowsEvent: "d"}
    txn_pos = start
    try:
        for event in reader:
            here = Position(reader.log_file, reader.log_pos)
            if isinstance(event, XidEvent):
                txn_pos = here
                yield "", [], (here, _at(event.timestamp)), here
            elif isinstance(event, QueryEvent):
                text = event.query.strip().upper() if isinstance(event.query, str) else ""
                if text == "COMMIT":
                    txn_pos = here
                    yield "", [], (here, _at(event.timestamp)), here
                elif text.startswith("TRUNCATE") and stream.source.upper() in text:
                    raise SourceError(
                        f"MySQL {login.database}.{stream.source} was truncated at binlog {here}: re-snapshot"
                        f" the stream: {resnapshot_command(stream)}"
                    )
                elif text == "BEGIN":
                    txn_pos = here
            elif type(event) in kinds and event.table == stream.source:
                yield kinds[type(event)], event.rows, (txn_pos, _at(event.timestamp)), None
            if here.key >= end.key and isinstance(event, XidEvent | QueryEvent):
                break
    finally:
        reader.close()


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
