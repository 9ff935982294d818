"""Warehouse DDL: schemas and ``softcart_meta`` tables (``sql_bootstrap/postgres/``), and the raw
tables declared in ``ingest/streams.yml``. Idempotent; ``softcart.stack.provision`` calls it."""

from __future__ import annotations

from pathlib import Path

from ingest.config import load_streams
from ingest.warehouse import create_raw_table, pg_connect
from softcart.core.settings import Settings


def warehouse_ddl_files(settings: Settings) -> list[Path]:
    return sorted((settings.root / "sql_bootstrap" / "postgres").glob("*.sql"))


def apply_warehouse_schemas(settings: Settings) -> None:
    """Create schemas ``raw`` and ``softcart_meta``, the ingestion metadata tables and every raw table."""
    with pg_connect(settings) as conn:
        # one bootstrap at a time (two `softcart up` racing on `create ... if not exists` can collide)
        conn.execute("select pg_advisory_xact_lock(hashtext('softcart.apply_warehouse_schemas'))")
        for path in warehouse_ddl_files(settings):
            conn.execute(path.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        for stream in load_streams(settings):
            create_raw_table(conn, stream)
        conn.commit()
