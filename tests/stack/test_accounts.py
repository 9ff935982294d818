"""Least privilege in the local stack (docs/sources.md, "Accounts"), tried as an attacker would:

- another OS user (``nobody``), without the secrets, logs in nowhere, over TCP or the unix sockets;
- the pipeline's accounts cannot reach the OS: MariaDB ``softcart`` has no FILE (``INTO OUTFILE``),
  PostgreSQL ``softcart`` is no superuser (``COPY ... TO PROGRAM``), the reader cannot ``SET
  PASSWORD``; SecantusDB answers nothing without a login;
- the servers run as unprivileged OS users; the passwords are in a 0600 file and never printed.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pymongo
import pymongo.errors
import pymysql
import pytest

from softcart.core.connections import os_user, postgres_admin_connect
from softcart.core.credentials import LOCAL_SECRETS, known_secrets, reader_password
from softcart.core.settings import Settings, read_secrets_file
from softcart.stack.servers import SERVER_OS_USERS, servers
from tests.softcart_cli import softcart

STRANGER = "nobody"


def as_stranger(*cmd: str) -> subprocess.CompletedProcess[str]:
    """``cmd`` as another local OS user with a clean environment (as root: ``nobody``; else the
    user itself, who cannot become another one: then only the TCP logins are a stranger's)."""
    prefix = [shutil.which("runuser") or "runuser", "-u", STRANGER, "--"] if os.geteuid() == 0 else []
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    return subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=60, env=env, cwd="/")


def test_every_account_has_a_generated_password_in_a_private_file(stack: Settings) -> None:
    path = stack.secrets_file
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o600, oct(mode)
    values = read_secrets_file(path)
    assert set(LOCAL_SECRETS) <= set(values)
    assert len(set(values[k] for k in LOCAL_SECRETS)) == len(LOCAL_SECRETS)  # one per account
    assert all(len(values[k]) >= 20 for k in LOCAL_SECRETS)
    # the pipeline's URLs carry them
    assert stack.mysql.user == stack.postgres.user == "softcart"
    assert stack.mysql.password == values["MYSQL_PASSWORD"]
    assert stack.postgres.password == values["POSTGRES_PASSWORD"]
    assert values["MONGO_PASSWORD"] in stack.mongo.raw


def test_no_command_prints_a_password(stack: Settings) -> None:
    # every generated value but the names of accounts (SUPERSET_ADMIN_USER=admin is shown on purpose)
    secrets = [v for k, v in known_secrets(stack).items() if not k.endswith("_USER")]
    for args in (("up",), ("status",), ("status", "--json"), ("env",)):
        result = softcart(stack, *args, timeout=300)
        assert result.returncode == 0, result.stderr
        shown = result.stdout + result.stderr
        assert not [s for s in secrets if s in shown], f"softcart {' '.join(args)} printed a password"


def test_servers_run_as_unprivileged_os_users(stack: Settings) -> None:
    for server in servers(stack):
        pid = server.pid()
        assert pid is not None, server.name
        owner = subprocess.run(
            ["ps", "-o", "user=", "-p", str(pid)], capture_output=True, text=True
        ).stdout.strip()
        expected = SERVER_OS_USERS[server.name] if os.geteuid() == 0 else os_user()
        assert owner == expected, f"{server.name} runs as {owner}"
        assert owner != "root"


def test_a_stranger_cannot_read_the_secrets_or_the_data(stack: Settings) -> None:
    for path in (stack.secrets_file, stack.servers_dir / "mysql" / "data", stack.servers_dir / "postgres"):
        result = as_stranger("ls", str(path))
        assert result.returncode != 0 or os.geteuid() != 0, f"{STRANGER} can read {path}"
    if os.geteuid() == 0:
        assert "Permission denied" in as_stranger("cat", str(stack.secrets_file)).stderr


def _mariadb(stack: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return as_stranger(
        "mariadb", "--no-defaults", "--connect-timeout=5", *args, "-e", "select current_user()"
    )


def test_a_stranger_cannot_log_in_to_mariadb(stack: Settings) -> None:
    tcp = ["--protocol=TCP", "-h", "127.0.0.1", "-P", str(stack.mysql.port)]
    for user in ("root", "softcart", stack.mysql_reader_user, ""):
        result = _mariadb(stack, *tcp, f"--user={user}")
        assert result.returncode != 0 and "Access denied" in result.stderr, (
            user,
            result.stdout,
            result.stderr,
        )
    # the administrator's socket: unix_socket auth knows the stranger is not root
    result = _mariadb(stack, f"--socket={stack.mysql_socket}", "--user=root")
    assert result.returncode != 0, result.stdout
    assert "Access denied" in result.stderr or "Can't connect" in result.stderr, result.stderr


def test_a_stranger_cannot_log_in_to_postgresql(stack: Settings) -> None:
    for user in ("postgres", "softcart"):
        result = as_stranger(
            "psql",
            "-w",
            "-h",
            "127.0.0.1",
            "-p",
            str(stack.postgres.port),
            "-U",
            user,
            "-d",
            "postgres",
            "-c",
            "select 1",
        )
        assert result.returncode != 0, (user, result.stdout)
        assert "no password supplied" in result.stderr or "password authentication failed" in result.stderr
    result = as_stranger(
        "psql",
        "-w",
        "-h",
        str(stack.postgres_socket_dir),
        "-p",
        str(stack.postgres.port),
        "-U",
        "postgres",
        "-c",
        "select 1",
    )
    assert result.returncode != 0, result.stdout
    # a wrong password over TCP is refused (scram-sha-256, no trust anywhere)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host="127.0.0.1", port=stack.postgres.port, user="softcart", password="guess", dbname="postgres"
        )


def test_postgresql_stores_scram_passwords_and_softcart_is_no_superuser(stack: Settings) -> None:
    with postgres_admin_connect(stack) as conn:
        row = conn.execute(
            "select rolsuper, rolcreaterole, left(rolpassword, 14) from pg_authid where rolname = 'softcart'"
        ).fetchone()
        assert row == (False, False, "SCRAM-SHA-256$")
        hba = conn.execute("select distinct auth_method from pg_hba_file_rules").fetchall()
        assert {r[0] for r in hba} == {"peer", "scram-sha-256"}
        owner = conn.execute(
            "select pg_get_userbyid(datdba) from pg_database where datname = %s", (stack.postgres.database,)
        ).fetchone()
        assert owner == ("softcart",)


def test_the_warehouse_role_cannot_run_programs_or_read_files(stack: Settings, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    pg = stack.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database
    ) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"copy (select 1) to program 'id > {target}'")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select pg_read_file('/etc/passwd')")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("alter role softcart superuser")
    assert not target.exists()


def _mysql(stack: Settings, user: str, password: str) -> Any:
    my = stack.mysql
    return pymysql.connect(host=my.host, port=my.port, user=user, password=password, database=my.database)


def test_the_load_account_cannot_write_or_read_files(stack: Settings, tmp_path: Path) -> None:
    target = tmp_path / "pwned.txt"
    conn = _mysql(stack, stack.mysql.user or "", stack.mysql.password or "")
    try:
        with conn.cursor() as cur:
            with pytest.raises(pymysql.err.OperationalError, match="FILE privilege"):
                cur.execute(f"SELECT 'x' INTO OUTFILE '{target}'")
            cur.execute("SELECT LOAD_FILE('/etc/passwd')")
            assert cur.fetchone() == (None,)
            with pytest.raises(pymysql.err.OperationalError, match="CREATE USER"):
                cur.execute("CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'")
            cur.execute("SHOW GRANTS")
            grants = " ".join(row[0] for row in cur.fetchall())
        assert "FILE" not in grants and "ALL PRIVILEGES ON *.*" not in grants, grants
    finally:
        conn.close()
    assert not target.exists()


def test_the_reader_cannot_change_its_password_or_write(stack: Settings) -> None:
    password = reader_password(stack)
    conn = _mysql(stack, stack.mysql_reader_user, password)
    try:
        with conn.cursor() as cur:
            with pytest.raises(pymysql.err.MySQLError, match="read-only"):
                cur.execute("SET PASSWORD = PASSWORD('locked-out')")
            with pytest.raises(pymysql.err.OperationalError, match="CREATE USER"):
                cur.execute("ALTER USER CURRENT_USER() IDENTIFIED BY 'locked-out'")
            with pytest.raises(pymysql.err.MySQLError, match="denied|read-only"):
                cur.execute("DELETE FROM sales_data")
    finally:
        conn.close()
    _mysql(stack, stack.mysql_reader_user, password).close()  # still its password


def test_secantusdb_answers_nothing_without_a_login(stack: Settings) -> None:
    anonymous: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        "127.0.0.1", stack.mongo.port, directConnection=True, serverSelectionTimeoutMS=5000
    )
    try:
        assert anonymous.admin.command("ping")["ok"] == 1  # the liveness check needs no login
        with pytest.raises(pymongo.errors.OperationFailure, match="requires authentication"):
            anonymous[stack.mongo_database][stack.mongo_collection].find_one()
        with pytest.raises(pymongo.errors.OperationFailure):
            anonymous.list_database_names()
    finally:
        anonymous.close()
    guess: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        f"mongodb://softcart:guess@127.0.0.1:{stack.mongo.port}/?authSource=admin",
        serverSelectionTimeoutMS=5000,
    )
    try:
        with pytest.raises(pymongo.errors.OperationFailure):
            guess[stack.mongo_database].list_collection_names()
    finally:
        guess.close()
    # the pipeline's account sees its catalog, not the accounts
    own: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        stack.mongo.raw, serverSelectionTimeoutMS=5000
    )
    try:
        own[stack.mongo_database].list_collection_names()
        with pytest.raises(pymongo.errors.OperationFailure, match="not authorized"):
            own.admin.command("usersInfo", {"forAllDBs": True})
    finally:
        own.close()
