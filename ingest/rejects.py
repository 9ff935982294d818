"""Records that cannot be landed as declared go to ``softcart_meta.ingest_rejects``: counted, findable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from ingest.context import RunContext


@dataclass(frozen=True)
class Reject:
    key: str | None
    reason: str
    payload: Any  # JSON-serialisable


NUL = "\x00"
NUL_ESCAPED = "\\u0000"  # the six characters \u0000: what JSON would say, as text jsonb can hold


def storable(value: Any) -> Any:
    """``value`` with every NUL character written as the text ``\u0000``: PostgreSQL text and jsonb
    cannot hold NUL, and a reject must never fail the run it was meant to save (it is the record of
    a bad value; the escape is exact and says where the NUL was)."""
    if isinstance(value, str):
        return value.replace(NUL, NUL_ESCAPED) if NUL in value else value
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def write_rejects(ctx: RunContext, stream: str, rejects: list[Reject]) -> int:
    if not rejects:
        return 0
    with (
        ctx.conn.cursor() as cur,
        cur.copy("copy softcart_meta.ingest_rejects (stream, key, reason, payload, run_id) from stdin") as cp,
    ):
        for r in rejects:
            cp.write_row(
                (stream, storable(r.key), storable(r.reason), Jsonb(storable(r.payload)), ctx.run_id)
            )
    return len(rejects)
