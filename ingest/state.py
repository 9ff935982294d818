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


_PREFETCHED = "ingest_state"  # RunContext.shared: the states read by prefetch_states, by stream


def prefetch_states(ctx: RunContext, streams: list[Stream]) -> None:
    """Read (and row-lock until the run commits) the state of every stream of the run in one
    query; :func:`read_state` then takes each from there once, instead of a round trip per stream."""
    rows = ctx.conn.execute(
        "select stream, mark, seed_mark, generation from softcart_meta.ingest_state where stream = any(%s)"
        " order by stream for update",
        ([s.name for s in streams],),
    ).fetchall()
    found = {str(r[0]): State(r[1], r[2], r[3]) for r in rows}
    ctx.shared[_PREFETCHED] = {s.name: found.get(s.name) for s in streams}


def read_state(ctx: RunContext, stream: Stream) -> State | None:
    """The stream's state, row-locked until the run commits (``None``: never ingested): the
    prefetched one the first time it is asked for (:func:`prefetch_states`), else read now."""
    prefetched: dict[str, State | None] = ctx.shared.get(_PREFETCHED, {})
    if stream.name in prefetched:
        return prefetched.pop(stream.name)
    row = ctx.conn.execute(
        "select mark, seed_mark, generation from softcart_meta.ingest_state where stream = %s for update",
        (stream.name,),
    ).fetchone()
    return State(row[0], row[1], row[2]) if row else None


def write_state(
    ctx: RunContext, stream: Stream, mark: str | None, seed_mark: str | None, generation: str | None = None
) -> None:
    _forget(ctx, stream)
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


def _forget(ctx: RunContext, stream: Stream) -> None:
    """A state changed in the run is read from the table from then on, not from the prefetch."""
    ctx.shared.get(_PREFETCHED, {}).pop(stream.name, None)


def drop_state(ctx: RunContext, stream: Stream) -> None:
    _forget(ctx, stream)
    ctx.conn.execute("delete from softcart_meta.ingest_state where stream = %s", (stream.name,))
