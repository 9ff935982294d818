"""High-water marks in ``softcart_meta.ingest_state``, read and written inside the run's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.config import Stream
from ingest.context import RunContext


@dataclass(frozen=True)
class State:
    mark: str | None
    seed_mark: str | None
    # the source's generation the mark belongs to: the id of the newest load that replaced the
    # source's contents (softcart/load/records.py), None for a source never replaced by softcart
    generation: str | None = None


def position_kind(stream: Stream) -> str:
    """What a stream's mark is: a binlog position, a resume token, a key, a file's sha256."""
    if stream.cdc:
        return "binlog" if stream.kind == "mysql" else "resume_token"
    return stream.cursor or "sha256"


def read_state(ctx: RunContext, stream: Stream) -> State | None:
    """The stream's state, row-locked until the run commits (``None``: never ingested)."""
    row = ctx.conn.execute(
        "select mark, seed_mark, generation from softcart_meta.ingest_state where stream = %s for update",
        (stream.name,),
    ).fetchone()
    return State(row[0], row[1], row[2]) if row else None


def write_state(
    ctx: RunContext, stream: Stream, mark: str | None, seed_mark: str | None, generation: str | None = None
) -> None:
    ctx.conn.execute(
        "insert into softcart_meta.ingest_state"
        " (stream, cursor_column, mark, seed_mark, generation, run_id, updated_at)"
        " values (%s, %s, %s, %s, %s, %s, clock_timestamp())"
        " on conflict (stream) do update set cursor_column = excluded.cursor_column, mark = excluded.mark,"
        " seed_mark = excluded.seed_mark, generation = excluded.generation, run_id = excluded.run_id,"
        " updated_at = excluded.updated_at",
        (stream.name, position_kind(stream), mark, seed_mark, generation, ctx.run_id),
    )


def replaced_reason(state: State, generation: str | None, top_below_mark: bool) -> str | None:
    """Why the stream's source no longer continues what its mark covers (``None``: it does).

    * the source was reloaded by a replacing ``softcart load`` since the mark was taken (its
      generation changed), or
    * its highest key is below the mark (or it is empty while the mark is set): it was replaced by
      other means (a restore, a truncate and reload).

    Either way the mark is meaningless: the stream is refreshed from scratch.
    """
    if state.generation != generation:
        return (
            f"the source was reloaded since the last ingest (load {(generation or 'none')[:8]},"
            f" the stream's mark was of load {(state.generation or 'none')[:8]}): stream refreshed"
        )
    if top_below_mark:
        return f"the source's highest key is below the stream's mark {state.mark}: the source was replaced; stream refreshed"
    return None


def drop_state(ctx: RunContext, stream: Stream) -> None:
    ctx.conn.execute("delete from softcart_meta.ingest_state where stream = %s", (stream.name,))
