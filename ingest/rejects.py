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


def write_rejects(ctx: RunContext, stream: str, rejects: list[Reject]) -> int:
    if not rejects:
        return 0
    with (
        ctx.conn.cursor() as cur,
        cur.copy("copy softcart_meta.ingest_rejects (stream, key, reason, payload, run_id) from stdin") as cp,
    ):
        for r in rejects:
            cp.write_row((stream, r.key, r.reason, Jsonb(r.payload), ctx.run_id))
    return len(rejects)
