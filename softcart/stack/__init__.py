"""The local stack: the project's own servers, and provisioning the databases that settings name."""

from __future__ import annotations

from softcart.core.settings import Settings


def create_databases(settings: Settings) -> None:
    """Create the MySQL and PostgreSQL databases named in ``settings`` if they are missing."""
    from softcart.core.connections import mysql_connect, mysql_database, postgres_connect

    conn = mysql_connect(settings, with_database=False)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{mysql_database(settings)}` CHARACTER SET utf8mb4")
    finally:
        conn.close()

    name = settings.postgres.database
    with postgres_connect(settings, "softcart-up", autocommit=True, database="postgres") as pconn:
        if not pconn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            pconn.execute(f'create database "{name}"')


def provision(settings: Settings) -> None:
    """Create the databases named in ``settings`` and apply every bootstrap schema. Idempotent."""
    from ingest.bootstrap import apply_warehouse_schemas
    from softcart.core.connections import postgres_connect
    from softcart.load.bootstrap import apply_source_schemas
    from softcart.stack.bi_reader import ensure_bi_reader

    create_databases(settings)
    apply_source_schemas(settings)
    apply_warehouse_schemas(settings)
    with postgres_connect(settings, "softcart-up") as conn:
        ensure_bi_reader(settings, conn)
        conn.commit()
