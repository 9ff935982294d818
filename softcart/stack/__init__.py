"""The local stack: the project's own servers, and provisioning the databases that settings name."""

from __future__ import annotations

from softcart.settings import Settings


def create_databases(settings: Settings) -> None:
    """Create the MySQL and PostgreSQL databases named in ``settings`` if they are missing."""
    import psycopg
    import pymysql

    my = settings.mysql
    conn = pymysql.connect(host=my.host, port=my.port, user=my.user or "root", password=my.password or "")
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{my.database or 'sales'}` CHARACTER SET utf8mb4")
    finally:
        conn.close()

    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname="postgres", autocommit=True
    ) as pconn:
        exists = pconn.execute("select 1 from pg_database where datname = %s", (pg.database,)).fetchone()
        if not exists:
            pconn.execute(f'create database "{pg.database}"')


def provision(settings: Settings) -> None:
    """Create the databases named in ``settings`` and apply every bootstrap schema. Idempotent."""
    from ingest.bootstrap import apply_warehouse_schemas
    from softcart.load.bootstrap import apply_source_schemas

    create_databases(settings)
    apply_source_schemas(settings)
    apply_warehouse_schemas(settings)
