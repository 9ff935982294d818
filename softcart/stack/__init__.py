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
    from softcart.load.bootstrap import apply_source_schemas

    create_databases(settings)
    apply_source_schemas(settings)
    apply_warehouse_schemas(settings)
