"""Connections to the servers (MySQL and MongoDB sources, the PostgreSQL warehouse), built from
:class:`~softcart.core.settings.Settings` only: the one place that turns settings into connections."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from softcart.core.settings import Settings

if TYPE_CHECKING:
    import psycopg
    import pymysql
    from pymongo import MongoClient


def mysql_database(settings: Settings) -> str:
    return settings.mysql.database or "sales"


def mysql_connect(settings: Settings, *, with_database: bool = True) -> pymysql.connections.Connection[Any]:
    """An admin connection (the URL's user) with ``LOAD DATA LOCAL INFILE`` enabled on the client side."""
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


def mongo_client(settings: Settings) -> MongoClient:  # type: ignore[type-arg]
    from pymongo import MongoClient

    return MongoClient(settings.mongo.raw, serverSelectionTimeoutMS=10_000, tz_aware=False)


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
