"""The local stack: idempotent `up`, status, external URLs, clear errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from softcart.core.settings import Settings, load_settings
from softcart.stack.commands import service_status, start_all
from softcart.stack.servers import StackError, _which, servers
from tests.softcart_cli import softcart


def test_up_twice_is_harmless(stack: Settings) -> None:
    pids = {s.name: s.pid() for s in servers(stack)}
    actions = start_all(stack)
    assert actions == {"mysql": "running", "postgres": "running", "mongo": "running"}
    assert {s.name: s.pid() for s in servers(stack)} == pids
    result = softcart(stack, "up", timeout=300)
    assert result.returncode == 0, result.stderr
    assert {s.name: s.pid() for s in servers(stack)} == pids


def test_servers_listen_on_loopback_only(stack: Settings) -> None:
    for server in servers(stack):
        assert server.url.host == "127.0.0.1"
        out = subprocess.run(["ss", "-ltnH", f"sport = :{server.url.port}"], capture_output=True, text=True)
        listeners = [line.split()[3] for line in out.stdout.splitlines() if line.strip()]
        assert listeners, f"{server.name} is not listening"
        assert all(addr.startswith("127.0.0.1:") for addr in listeners), listeners


def test_status_json_reports_each_service(stack: Settings) -> None:
    result = softcart(stack, "status", "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    by_name = {s["service"]: s for s in report["services"]}
    assert set(by_name) == {"mysql", "postgres", "mongo"}
    assert all(s["answers"] and s["managed"] for s in by_name.values())
    assert by_name["postgres"]["url"] == stack.postgres.redacted  # never a password


def test_external_url_is_honoured(stack: Settings, tmp_path: Path) -> None:
    env = dict(stack.env)
    env["SOFTCART_DATA_DIR"] = str(tmp_path / "other")
    env["SOFTCART_MYSQL_URL"] = stack.mysql.raw
    env["SOFTCART_MYSQL_PORT"] = "1"  # would be used only for a managed server
    external = load_settings(env)
    assert not external.is_managed("mysql") and external.is_managed("postgres")
    rows = {r["service"]: r for r in service_status(external)}
    assert rows["mysql"]["answers"] and not rows["mysql"]["managed"]
    # nothing is started for an external URL; a dead external server is reported, not replaced
    env["SOFTCART_MYSQL_URL"] = "mysql://root@127.0.0.1:9/sales"
    dead = load_settings(env)
    assert {r["service"]: r["answers"] for r in service_status(dead)}["mysql"] is False
    assert not (tmp_path / "other" / "servers" / "mysql").exists()


def test_a_port_taken_by_a_stranger_is_a_clear_error(stack: Settings, tmp_path: Path) -> None:
    env = dict(stack.env)
    env["SOFTCART_DATA_DIR"] = str(tmp_path / "d")
    env.pop("SOFTCART_SERVERS_DIR", None)  # servers of its own, not the suite's (their sockets answer)
    # the test MongoDB port answers the wire protocol, not MySQL: our MariaDB must refuse to use it
    env["SOFTCART_MYSQL_PORT"] = str(stack.mongo.port)
    clash = load_settings(env)
    mysql = next(s for s in servers(clash) if s.name == "mysql")
    with pytest.raises(StackError, match="taken by a process"):
        mysql.ensure_started()


def test_purge_removes_superset_data_also_when_it_is_off_now(stack: Settings, tmp_path: Path) -> None:
    """As root, Superset's home may be a link to /var/lib/softcart/<hash>/superset: ``down --purge``
    removes it and what it points to, even when SOFTCART_SUPERSET_ENABLED=0 now (the test stack)."""
    from softcart.stack.commands import down
    from softcart.stack.superset import Superset, metadata_db

    env = dict(stack.env, SOFTCART_DATA_DIR=str(tmp_path / "d"), SOFTCART_SUPERSET_ENABLED="0")
    env.pop("SOFTCART_SERVERS_DIR", None)  # servers of its own (none running), not the suite's
    settings = load_settings(env)
    real = tmp_path / "elsewhere" / "superset"
    real.mkdir(parents=True)
    home = Superset(settings).home
    home.parent.mkdir(parents=True)
    home.symlink_to(real)
    metadata_db(settings).write_text("metadata")
    assert down(settings, purge=True) == 0
    assert not home.exists() and not home.is_symlink()
    assert not real.parent.exists()


def test_missing_binary_names_the_package() -> None:
    with pytest.raises(StackError, match="apt-get install -y mariadb-server"):
        _which(["/nonexistent/mariadbd"], "mariadb-server", "mariadbd")


def test_ingest_knobs_are_settings() -> None:
    settings = load_settings({"SOFTCART_INGEST_BATCH_ROWS": "500", "SOFTCART_INGEST_CRASH_AT": "extract"})
    assert (settings.ingest_batch_rows, settings.ingest_crash_at) == (500, "extract")
    assert (load_settings({}).ingest_batch_rows, load_settings({}).ingest_crash_at) == (None, None)
    for bad in ("0", "-3", "many"):
        with pytest.raises(ValueError, match="SOFTCART_INGEST_BATCH_ROWS must be"):
            load_settings({"SOFTCART_INGEST_BATCH_ROWS": bad})
