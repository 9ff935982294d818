"""Connections to the servers (MySQL and MongoDB sources, the PostgreSQL warehouse), built from
:class:`~softcart.core.settings.Settings` only: the one place that turns settings into connections."""

from __future__ import annotations

import os
import pwd
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from softcart.core.settings import Settings

if TYPE_CHECKING:
    import psycopg
    import pymysql
    from pymongo import MongoClient


def mysql_database(settings: Settings) -> str:
    return settings.mysql.database or "sales"


def os_user() -> str:
    """The OS account running softcart: the local servers' administrator logs in as it, on the
    servers' unix sockets only (MariaDB unix_socket, PostgreSQL peer), never over TCP."""
    return pwd.getpwuid(os.geteuid()).pw_name


def mysql_admin_connect(settings: Settings) -> pymysql.connections.Connection[Any]:
    """The administrator: on the local server, the OS user over the unix socket (unix_socket auth, no
    password); on an external server, the URL's account. For accounts and databases only."""
    import pymysql

    if not settings.is_managed("mysql"):
        return mysql_connect(settings, with_database=False)
    return pymysql.connect(
        unix_socket=str(settings.mysql_socket),
        user=os_user(),
        charset="utf8mb4",
        autocommit=True,
        connect_timeout=10,
    )


def mysql_connect(settings: Settings, *, with_database: bool = True) -> pymysql.connections.Connection[Any]:
    """The pipeline's connection (the URL's user: on the local server ``softcart``, which owns the
    sales database) with ``LOAD DATA LOCAL INFILE`` enabled on the client side."""
    import pymysql

    url = settings.mysql
    return pymysql.connect(
        host=url.host,
        port=url.port,
        user=url.user or "root",
        password=url.password or "",
        database=mysql_database(settings) if with_database else None,
        charset="utf8mb4",
        autocommit=False,
        local_infile=True,
        connect_timeout=10,
    )


def mongo_uses_tls(settings: Settings) -> bool:
    """Whether the MongoDB URL asks for TLS (``tls=true``/``ssl=true``, or ``mongodb+srv://``, where
    TLS is the default)."""
    parts = urlsplit(settings.mongo.raw)
    options = {k.lower(): v.lower() for k, v in parse_qsl(parts.query)}
    if parts.scheme == "mongodb+srv":
        return options.get("tls", options.get("ssl", "true")) != "false"
    return options.get("tls", options.get("ssl", "false")) == "true"


def prepare_pymongo(settings: Settings) -> None:
    """Call before pymongo's first import in the process. pymongo imports pyOpenSSL (and with it
    ``cryptography.x509``, about 40 ms of a no-op ingest's CPU) whenever it is installed, only to
    check certificates by OCSP on TLS connections. When the URL asks for no TLS (the local
    servers), its import is skipped: pymongo then uses the standard ``ssl`` module, as it does
    without pyOpenSSL (a later TLS connection in the same process works, without OCSP)."""
    if "pymongo" not in sys.modules and not mongo_uses_tls(settings):
        sys.modules.setdefault("pymongo.pyopenssl_context", None)  # type: ignore[arg-type]


def prepare_pymysql(settings: Settings) -> None:
    """Call before pymysql's first import in the process. pymysql imports ``cryptography`` (about
    25 ms of a no-op ingest's CPU) whenever it is installed, only for the RSA exchange of MySQL 8's
    ``sha256_password``/``caching_sha2_password`` over a connection without TLS. The project's own
    MariaDB has none of those accounts (``mysql_native_password``): for it, pymysql is imported
    without ``cryptography`` (it then says so if such an account ever asks for it); any other
    server keeps it."""
    if "pymysql" in sys.modules or "cryptography" in sys.modules or not settings.is_managed("mysql"):
        return
    sys.modules["cryptography"] = None  # type: ignore[assignment]
    try:
        import pymysql  # noqa: F401
    finally:
        del sys.modules["cryptography"]  # for everyone else in the process


def mongo_client(settings: Settings) -> MongoClient:  # type: ignore[type-arg]
    prepare_pymongo(settings)
    from pymongo import MongoClient

    return MongoClient(settings.mongo.raw, serverSelectionTimeoutMS=10_000, tz_aware=False)


def postgres_admin_connect(settings: Settings, database: str = "postgres") -> psycopg.Connection[Any]:
    """The superuser ``postgres`` of the local server over its unix socket (peer auth, mapped from the
    OS user running softcart); on an external server, the URL's account. Autocommit."""
    import psycopg

    if not settings.is_managed("postgres"):
        return postgres_connect(settings, "softcart-admin", autocommit=True, database=database)
    return psycopg.connect(
        host=str(settings.postgres_socket_dir),
        port=settings.postgres.port,
        user="postgres",
        dbname=database,
        autocommit=True,
        connect_timeout=10,
        application_name="softcart-admin",
    )


def postgres_connect(
    settings: Settings,
    application_name: str,
    *,
    autocommit: bool = False,
    database: str | None = None,
    options: str | None = None,
) -> psycopg.Connection[Any]:
    """A connection to the warehouse (or to ``database`` on its server), named for pg_stat_activity."""
    import psycopg

    url = settings.postgres
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.user,
        password=url.password,
        dbname=database or url.database,
        autocommit=autocommit,
        connect_timeout=10,
        application_name=application_name,
        options=options,
    )
