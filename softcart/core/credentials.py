"""Local passwords: generated once, kept in the git-ignored data dir, overridable from the environment.

Foundation (docs/architecture.md, "Layers"): the sources' bootstrap creates the MySQL reader with
this password and ingestion logs in with it, so it sits beside the settings, below both."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from softcart.core.settings import Settings

SUPERSET_ADMIN_USER = "admin"


def _read_secrets(settings: Settings) -> dict[str, str]:
    path = settings.secrets_file
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _secret(settings: Settings, key: str, generate: Callable[[], str] | None = None) -> str:
    """The value of ``SOFTCART_<key>`` if set, else the generated one (created on first use)."""
    from_env = settings.env.get(f"SOFTCART_{key}")
    if from_env:
        return from_env
    values = _read_secrets(settings)
    if key not in values:
        values[key] = generate() if generate else secrets.token_urlsafe(18)
        settings.secrets_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = settings.secrets_file.with_suffix(".tmp")
        tmp.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))
        tmp.chmod(0o600)
        tmp.replace(settings.secrets_file)
    return values[key]


def known_secrets(settings: Settings) -> dict[str, str]:
    """The local passwords as variables (``SOFTCART_<key>``): the environment's, else those generated
    into ``secrets.env``; none is created."""
    known = {f"SOFTCART_{key}": value for key, value in _read_secrets(settings).items()}
    for key in ("MYSQL_READER_PASSWORD", "POSTGRES_BI_PASSWORD", "SUPERSET_ADMIN_PASSWORD"):
        if settings.env.get(f"SOFTCART_{key}"):
            known[f"SOFTCART_{key}"] = settings.env[f"SOFTCART_{key}"]
    return known


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
