"""MySQL/MariaDB change data capture (``mode: cdc``): a consistent snapshot, then the row-based binlog.

First sync (or ``--full-refresh``, or a source replaced by ``softcart load --replace``): one
``START TRANSACTION WITH CONSISTENT SNAPSHOT`` in the ``mariadb`` client (no global lock), whose
``binlog_snapshot_file``/``binlog_snapshot_position`` is the binlog position that matches it exactly;
the rows go to the change log as ``r`` (the fast COPY path of ``ingest.sources.mysql``) and the
stream's position becomes that binlog position. A stream with a ``seed`` lands the seed file first
and snapshots only the keys past the seed's last key (the course's sync).

Later runs read the binlog (``mysql-replication`` for the connection, the framing, the table maps;
the row images decoded by ``ingest.sources.binlog_rows``) up to the end it had when the run started:
one pass per run for all its MySQL ``cdc`` streams, from the earliest of their positions, each
stream taking its own table's changes past its own position. Every insert (``c``), update (``u``,
the after-image; a changed key is ``d`` of the before-image plus ``c``) and delete (``d``, the
before-image) goes into the stream's change log with its position and commit time. Each stream's
new position is the end of the last whole transaction read; it is written in the run's PostgreSQL
transaction, with the rows (exactly once: ``ingest.runner``). Memory is bounded: rows are COPied in
batches as they are decoded, whatever the size of a transaction.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pymysql
from psycopg import sql

from ingest.config import CHANGE_SEQ, Column, Stream
from ingest.context import RunContext, StreamResult
from ingest.crash import crash_point
from ingest.credentials import MysqlLogin, mysql_reader_login
from ingest.errors import SourceError
from ingest.rejects import Reject, write_rejects
from ingest.sources.binlog_rows import BAD_DATE, Unsupported, event_images
from ingest.sources.mysql import (
    PG_INT_LIMITS,
    Plan,
    SourceColumn,
    _seed,
    bad_value_checks,
    copy_expr,
    found_columns,
    loopback,
    make_plan,
    marker_expr,
    mysql_connect,
    pg_type_for,
    pipe_query,
    q,
    source_columns,
    source_generation,
    tables_columns,
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


_SESSION = "mysql_cdc"


def run_mysql_cdc_stream(ctx: RunContext, stream: Stream, result: StreamResult) -> None:
    """One MySQL ``cdc`` stream of the run. The first one of the run to read the binlog reads it
    for every ``cdc`` stream of the run that continues from the binlog (one pass, not one per
    stream); their results wait for their turn (:class:`_Session`)."""
    session = ctx.shared.get(_SESSION)
    if not isinstance(session, _Session) or stream.name not in session.streams:
        session = _Session(ctx, stream)
        ctx.shared[_SESSION] = session
    session.run(stream, result)


def _adopt(result: StreamResult, done: StreamResult) -> None:
    """Copy what the shared binlog pass did for a stream into the runner's result of it."""
    for name in ("status", "rows_read", "rows_written", "rows_rejected", "refreshed", "mark_before"):
        setattr(result, name, getattr(done, name))
    result.mark_after = done.mark_after
    result.notes.extend(done.notes)


class _Session:
    """What the MySQL change streams of one run share: one look at the server (the tables' columns,
    the binlog's end, the source's generation) and one pass over the binlog for all of them. Every
    stream's rows and position still go into the run's one PostgreSQL transaction."""

    def __init__(self, ctx: RunContext, first: Stream) -> None:
        self.ctx = ctx
        self.login = mysql_reader_login(ctx.settings)
        streams = [s for s in ctx.streams if s.kind == "mysql" and s.cdc and s.name != first.name]
        self.streams = {s.name: s for s in [first, *streams]}
        self.src_cols: dict[str, list[SourceColumn]] = {}
        self.errors: dict[str, SourceError] = {}
        self.finished: dict[str, StreamResult] = {}  # read by a shared pass, waiting for their turn
        self.ran: set[str] = set()
        conn = mysql_connect(self.login)
        try:
            tables = tables_columns(conn, self.login, [s.source for s in self.streams.values()])
            for s in self.streams.values():
                try:
                    self.src_cols[s.name] = found_columns(tables, self.login, s.source)
                except SourceError as exc:  # stops that stream, at its turn
                    self.errors[s.name] = exc
            self.generation = source_generation(conn)
            self.end, self.files = binlog_status(conn, first)
        finally:
            conn.close()

    def run(self, stream: Stream, result: StreamResult) -> None:
        self.ran.add(stream.name)
        done = self.finished.pop(stream.name, None)
        if done is not None:
            _adopt(result, done)
            return
        if stream.name in self.errors:
            raise self.errors[stream.name]
        state = self._binlog_state(stream, result, strict=True)
        if state is None:
            _snapshot(self.ctx, stream, result, self.login, self.src_cols[stream.name], self.generation)
            return
        group = [_Member(stream, result, state)]
        for other in self.streams.values():
            if other.name in self.ran or other.name in self.errors or other.name in self.finished:
                continue
            other_result = StreamResult(other.name)
            other_state = self._binlog_state(other, other_result, strict=False)
            if other_state is not None:  # its raw table is there (ingest.runner: every stream's)
                group.append(_Member(other, other_result, other_state))
        _read_binlog(self.ctx, self.login, group, self.src_cols, self.end, self.generation)
        for member in group[1:]:
            self.finished[member.stream.name] = member.result

    def _binlog_state(self, stream: Stream, result: StreamResult, *, strict: bool) -> State | None:
        """The stream's state when it continues from the binlog; None when it is (re)snapshotted.
        A position the server no longer has stops the stream (``strict``: now; else at its turn)."""
        state = None if self.ctx.full_refresh else read_state(self.ctx, stream)
        result.mark_before = state.mark if state else None
        if state is not None and state.mark is not None and ":" not in state.mark:
            result.notes.append(
                f"the stream's mark {state.mark} is a key, not a binlog position (it was"
                " `mode: append`): stream snapshotted"
            )
            state = None
        if state is not None and state.generation != self.generation:
            result.notes.append(
                f"the source was reloaded since the last ingest (load {(self.generation or 'none')[:8]}):"
                " stream re-snapshotted"
            )
            state = None
        if state is None or state.mark is None:
            return None
        start = Position.parse(state.mark)
        if start.file not in self.files or start.pos > self.files[start.file]:
            if not strict:
                return None
            raise SourceError(
                f"MySQL: stream {stream.name}'s binlog position {start} is no longer on the server (the"
                f" binlog was purged or the server reset; it holds {', '.join(self.files) or 'no binlog'}):"
                " changes since then are lost to capture. Re-snapshot the stream:"
                f" {resnapshot_command(stream)}"
            )
        return state


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
    if value is BAD_DATE:
        return f"{col.name}: zero or invalid date"
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


def _checked(col: Column, src: SourceColumn | None) -> bool:
    """Whether this column's values need the reject rules in Python: the snapshot's checks of its
    types (``bad_value_checks``) other than the zero date, which the decoder marks as BAD_DATE."""
    if src is None:
        return True
    return any("zero or invalid date" not in reason for _, reason in bad_value_checks(col, src))


class ChangeWriter:
    """One stream's change rows, COPied into its change log in batches (one COPY at a time on the
    run's connection: the streams of one binlog pass take turns); a column added mid-stream is
    added to the table between two batches."""

    BATCH = 5_000

    def __init__(self, ctx: RunContext, stream: Stream, plan: Plan) -> None:
        self.ctx, self.stream = ctx, stream
        self.columns: list[Column] = [c for c, _ in plan.columns]
        self.by_source = {s.name: i for i, (_, s) in enumerate(plan.columns) if s is not None}
        # the columns checked in Python (per value); the others' source types always fit
        self.checked = [i for i, (c, s) in enumerate(plan.columns) if _checked(c, s)]
        self.rows: list[tuple[Any, ...]] = []
        self.rejects: list[Reject] = []
        self.written = 0
        self.slots: dict[tuple[str, ...], list[int] | None] = {}
        self._statement()

    def _statement(self) -> None:
        names = [c.name for c in self.columns] + CHANGE_TARGETS + ["_softcart_run_id"]
        self.copy_sql = sql.SQL("copy {} ({}) from stdin").format(
            table_ident(self.stream), sql.SQL(", ").join(ident(n) for n in names)
        )

    def flush(self) -> None:
        if not self.rows:
            return
        with self.ctx.conn.cursor() as cur, cur.copy(self.copy_sql) as copy:
            for row in self.rows:
                copy.write_row(row)
        self.rows.clear()

    def drop_last(self, n: int) -> None:
        """Take back the last ``n`` rows (a transaction whose end was not read)."""
        buffered = min(n, len(self.rows))
        del self.rows[len(self.rows) - buffered :]
        if n > buffered:
            self.ctx.conn.execute(
                sql.SQL(
                    "delete from {t} where {seq} in (select {seq} from {t} where _softcart_run_id = %s"
                    " order by {seq} desc limit %s)"
                ).format(t=table_ident(self.stream), seq=ident("_softcart_seq")),
                (self.ctx.run_id, n - buffered),
            )
        self.written = max(0, self.written - n)

    def add_source_column(self, name: str, pg_type: str) -> None:
        self.flush()
        if name not in existing_columns(self.ctx.conn, self.stream):
            add_column(self.ctx.conn, self.stream, name, pg_type)
        self.columns.append(Column(name, pg_type))
        self.by_source[name] = len(self.columns) - 1
        self.checked.append(len(self.columns) - 1)
        self.slots.clear()
        self._statement()

    def slots_of(self, names: tuple[str, ...]) -> list[int] | None:
        """The writer's column of each binlog column (None: the same order)."""
        slots = [self.by_source[n] for n in names]
        self.slots[names] = None if slots == list(range(len(self.columns))) else slots
        return self.slots[names]

    def write(self, op: str, row: list[Any], pos: str, committed_at: datetime) -> None:
        """One change; ``row`` in the writer's column order."""
        columns = self.columns
        if BAD_DATE in row or any(_check_value(columns[i], row[i]) for i in self.checked):
            reason = next(r for r in (_check_value(c, v) for c, v in zip(columns, row, strict=True)) if r)
            payload = {c.name: _text(v) for c, v in zip(columns, row, strict=True)}
            self.rejects.append(Reject(str(row[0]), reason, payload))
            # the key's row is no longer landed as it is (as a snapshot would not land it):
            # its current state in the warehouse must not be the version before this change
            op, row = "d", [row[0]] + [None] * (len(row) - 1)
            self.written -= 1  # counted as a reject, not as a row written
        self.rows.append((*row, op, pos, committed_at, self.ctx.run_id))
        self.written += 1
        if len(self.rows) >= self.BATCH:
            self.flush()


def _text(value: Any) -> str | None:
    if value is BAD_DATE:
        return "0000-00-00"
    return None if value is None else str(value).replace("\x00", "\\u0000")


@dataclass
class _Member:
    """A stream of a binlog pass: its own start, writer and last whole transaction."""

    stream: Stream
    result: StreamResult
    state: State
    start: Position = Position("", 0)
    writer: ChangeWriter | None = None
    known: set[str] = field(default_factory=set)
    committed: Position = Position("", 0)  # the end of the last whole transaction written
    pending: int = 0  # rows written after it (a transaction cut by the end of the read)


def _read_binlog(
    ctx: RunContext,
    login: MysqlLogin,
    group: list[_Member],
    src_cols: dict[str, list[SourceColumn]],
    end: Position,
    generation: str | None,
) -> None:
    """One pass over the binlog for every member, from the earliest member's position to ``end``:
    each member takes the changes of its table past its own position; each position advances to
    the end of the last whole transaction read, in the run's transaction, with the rows."""
    members: list[_Member] = []
    for m in group:
        m.start = m.committed = Position.parse(m.state.mark or "")
        if m.start.key >= end.key:
            m.result.status = "unchanged"
            m.result.mark_after = m.state.mark
            continue
        plan = make_plan(ctx.conn, m.stream, login, src_cols[m.stream.name], m.result.notes)
        m.writer = ChangeWriter(ctx, m.stream, plan)
        m.known = {s.name for s in src_cols[m.stream.name]}
        members.append(m)
    if not members:
        return
    by_table: dict[str, list[_Member]] = {}
    for m in members:
        by_table.setdefault(m.stream.source, []).append(m)
    start = min((m.start for m in members), key=lambda p: p.key)
    changes = 0
    for kind, here, at, event, txn_pos in _events(login, list(by_table), start, end):
        if kind == "commit":
            for m in members:
                if here.key > m.start.key:
                    m.committed, m.pending = here, 0
            crash_point(ctx.settings, "between_batches")
            if here.key >= end.key:
                break
            continue
        if kind == "truncate":
            table, text = event
            for m in members:
                ours = (
                    table == (login.database.lower(), m.stream.source.lower())
                    if table is not None
                    else m.stream.source.upper() in text  # a statement not understood: assume it is
                )
                if ours and here.key > m.start.key:
                    raise SourceError(
                        f"MySQL {login.database}.{m.stream.source} was truncated at binlog {here}:"
                        f" re-snapshot the stream: {resnapshot_command(m.stream)}"
                    )
            continue
        takers = [m for m in by_table.get(event.table, ()) if here.key > m.start.key]
        if not takers:
            continue
        names, images = _images(event)
        pos = str(txn_pos)
        for m in takers:
            n = _take(ctx, m, login, kind, names, images, pos, at)
            m.pending += n
            changes += n
            if changes == n and n:
                crash_point(ctx.settings, "extract")
            if changes // 10_000 != (changes - n) // 10_000:
                ctx.progress(None, 10_000)
    ctx.progress(None, changes % 10_000)
    for m in members:
        writer = m.writer
        assert writer is not None
        if m.pending:  # rows of a transaction whose end was not read: the next run reads it whole
            writer.drop_last(m.pending)
        writer.flush()
        result = m.result
        result.rows_written = writer.written
        result.rows_rejected += write_rejects(ctx, m.stream.name, writer.rejects)
        result.rows_read = writer.written + len(writer.rejects)
        result.mark_after = str(m.committed)
        result.status = "succeeded" if result.rows_read else "unchanged"
        write_state(ctx, m.stream, str(m.committed), m.state.seed_mark, generation)


def _images(event: Any) -> tuple[tuple[str, ...], list[list[Any]]]:
    """(column names, every row image of a rows event, in order): the project's decoder, or the
    library's for what the decoder does not know (a zero date is BAD_DATE either way)."""
    try:
        decoder, images = event_images(event)
        return decoder.names_key, images
    except Unsupported:
        pass
    rows = event.rows
    images = []
    names: tuple[str, ...] = ()
    for row in rows:
        for part in ("before", "after", ""):
            values = row.get(f"{part}_values" if part else "values")
            if values is None:
                continue
            names = names or tuple(values)
            nones = row.get(f"{part}_none_sources" if part else "none_sources") or {}
            images.append(
                [BAD_DATE if v is None and "range" in nones.get(n, "") else v for n, v in values.items()]
            )
    return names, images


def _take(
    ctx: RunContext,
    m: _Member,
    login: MysqlLogin,
    kind: str,
    names: tuple[str, ...],
    images: list[list[Any]],
    pos: str,
    at: datetime,
) -> int:
    """Write one rows event's changes of a member (an update of the key: a delete plus an
    insert); returns how many change rows."""
    writer = m.writer
    assert writer is not None
    if names in writer.slots:
        slots = writer.slots[names]
    else:
        for name in names:
            if name not in writer.by_source:
                writer.add_source_column(
                    name, _new_column_type(ctx, m.stream, login, name, m.known, m.result)
                )
        slots = writer.slots_of(names)
    if slots is not None:
        width = len(writer.columns)
        placed = []
        for image in images:
            row: list[Any] = [None] * width
            for j, i in enumerate(slots):
                row[i] = image[j]
            placed.append(row)
        images = placed
    write = writer.write
    if kind != "u":
        for image in images:
            write(kind, image, pos, at)
        return len(images)
    n = 0
    for i in range(0, len(images), 2):
        before, after = images[i], images[i + 1]
        if before[0] != after[0]:  # the key (the writer's first column) moved
            write("d", before, pos, at)
            write("c", after, pos, at)
            n += 2
        else:
            write("u", after, pos, at)
            n += 1
    return n


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


KINDS = {23: "c", 30: "c", 24: "u", 31: "u", 25: "d", 32: "d"}  # WRITE/UPDATE/DELETE_ROWS v1, v2


def _events(
    login: MysqlLogin, tables: list[str], start: Position, end: Position
) -> Iterator[tuple[str, Position, datetime, Any, Position]]:
    """(kind, position after the event, commit time, event, position of its transaction) from
    ``start`` to the first transaction end at or past ``end``: kind ``c``/``u``/``d`` for a rows
    event of one of ``tables`` (``event`` the library's, not decoded yet), ``commit`` at each
    transaction end, ``truncate`` for a TRUNCATE (``event``: the table, :func:`truncated_table`, and
    the statement in upper case)."""
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
        only_tables=tables,
        only_events=[WriteRowsEvent, UpdateRowsEvent, DeleteRowsEvent, XidEvent, QueryEvent, RotateEvent],
    )
    txn_pos = start
    try:
        for event in reader:
            here = Position(reader.log_file, reader.log_pos)
            kind = KINDS.get(event.event_type)
            if kind is not None:
                yield kind, here, _at(event.timestamp), event, txn_pos
                continue
            if isinstance(event, XidEvent):
                txn_pos = here
                yield "commit", here, _at(event.timestamp), None, here
            elif isinstance(event, QueryEvent):
                text = event.query.strip().upper() if isinstance(event.query, str) else ""
                if text == "COMMIT":
                    txn_pos = here
                    yield "commit", here, _at(event.timestamp), None, here
                elif text.startswith("TRUNCATE"):
                    schema = (
                        event.schema.decode("utf-8", "replace") if isinstance(event.schema, bytes) else ""
                    )
                    table = truncated_table(event.query, schema)
                    yield "truncate", here, _at(event.timestamp), (table, text), txn_pos
                elif text == "BEGIN":
                    txn_pos = here
            if here.key >= end.key and isinstance(event, XidEvent | QueryEvent):
                break
    finally:
        reader.close()


_IDENT = r"(?:`((?:[^`]|``)+)`|([\w$]+))"  # a quoted or a plain MySQL name
_TRUNCATE = re.compile(rf"\s*TRUNCATE\s+(?:TABLE\s+)?(?:{_IDENT}\s*\.\s*)?{_IDENT}", re.IGNORECASE)


def truncated_table(statement: str, schema: str) -> tuple[str, str] | None:
    """(database, table), lower case, that a TRUNCATE statement of the binlog empties: the database
    it names, else the session's (``schema``, the query event's). Streams match it exactly: a
    TRUNCATE of a table of the same name in another database on the server (a benchmark's, a test's)
    or of ``sales_data_archive`` is not one of ``sales_data``."""
    found = _TRUNCATE.match(statement)
    if found is None:
        return None
    db_quoted, db_plain, quoted, plain = found.groups()
    database = (db_quoted or "").replace("``", "`") or db_plain or schema
    return database.lower(), (quoted or "").replace("``", "`").lower() or (plain or "").lower()


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
