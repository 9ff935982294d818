"""Superset's configuration for the project's BI server (``SUPERSET_CONFIG_PATH`` points here).

Loaded by Superset's own process (its venv, ``.venv-superset``), never imported by softcart.
Every value comes from the environment ``softcart.stack.superset`` builds from the settings: the
metadata database (SQLite under the data dir), the secret key (generated into ``secrets.env``).
"""

import contextlib
import json
import os
import threading
import time
from typing import Any

import psycopg2
import psycopg2.extensions
from sqlalchemy.pool import QueuePool
from superset.utils.log import DBEventLogger

SECRET_KEY = os.environ["SOFTCART_SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SOFTCART_SUPERSET_METADATA_URI"]
# SQLite: one writer at a time, so wait for the lock rather than fail ("database is locked").
# Connections kept open (SQLAlchemy 1.4 opens and closes a file database's connection per
# transaction: about 8 ms a close here, as the last one out checkpoints the WAL), shared by the
# gunicorn threads one at a time.
SQLALCHEMY_ENGINE_OPTIONS = {
    "connect_args": {"timeout": 30, "check_same_thread": False},
    "poolclass": QueuePool,
}

# a laptop's BI server: no example data, no telemetry, no results cache (a chart shows what the
# warehouse holds now, so a new pipeline run is visible on the next refresh)
SUPERSET_LOAD_EXAMPLES = False
SCARF_ANALYTICS = False
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
RATELIMIT_STORAGE_URI = "memory://"
# every chart of a dashboard renders at once (not when scrolled to): what a screenshot or a test sees
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "DASHBOARD_VIRTUALIZATION": False}
# http on 127.0.0.1: no https-only cookies or HSTS
TALISMAN_ENABLED = False
SESSION_COOKIE_SECURE = False
CONTENT_SECURITY_POLICY_WARNING = False
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50_000


# --- the warehouse's connections: kept open between chart queries -----------------------------------
#
# Superset 6.1 creates a new SQLAlchemy engine for every query it runs and forces NullPool on it
# (``Database._get_sqla_engine(nullpool=True)``; nothing in the chart path asks otherwise), so the
# database's ``extra.engine_params`` cannot pool: each chart query opened a new PostgreSQL connection
# (a backend process forked, scram-sha-256 auth), about half of its time on this machine. The one hook
# on that path is DB_CONNECTION_MUTATOR: for psycopg2 URLs it hands the engine a ``creator`` that takes
# an open connection from this process's pool, and the connection's ``close()`` (NullPool's check-in)
# puts it back, reset (psycopg2's ``reset()``: rollback, RESET ALL, SET SESSION AUTHORIZATION DEFAULT).
# A connection is pinged before reuse and dropped after WAREHOUSE_POOL_IDLE_SECONDS unused; at most
# WAREHOUSE_POOL_SIZE idle ones are kept (the gunicorn threads). Results are never cached.

WAREHOUSE_POOL_SIZE = 8
WAREHOUSE_POOL_IDLE_SECONDS = 300.0


class _WarehousePool:
    """Open psycopg2 connections of one set of connection parameters, last used first."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.lock = threading.Lock()
        self.idle: list[tuple[float, Any]] = []

    def checkout(self) -> Any:
        while True:
            with self.lock:
                if not self.idle:
                    break
                since, conn = self.idle.pop()
            if time.monotonic() - since < WAREHOUSE_POOL_IDLE_SECONDS and _alive(conn):
                return conn
            conn.discard()
        conn = psycopg2.connect(connection_factory=_PooledConnection, **self.params)
        conn.pool = self
        return conn

    def checkin(self, conn: Any) -> None:
        try:
            conn.reset()
        except psycopg2.Error:
            conn.discard()
            return
        with self.lock:
            if len(self.idle) < WAREHOUSE_POOL_SIZE:
                self.idle.append((time.monotonic(), conn))
                return
        conn.discard()


def _alive(conn: Any) -> bool:
    if conn.closed:
        return False
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
        conn.rollback()
        return True
    except psycopg2.Error:
        return False


class _PooledConnection(psycopg2.extensions.connection):  # type: ignore[misc]
    """A psycopg2 connection whose ``close()`` returns it to its pool."""

    pool: _WarehousePool | None = None

    def close(self) -> None:
        if self.pool is None or self.closed:
            super().close()
        else:
            self.pool.checkin(self)

    def discard(self) -> None:
        self.pool = None
        with contextlib.suppress(psycopg2.Error):
            super().close()


_POOLS: dict[str, _WarehousePool] = {}
_POOLS_LOCK = threading.Lock()


def _warehouse_pool(params: dict[str, Any]) -> _WarehousePool:
    key = json.dumps(params, sort_keys=True, default=str)  # the password included: a new one, a new pool
    with _POOLS_LOCK:
        return _POOLS.setdefault(key, _WarehousePool(params))


def DB_CONNECTION_MUTATOR(  # noqa: N802 (Superset's name)
    uri: Any, params: dict[str, Any], username: str | None, security_manager: Any, source: Any
) -> tuple[Any, dict[str, Any]]:
    if uri.drivername not in ("postgresql", "postgresql+psycopg2") or "creator" in params:
        return uri, params
    dialect = uri.get_dialect()()
    cargs, cparams = dialect.create_connect_args(uri)
    if cargs:  # a DSN string: not what Superset builds from the URL; leave it unpooled
        return uri, params
    pool = _warehouse_pool({**cparams, **params.get("connect_args", {})})
    return uri, {**params, "creator": pool.checkout}


# --- the action log: a row per request, not per step ------------------------------------------------
#
# Superset's DBEventLogger writes the action log (the metadata database's ``logs``) with a commit of
# the request's session for every logged event: a chart query logged six (the request, and inside it
# the query's steps below), and each commit also expired the chart, dataset and database objects the
# request had loaded, so they were read again from SQLite: about 130 ms of a 400 ms chart query under
# the profiler. The request's own row (``ChartDataRestApi.data``, with its duration) stays.

INNER_ACTIONS = frozenset(
    {
        "_get_data_response",
        "ChartDataRestApi.json_dumps",
        "QueryObject.post_processing",
        "execute_sql",
        "fetch_rows",
        "load_into_dataframe",
    }
)


class RequestEventLogger(DBEventLogger):  # type: ignore[misc]
    """DBEventLogger without the rows of a request's inner steps (INNER_ACTIONS)."""

    def log_with_context(self, action: str, *args: Any, **kwargs: Any) -> None:
        if action not in INNER_ACTIONS:
            super().log_with_context(action, *args, **kwargs)


EVENT_LOGGER = RequestEventLogger()
