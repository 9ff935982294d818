"""What the sources and the warehouse hold, as comparable snapshots (row counts and digests of the
sorted rows, the columns that say when or by which run a row was written left out)."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

from softcart.core.settings import Settings

SCHEMAS = ("raw", "marts", "reporting")
# columns that say when or by which run a row was written, not what it holds
AUDIT_COLUMNS = {
    "_softcart_run_id",
    "_softcart_loaded_at",
    "source_loaded_at",
    "dbt_updated_at",
    "dbt_run_id",
    # a change's place and time in the source's log (binlog file:pos, commit time), and the history
    # versions' validity taken from those times: a new server writes the same changes at other ones
    "_softcart_source_pos",
    "_softcart_committed_at",
    "valid_from",
    "valid_to",
    # a source row's own write time (MySQL inventory: ON UPDATE CURRENT_TIMESTAMP), landed as it is
    "updated_at",
}
# the data-health views over the run log (reporting.health_*): they show the runs themselves, so
# every run changes them; what the warehouse holds is the rest
RUN_LOG_VIEWS = r"health\_%"


def warehouse_snapshot(settings: Settings) -> dict[str, tuple[int, str]]:
    """Every table and view of the warehouse's layers: (row count, digest of its sorted rows)."""
    pg = settings.postgres
    snapshot: dict[str, tuple[int, str]] = {}
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database
    ) as conn:
        relations = conn.execute(
            "select table_schema, table_name, string_agg(quote_ident(column_name), ',' order by ordinal_position)"
            " from information_schema.columns where table_schema = any(%s)"
            " and column_name <> all(%s) and table_name not like %s group by 1, 2 order by 1, 2",
            (list(SCHEMAS), sorted(AUDIT_COLUMNS), RUN_LOG_VIEWS),
        ).fetchall()
        matviews = conn.execute(
            "select schemaname, matviewname from pg_matviews where schemaname = any(%s)", (list(SCHEMAS),)
        ).fetchall()
        names = {(s, t): cols for s, t, cols in relations}
        for schema, view in matviews:
            if (schema, view) not in names:
                cols = conn.execute(
                    "select string_agg(quote_ident(a.attname), ',' order by a.attnum) from pg_attribute a"
                    " where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped"
                    " and a.attname <> all(%s)",
                    (f'"{schema}"."{view}"', sorted(AUDIT_COLUMNS)),
                ).fetchone()
                assert cols is not None
                names[(schema, view)] = cols[0]
        for (schema, table), cols in sorted(names.items()):
            rows = conn.execute(
                f'select ({cols})::text from "{schema}"."{table}" order by 1'  # noqa: S608
            ).fetchall()
            digest = hashlib.sha256("\n".join(r[0] for r in rows).encode()).hexdigest()
            snapshot[f"{schema}.{table}"] = (len(rows), digest)
    return snapshot


def sources_snapshot(settings: Settings) -> dict[str, tuple[int, str]]:
    """The MySQL tables and the MongoDB catalog (without softcart's own load records)."""
    from softcart.core.connections import mongo_client, mysql_connect

    snapshot: dict[str, tuple[int, str]] = {}
    conn = mysql_connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES")
            tables = sorted(str(r[0]) for r in cur.fetchall() if r[0] != "softcart_loads")
            for table in tables:
                cur.execute(f"SELECT * FROM `{table}`")
                names = [d[0] for d in cur.description]
                rows = sorted(
                    repr(tuple(v for n, v in zip(names, r, strict=True) if n not in AUDIT_COLUMNS))
                    for r in cur.fetchall()
                )
                snapshot[f"mysql.{table}"] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    finally:
        conn.close()
    client: Any = mongo_client(settings)
    try:
        docs = sorted(
            repr(sorted(d.items())) for d in client[settings.mongo_database][settings.mongo_collection].find()
        )
    finally:
        client.close()
    snapshot["mongo.catalog"] = (len(docs), hashlib.sha256("\n".join(docs).encode()).hexdigest())
    return snapshot
