"""The local stack's databases and accounts, made as a managed service would make them.

The one place that creates the servers' accounts and grants their rights (docs/sources.md,
"Accounts"); the passwords come from ``softcart.core.credentials`` (``secrets.env``). Each function
logs in as the server's administrator (unix socket, no password) and is idempotent: it also brings a
data dir made by an earlier version up to these rules.

- MariaDB: no administrator over TCP (the administrator is the OS user on the unix socket); the
  pipeline's ``softcart`` owns the sales database (every right on it, and READ ONLY ADMIN to write on
  the ``--read-only`` server) and nothing else: no FILE (no ``INTO OUTFILE``/``LOAD_FILE``), no
  account rights. The reader is made by ``softcart.load.bootstrap`` (SELECT only).
- PostgreSQL: ``softcart`` logs in with scram-sha-256, owns the warehouse database and every schema
  it makes, may create databases, and is not a superuser (no ``COPY ... PROGRAM``, no file access).
- SecantusDB (``--auth``): ``softcart`` has readWrite and dbAdmin on the catalog database;
  ``softcart_admin`` (root) exists only to make accounts.

On an external server (``SOFTCART_*_URL``) nothing here makes accounts: its DBA does, and only the
databases the settings name are created, with the URL's account.
"""

from __future__ import annotations

from typing import Any

from softcart.core.connections import mysql_admin_connect, mysql_database, os_user, postgres_admin_connect
from softcart.core.credentials import local_secret
from softcart.core.settings import LOCAL_USER, Settings

# the load account's host: the servers run --skip-name-resolve and listen on 127.0.0.1 only
MYSQL_HOST = "127.0.0.1"
MONGO_ADMIN = "softcart_admin"


def _quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def mysql_accounts(settings: Settings) -> None:
    """The sales database, no administrator reachable over TCP, and the load account."""
    database = mysql_database(settings)
    conn = mysql_admin_connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {_quote_ident(database)} CHARACTER SET utf8mb4")
            if not settings.is_managed("mysql"):
                return
            # a data dir of an earlier version had root@127.0.0.1 without a password: only the
            # administrator on the socket stays
            cur.execute(
                "SELECT User, Host FROM mysql.user WHERE User = '' OR (User IN ('root', %s) AND Host <> 'localhost')",
                (os_user(),),
            )
            for user, host in cur.fetchall():
                cur.execute("DROP USER %s@%s", (user, host))
            cur.execute(
                "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING 'invalid'"
            )
            password = local_secret(settings, "MYSQL_PASSWORD")
            cur.execute(
                "CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (LOCAL_USER, MYSQL_HOST, password)
            )
            cur.execute("ALTER USER %s@%s IDENTIFIED BY %s", (LOCAL_USER, MYSQL_HOST, password))
            cur.execute(
                f"GRANT ALL PRIVILEGES ON {_quote_ident(database)}.* TO %s@%s", (LOCAL_USER, MYSQL_HOST)
            )
            cur.execute("GRANT READ_ONLY ADMIN ON *.* TO %s@%s", (LOCAL_USER, MYSQL_HOST))
    finally:
        conn.close()


def postgres_roles(settings: Settings) -> None:
    """The warehouse database, owned by the pipeline's role ``softcart`` (not a superuser)."""
    from psycopg import sql

    name = settings.postgres.database or "softcart"
    with postgres_admin_connect(settings) as conn:
        if settings.is_managed("postgres"):
            password = local_secret(settings, "POSTGRES_PASSWORD")
            rights = sql.SQL("LOGIN NOSUPERUSER NOCREATEROLE CREATEDB NOREPLICATION NOBYPASSRLS PASSWORD {}")
            exists = conn.execute("select 1 from pg_roles where rolname = %s", (LOCAL_USER,)).fetchone()
            verb = "alter" if exists else "create"
            conn.execute(
                sql.SQL(verb + " role {} with ").format(sql.Identifier(LOCAL_USER))
                + rights.format(sql.Literal(password))
            )
        if not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        if settings.is_managed("postgres"):
            conn.execute(
                sql.SQL("alter database {} owner to {}").format(
                    sql.Identifier(name), sql.Identifier(LOCAL_USER)
                )
            )


def _mongo_admin(settings: Settings) -> Any:
    from pymongo import MongoClient

    url = settings.mongo
    return MongoClient(
        url.host,
        url.port,
        username=MONGO_ADMIN,
        password=local_secret(settings, "MONGO_ADMIN_PASSWORD"),
        authSource="admin",
        directConnection=True,
        serverSelectionTimeoutMS=10_000,
    )


def mongo_users(settings: Settings) -> None:
    """``softcart`` owns the catalog database (readWrite and dbAdmin on each database the settings
    name), and nothing else."""
    if not settings.is_managed("mongo"):
        return
    client = _mongo_admin(settings)
    try:
        admin = client.admin
        password = local_secret(settings, "MONGO_PASSWORD")
        wanted = [{"role": r, "db": settings.mongo_database} for r in ("readWrite", "dbAdmin")]
        found = admin.command("usersInfo", LOCAL_USER)["users"]
        if not found:
            admin.command("createUser", LOCAL_USER, pwd=password, roles=wanted)
        else:
            roles = [{"role": r["role"], "db": r["db"]} for r in found[0]["roles"]]
            roles += [r for r in wanted if r not in roles]
            admin.command("updateUser", LOCAL_USER, pwd=password, roles=roles)
    finally:
        client.close()


def create_accounts(settings: Settings) -> None:
    """The databases the settings name and the pipeline's accounts on every local server."""
    mysql_accounts(settings)
    postgres_roles(settings)
    mongo_users(settings)
