"""`softcart env`: eval its output and plain dbt, airflow and softcart's settings see the project's setup."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from softcart.core.settings import PROJECT_ROOT, load_settings

SOFTCART = str(Path(sys.executable).with_name("softcart"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bare_env() -> dict[str, str]:
    """A shell with no project variable and without the venv on PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOFTCART_", "AIRFLOW", "DBT_", "VIRTUAL_ENV"))
    }
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    return env


def _bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_eval_softcart_env_configures_plain_dbt_airflow_and_softcart(tmp_path: Path) -> None:
    data_dir = tmp_path / "elsewhere data"  # a space: the values are shell-quoted
    pg_port, my_port = _free_port(), _free_port()
    given = f"SOFTCART_DATA_DIR={shlex.quote(str(data_dir))} SOFTCART_POSTGRES_PORT={pg_port} SOFTCART_MYSQL_PORT={my_port}"
    script = f"""
        set -u
        eval "$({given} {shlex.quote(SOFTCART)} env)"
        echo "dbt: $(command -v dbt)"
        dbt debug --no-use-colors 2>&1 | grep -E ' (port|database|user): '
        echo "dags_folder=$(airflow config get-value core dags_folder 2>/dev/null | tail -1)"
        echo "sql_alchemy_conn=$(airflow config get-value database sql_alchemy_conn 2>/dev/null | tail -1)"
        echo "api_host=$(airflow config get-value api host 2>/dev/null | tail -1)"
        python -c 'from softcart.core.settings import load_settings as l; s = l(); print("settings", s.data_dir, s.postgres.port, s.mysql.port, sorted(s.managed))'
    """
    # from a folder outside the project: dbt finds it through DBT_PROJECT_DIR / DBT_PROFILES_DIR
    done = _bash(script, _bare_env(), tmp_path)
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert f"dbt: {Path(sys.executable).parent / 'dbt'}" in out
    assert re.search(rf" port: {pg_port}$", out, re.M), out
    assert re.search(r" database: softcart$", out, re.M), out
    assert f"dags_folder={PROJECT_ROOT / 'dags'}" in out
    assert f"sql_alchemy_conn=sqlite:///{data_dir / 'airflow' / 'airflow.db'}" in out
    assert "api_host=127.0.0.1" in out
    # the same settings as the command that printed them: ports, data dir, and still the local servers
    assert f"settings {data_dir} {pg_port} {my_port} ['mongo', 'mysql', 'postgres', 'superset']" in out


def test_passwords_are_printed_only_with_secrets(tmp_path: Path) -> None:
    from softcart.core.credentials import reader_password

    data_dir = tmp_path / "data"
    env = _bare_env() | {
        "SOFTCART_DATA_DIR": str(data_dir),
        "SOFTCART_POSTGRES_URL": "postgresql://analyst:pg%2Fs3cret@db.example:6543/wh",
        "DB2_HOST": "db2.example",
        "DB2_PASSWORD": "db2-s3cret",
    }
    reader = reader_password(load_settings(env))  # generated into <data dir>/secrets.env
    assert (data_dir / "secrets.env").is_file()

    plain = subprocess.run([SOFTCART, "env"], env=env, capture_output=True, text=True, check=True).stdout
    for secret in (reader, "s3cret", "db2-s3cret"):
        assert secret not in plain
    withheld = next(line for line in plain.splitlines() if line.startswith("# not printed"))
    for name in (
        "SOFTCART_POSTGRES_URL",
        "AIRFLOW_CONN_SOFTCART_POSTGRES",
        "DB2_PASSWORD",
        "SOFTCART_MYSQL_READER_PASSWORD",
    ):
        assert name in withheld
    assert "export DB2_HOST=db2.example" in plain.splitlines()

    # with --with-secrets, eval gives back every value exactly
    script = f"""
        eval "$(SOFTCART_DATA_DIR={shlex.quote(str(data_dir))} SOFTCART_POSTGRES_URL="$URL" DB2_HOST=db2.example DB2_PASSWORD=db2-s3cret {shlex.quote(SOFTCART)} env --with-secrets)"
        printf '%s\\n' "$SOFTCART_POSTGRES_URL" "$SOFTCART_MYSQL_READER_PASSWORD" "$DB2_PASSWORD" "$AIRFLOW_CONN_SOFTCART_POSTGRES"
    """
    bare = _bare_env() | {"URL": env["SOFTCART_POSTGRES_URL"]}
    done = _bash(script, bare, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        env["SOFTCART_POSTGRES_URL"],
        reader,
        "db2-s3cret",
        "postgres://analyst:pg%2Fs3cret@db.example:6543/wh",
    ]
