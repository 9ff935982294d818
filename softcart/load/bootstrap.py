"""Source schemas: MySQL ``sales`` (DDL in ``sql_bootstrap/mysql/``) and MongoDB ``catalog``
(``sql_bootstrap/mongo/catalog.json``), plus the read-only MySQL account ingestion uses.

Idempotent: every statement is ``IF NOT EXISTS`` or checks first, so applying twice is harmless.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from softcart.core.connections import mongo_client, mysql_admin_connect, mysql_connect, mysql_database
from softcart.core.credentials import reader_password
from softcart.core.settings import Settings

MYSQL_TIMESTAMP_INDEX = "idx_sales_data_timestamp"


def mysql_ddl_files(settings: Settings) -> list[Path]:
    return sorted((settings.root / "sql_bootstrap" / "mysql").glob("*.sql"))


def split_sql(text: str) -> list[str]:
    """Statements of a bootstrap file: ``--`` comments dropped, split on ``;`` at the end of a line."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in re.split(r";\s*$", "\n".join(lines), flags=re.M) if s.strip()]


def _quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def apply_mysql_schema(settings: Settings) -> None:
    database = mysql_database(settings)
    conn = mysql_connect(settings, with_database=False)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {_quote_ident(database)} CHARACTER SET utf8mb4")
            cur.execute(f"USE {_quote_ident(database)}")
            for path in mysql_ddl_files(settings):
                for statement in split_sql(path.read_text(encoding="utf-8")):
                    cur.execute(statement)
            # a sales_data made elsewhere (an external server) may lack the course's index
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = %s"
                " AND table_name = 'sales_data' AND column_name = 'timestamp' AND seq_in_index = 1",
                (database,),
            )
            row = cur.fetchone()
            if row is None or row[0] == 0:
                cur.execute(f"ALTER TABLE sales_data ADD INDEX {MYSQL_TIMESTAMP_INDEX} (`timestamp`)")
        conn.commit()
    finally:
        conn.close()
    if settings.is_managed("mysql"):  # accounts are the administrator's (on the unix socket)
        admin = mysql_admin_connect(settings)
        try:
            with admin.cursor() as cur:
                _ensure_reader(cur, settings, database)
        finally:
            admin.close()


def _ensure_reader(cur: Any, settings: Settings, database: str) -> None:
    """The read-only account ingestion uses: SELECT on the sales database, and the two grants
    change data capture needs to read the binlog (REPLICATION SLAVE: the binlog stream; BINLOG
    MONITOR: SHOW BINARY LOGS / SHOW MASTER STATUS). Nothing else.

    Only on the project's own server; on an external server the DBA creates it (docs/sources.md).
    """
    user = settings.mysql_reader_user
    password = reader_password(settings)
    cur.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user, password))
    cur.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (user, password))
    cur.execute(f"GRANT SELECT ON {_quote_ident(database)}.* TO %s@'%%'", (user,))
    cur.execute("GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO %s@'%%'", (user,))


def mongo_spec(settings: Settings) -> dict[str, Any]:
    path = settings.root / "sql_bootstrap" / "mongo" / "catalog.json"
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return spec


def catalog_indexes(settings: Settings) -> list[dict[str, Any]]:
    indexes: list[dict[str, Any]] = mongo_spec(settings)["collections"]["catalog"]["indexes"]
    return indexes


def ensure_catalog_indexes(settings: Settings, collection: Any) -> None:
    """Create the declared indexes on ``collection`` (a pymongo Collection); existing ones are kept."""
    for index in catalog_indexes(settings):
        keys = [(str(k), int(d)) for k, d in index["keys"]]
        collection.create_index(keys, name=index["name"])


def apply_mongo_schema(settings: Settings) -> None:
    client = mongo_client(settings)
    try:
        db = client[settings.mongo_database]
        if settings.mongo_collection not in db.list_collection_names():
            db.create_collection(settings.mongo_collection)
        ensure_catalog_indexes(settings, db[settings.mongo_collection])
    finally:
        client.close()


def apply_source_schemas(settings: Settings) -> None:
    """Create the source databases, tables, collection and indexes, and the MySQL reader. Idempotent."""
    apply_mysql_schema(settings)
    apply_mongo_schema(settings)
