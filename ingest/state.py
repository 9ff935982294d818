"""High-water marks in ``softcart_meta.ingest_state``, read and written inside the run's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.config import Stream
from ingest.context import RunContext


@dataclass(frozen=True)
class State:
    mark: str | None
    seed_mark: str | None


def read_state(ctx: RunContext, stream: Stream) -> State | None:
    """The stream's state, row-locked until the run commits (``None``: never ingested)."""
    row = ctx.conn.execute(
        "select mark, seed_mark from softcart_meta.ingest_state where stream = %s for update",
        (stream.name,),
    ).fetchone()
    return State(row[0], row[1]) if row else None


def write_state(ctx: RunContext, stream: Stream, mark: str | None, seed_mark: str | None) -> None:
    ctx.conn.execute(
        "insert into softcart_meta.ingest_state (stream, cursor_column, mark, seed_mark, run_id, updated_at)"
        " values (%s, %s, %s, %s, %s, clock_timestamp())"
        " on conflict (stream) do update set cursor_column = excluded.cursor_column, mark = excluded.mark,"
        " seed_mark = excluded.seed_mark, run_id = excluded.run_id, updated_at = excluded.updated_at",
        (stream.name, stream.cursor or "sha256", mark, seed_mark, ctx.run_id),
    )


def drop_state(ctx: RunContext, stream: Stream) -> None:
    ctx.conn.execute("delete from softcart_meta.ingest_state where stream = %s", (stream.name,))
