"""profiles/profiles.yml resolves the warehouse exactly as softcart/core/settings.py does.

Plain ``dbt`` (``cd dbt_project && dbt build --profiles-dir ../profiles``) and ``softcart dbt`` must
reach the same PostgreSQL for every environment: the profile parses ``SOFTCART_POSTGRES_URL`` (or
falls back to ``SOFTCART_POSTGRES_PORT`` / ``SOFTCART_POSTGRES_DATABASE``) in Jinja, and these tests
render it with dbt's own profile renderer, in-process, against ``load_settings(env)``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from softcart.core.settings import load_settings
from softcart.warehouse.dbt_runner import dbt_executable

ROOT = Path(__file__).resolve().parents[2]

POSTGRES_ENVS: dict[str, dict[str, str]] = {
    "nothing set": {},
    "port only": {"SOFTCART_POSTGRES_PORT": "25999"},
    "database override": {"SOFTCART_POSTGRES_PORT": "16000", "SOFTCART_POSTGRES_DATABASE": "t_other"},
    "empty values": {"SOFTCART_POSTGRES_PORT": "", "SOFTCART_POSTGRES_URL": ""},
    "url with password and percent-escapes": {
        "SOFTCART_POSTGRES_URL": "postgresql://an%40lyst:p%3Aw%2Fd%25%C3%A9@DB.Example.com:6543/wh?sslmode=require",
        # ignored when the URL is set, by both
        "SOFTCART_POSTGRES_PORT": "1111",
        "SOFTCART_POSTGRES_DATABASE": "ignored",
    },
    "url, numeric password, no port": {"SOFTCART_POSTGRES_URL": "postgres://u:12345@10.0.0.7/analytics"},
    "url, ipv6 host, no user": {"SOFTCART_POSTGRES_URL": "postgresql://[::1]:7777/"},
    "url with a malformed escape": {"SOFTCART_POSTGRES_URL": "postgresql://u:50%zz%4@h:1/d#frag"},
}


def render_target(env: dict[str, str], target: str | None = None) -> dict[str, Any]:
    """The profile's target as dbt renders it for ``env`` (dbt's ProfileRenderer, no subprocess)."""
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(env)
    try:
        raw = read_profile(str(ROOT / "profiles"))
        _, data = Profile.render_profile(raw["softcart"], "softcart", target, ProfileRenderer({}))
    finally:
        set_invocation_context(dict(os.environ))
    return data


@pytest.mark.parametrize("env", POSTGRES_ENVS.values(), ids=POSTGRES_ENVS.keys())
def test_postgres_target_equals_the_settings(env: dict[str, str], tmp_path: Path) -> None:
    # a data dir of its own: the checkout's .softcart/secrets.env (after `make run`) holds the dev
    # stack's password, which the settings read and an environment without it does not carry
    pg = load_settings({**env, "SOFTCART_DATA_DIR": str(tmp_path)}).postgres
    rendered = render_target(env)
    assert {k: rendered[k] for k in ("host", "port", "user", "password", "dbname")} == {
        "host": pg.host,
        "port": pg.port,
        # dbt needs a user and a database: the local stack's names when the URL has none
        "user": pg.user or "softcart",
        "password": pg.password or "",
        "dbname": pg.database or "softcart",
    }
    assert isinstance(rendered["port"], int) and isinstance(rendered["password"], str)


def test_the_url_cases_are_not_trivial() -> None:
    """The URL cases above do differ from the defaults (a profile ignoring the URL would fail)."""
    env = POSTGRES_ENVS["url with password and percent-escapes"]
    rendered = render_target(env)
    assert (
        rendered["host"],
        rendered["port"],
        rendered["user"],
        rendered["password"],
        rendered["dbname"],
    ) == (
        "db.example.com",
        6543,
        "an@lyst",
        "p:w/d%é",
        "wh",
    )
    assert render_target({"SOFTCART_POSTGRES_PORT": "25999"})["port"] == 25999


def test_db2_target_equals_the_settings() -> None:
    env = {
        "SOFTCART_DBT_TARGET": "db2",
        "DB2_HOST": "db2.example",
        "DB2_PORT": "50001",
        "DB2_DATABASE": "BLUDB",
        "DB2_USER": "db2inst1",
        "DB2_PASSWORD": "pw 1",
        "SOFTCART_DBT_THREADS": "3",
    }
    settings = load_settings(env)
    rendered = render_target(env)  # the target comes from SOFTCART_DBT_TARGET
    db2 = settings.db2
    assert settings.dbt_target == "db2"
    assert rendered["type"] == "db2"
    assert (rendered["host"], rendered["port"], rendered["database"]) == (db2.host, db2.port, db2.database)
    assert (rendered["username"], rendered["password"], rendered["schema"]) == (
        db2.user,
        db2.password,
        db2.schema,
    )
    assert rendered["threads"] == settings.dbt_threads == 3
    defaults = render_target({k: v for k, v in env.items() if k not in {"DB2_PORT", "SOFTCART_DBT_THREADS"}})
    assert defaults["port"] == load_settings({}).db2.port == 50000
    assert defaults["schema"] == load_settings({}).db2.schema == "STAGING"
    assert defaults["threads"] == load_settings({}).dbt_threads == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("how", ["port", "url"])
def test_plain_dbt_debug_shows_the_settings_port(how: str, tmp_path: Path) -> None:
    """`cd dbt_project && dbt debug --profiles-dir ../profiles`, without softcart, on a chosen port."""
    port = _free_port()  # nothing listens there: dbt debug prints the profile, then fails to connect
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOFTCART_", "DBT_"))}
    if how == "port":
        env["SOFTCART_POSTGRES_PORT"] = str(port)
    else:
        env["SOFTCART_POSTGRES_URL"] = f"postgresql://someone:secret@127.0.0.1:{port}/elsewhere"
    env.update({"DBT_LOG_PATH": str(tmp_path / "logs"), "DBT_TARGET_PATH": str(tmp_path / "target")})
    done = subprocess.run(
        [dbt_executable(), "debug", "--profiles-dir", "../profiles", "--no-use-colors"],
        cwd=ROOT / "dbt_project",
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    out = done.stdout + done.stderr
    assert re.search(rf"\s+port: {port}$", out, re.M), out[-3000:]
    assert done.returncode != 0  # the connection test failed: nothing listens on that port
    if how == "url":
        assert re.search(r"\s+user: someone$", out, re.M), out[-3000:]
        assert re.search(r"\s+database: elsewhere$", out, re.M), out[-3000:]


def test_settings_made_in_code_reach_the_profile(tmp_path: Path) -> None:
    """Settings whose connection differs from their environment (dataclasses.replace) still win."""
    import dataclasses

    from softcart.warehouse.dbt_runner import dbt_env

    base = load_settings({"SOFTCART_DATA_DIR": str(tmp_path), "SOFTCART_POSTGRES_PORT": "25999"})
    assert render_target(dbt_env(base))["dbname"] == "softcart"
    assert "SOFTCART_POSTGRES_URL" not in dbt_env(base)  # nothing added when they agree
    moved = dataclasses.replace(base, postgres=base.postgres.with_database("t_elsewhere"))
    rendered = render_target(dbt_env(moved))
    assert (rendered["port"], rendered["dbname"]) == (25999, "t_elsewhere")
