"""The warehouse account of the BI server: it reads ``marts`` and ``reporting``, nothing else.

Created by the provisioning (``softcart.stack.provision``, each ``softcart up``) on the project's
PostgreSQL, with the password generated into ``secrets.env`` (``POSTGRES_BI_PASSWORD``, overridden by
``SOFTCART_POSTGRES_BI_PASSWORD``). It cannot write (no privilege but SELECT, and its sessions are
read-only), and cannot read ``raw``, ``staging`` or ``softcart_meta``: the data-health dashboard reads
``reporting``'s views over the run log, which run with their owner's rights.

The two schemas are created here (dbt would create them on its first build) so that their default
privileges can be set once: every table and view the warehouse's own account (dbt's) creates in them
later is readable by the BI account, without a grant after each build.
"""

from __future__ import annotations

from typing import Any

from softcart.core.credentials import bi_password
from softcart.core.settings import Settings

BI_SCHEMAS = ("marts", "reporting")


def ensure_bi_reader(settings: Settings, conn: Any, owner: str | None = None) -> str:
    """Create or update the BI account on the warehouse of ``conn`` (psycopg). ``owner``: the role
    that owns the two schemas and builds their relations (dbt's), when ``conn`` is an administrator's
    (the local server: the pipeline's role cannot create roles); None: ``conn``'s own role."""
    from psycopg import sql

    user = settings.postgres_bi_user
    role = sql.Identifier(user)
    password = sql.Literal(bi_password(settings))
    database = sql.Identifier(settings.postgres.database or "softcart")
    conn.execute("select pg_advisory_xact_lock(hashtext('softcart.ensure_bi_reader'))")
    if conn.execute("select 1 from pg_roles where rolname = %s", (user,)).fetchone() is None:
        conn.execute(sql.SQL("create role {} login password {}").format(role, password))
    conn.execute(
        sql.SQL(
            "alter role {} with login nosuperuser nocreatedb nocreaterole noreplication password {}"
        ).format(role, password)
    )
    conn.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(role))
    conn.execute(sql.SQL("grant connect on database {} to {}").format(database, role))
    for name in BI_SCHEMAS:
        schema = sql.Identifier(name)
        if owner:
            conn.execute(
                sql.SQL("create schema if not exists {} authorization {}").format(
                    schema, sql.Identifier(owner)
                )
            )
        else:
            conn.execute(sql.SQL("create schema if not exists {}").format(schema))
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(schema, role))
        conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(schema, role))
        for_role = sql.SQL("for role {} ").format(sql.Identifier(owner)) if owner else sql.SQL("")
        conn.execute(
            sql.SQL("alter default privileges {}in schema {} grant select on tables to {}").format(
                for_role, schema, role
            )
        )
    return user
