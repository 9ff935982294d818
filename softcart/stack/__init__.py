"""The local stack: the project's own servers, and provisioning the databases that settings name."""

from __future__ import annotations

from softcart.core.settings import Settings


def create_databases(settings: Settings) -> None:
    """Create the MySQL and PostgreSQL databases named in ``settings`` if they are missing, and on the
    local servers the pipeline's accounts that own them (softcart.stack.accounts)."""
    from softcart.stack.accounts import create_accounts

    create_accounts(settings)


def provision(settings: Settings) -> None:
    """Create the databases named in ``settings`` and apply every bootstrap schema. Idempotent."""
    from ingest.bootstrap import apply_warehouse_schemas
    from softcart.core.connections import postgres_admin_connect, postgres_connect
    from softcart.core.settings import LOCAL_USER
    from softcart.load.bootstrap import apply_source_schemas
    from softcart.stack.bi_reader import ensure_bi_reader

    create_databases(settings)
    apply_source_schemas(settings)
    apply_warehouse_schemas(settings)
    if settings.is_managed("postgres"):  # roles are the administrator's (softcart.stack.accounts)
        database = settings.postgres.database or "softcart"
        with postgres_admin_connect(settings, database=database) as conn:
            conn.autocommit = False  # one transaction, under the function's advisory lock
            ensure_bi_reader(settings, conn, owner=LOCAL_USER)
            conn.commit()
    else:
        with postgres_connect(settings, "softcart-up") as conn:
            ensure_bi_reader(settings, conn)
            conn.commit()
