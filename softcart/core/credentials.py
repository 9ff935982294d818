"""Local passwords: generated once, kept in the git-ignored data dir, overridable from the environment.

The one place for the local stack's secrets: every account the stack creates has its key here
(``LOCAL_SECRETS``); ``<data dir>/secrets.env`` (mode 0600) holds the generated values, and
``SOFTCART_<KEY>`` in the environment overrides one. Nothing prints them (``softcart env`` withholds
them unless ``--with-secrets``).

Foundation (docs/architecture.md, "Layers"): the stack's provisioning creates the accounts with
these passwords, the sources' bootstrap creates the MySQL reader, ingestion logs in as the reader,
and ``load_settings`` puts the pipeline's own passwords into the local servers' URLs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from softcart.core.settings import LOCAL_USER, Settings, load_settings, read_secrets_file

# key -> the account it is the password of (docs/sources.md, "Accounts")
LOCAL_SECRETS = {
    "MYSQL_PASSWORD": "MariaDB `softcart`: owns the sales database, loads it (no FILE, no account rights)",
    "MYSQL_READER_PASSWORD": "MariaDB `softcart_reader`: SELECT on the sales database, for ingestion",
    "POSTGRES_PASSWORD": "PostgreSQL `softcart`: owns the warehouse database and its schemas (not a superuser)",
    "MONGO_PASSWORD": "SecantusDB `softcart`: readWrite on the catalog database",
    "MONGO_ADMIN_PASSWORD": "SecantusDB `softcart_admin`: creates the accounts (provisioning only)",
    "POSTGRES_BI_PASSWORD": "PostgreSQL `softcart_bi`: reads marts and reporting only, for Superset",
    "SUPERSET_ADMIN_PASSWORD": "Superset's administrator (SUPERSET_ADMIN_USER), for the BI server",
}

SUPERSET_ADMIN_USER = "admin"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def pgpass_file(settings: Settings) -> Path:
    """A libpq password file made from ``secrets.env`` (0600): plain ``dbt``, ``psql`` and other libpq
    clients log in to the local PostgreSQL with ``PGPASSFILE`` set to it (``softcart env`` sets it),
    so no password is printed or put in an environment."""
    return settings.data_dir / "pgpass"


def _write(settings: Settings, values: dict[str, str]) -> None:
    _write_private(settings.secrets_file, "".join(f"{k}={v}\n" for k, v in sorted(values.items())))
    password = values.get("POSTGRES_PASSWORD", "").replace("\\", "\\\\").replace(":", "\\:")
    _write_private(pgpass_file(settings), f"127.0.0.1:*:*:{LOCAL_USER}:{password}\n")


def _secret(settings: Settings, key: str, generate: Callable[[], str] | None = None) -> str:
    """The value of ``SOFTCART_<key>`` if set, else the generated one (created on first use)."""
    from_env = settings.env.get(f"SOFTCART_{key}")
    if from_env:
        return from_env
    values = read_secrets_file(settings.secrets_file)
    if key not in values:
        values[key] = generate() if generate else secrets.token_urlsafe(18)
        _write(settings, values)
    return values[key]


def ensure_local_secrets(settings: Settings) -> Settings:
    """Generate every missing local password (one write, mode 0600) and return the settings
    resolved again, so that the local servers' URLs carry them. External servers need none."""
    values = read_secrets_file(settings.secrets_file)
    missing = [k for k in LOCAL_SECRETS if k not in values and not settings.env.get(f"SOFTCART_{k}")]
    if missing:
        values.update({k: secrets.token_urlsafe(18) for k in missing})
        _write(settings, values)
    return load_settings(settings.env)


def known_secrets(settings: Settings) -> dict[str, str]:
    """The local passwords as variables (``SOFTCART_<key>``): the environment's, else those generated
    into ``secrets.env``; none is created."""
    known = {f"SOFTCART_{key}": value for key, value in read_secrets_file(settings.secrets_file).items()}
    for key in LOCAL_SECRETS:
        if settings.env.get(f"SOFTCART_{key}"):
            known[f"SOFTCART_{key}"] = settings.env[f"SOFTCART_{key}"]
    return known


def local_secret(settings: Settings, key: str) -> str:
    """One of ``LOCAL_SECRETS`` (generated on first use)."""
    if key not in LOCAL_SECRETS:
        raise KeyError(f"not a local secret: {key}")
    return _secret(settings, key)


def reader_password(settings: Settings) -> str:
    """Password of the read-only MySQL account that ingestion uses (``SOFTCART_MYSQL_READER_PASSWORD``)."""
    return _secret(settings, "MYSQL_READER_PASSWORD")


def bi_password(settings: Settings) -> str:
    """Password of the read-only warehouse account of the BI server (``SOFTCART_POSTGRES_BI_PASSWORD``)."""
    return _secret(settings, "POSTGRES_BI_PASSWORD")


def superset_admin(settings: Settings) -> tuple[str, str]:
    """The Superset admin's user and password (``SUPERSET_ADMIN_USER`` and ``SUPERSET_ADMIN_PASSWORD``
    in ``secrets.env``; ``SOFTCART_SUPERSET_ADMIN_USER`` / ``_PASSWORD`` override them)."""
    user = _secret(settings, "SUPERSET_ADMIN_USER", lambda: SUPERSET_ADMIN_USER)
    return user, _secret(settings, "SUPERSET_ADMIN_PASSWORD")


def superset_secret_key(settings: Settings) -> str:
    """Superset's ``SECRET_KEY`` (signs sessions, encrypts the stored database password)."""
    return _secret(settings, "SUPERSET_SECRET_KEY", lambda: secrets.token_urlsafe(42))
