"""`softcart airflow`: with ARGS the airflow CLI in the project's environment; without, every
component started on loopback only (bounded in time, always stopped)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

from softcart.core.settings import PROJECT_ROOT
from tests.airflow.airflow_testenv import TEST_API_PORT, make_test_env

SOFTCART = str(Path(sys.executable).with_name("softcart"))
LOOPBACK = {"127.0.0.1", "::1"}


def softcart(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SOFTCART, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_softcart_airflow_args_run_the_airflow_cli_in_the_project_env(tmp_path: Path) -> None:
    env = make_test_env(tmp_path / "data")

    dags_folder = softcart(env, "airflow", "config", "get-value", "core", "dags_folder")
    assert dags_folder.returncode == 0, dags_folder.stderr[-2000:]
    assert dags_folder.stdout.strip().splitlines()[-1] == str(PROJECT_ROOT / "dags")

    # --port before the arguments is softcart's (the API URL), after them airflow's
    api_port = str(TEST_API_PORT + 7)
    port = softcart(env, "airflow", "--port", api_port, "config", "get-value", "api", "port")
    assert port.stdout.strip().splitlines()[-1] == api_port

    # airflow's exit code comes through (argparse: 2 for missing arguments)
    missing = softcart(env, "airflow", "config", "get-value")
    assert missing.returncode == 2, missing.stdout[-1000:] + missing.stderr[-1000:]

    # a fresh data dir gets its metadata database first, in <data dir>/airflow
    assert not (tmp_path / "data" / "airflow" / "airflow.db").exists()
    listed = softcart(env, "airflow", "dags", "list", "--local", "-o", "json", "--columns", "dag_id,fileloc")
    assert listed.returncode == 0, listed.stdout[-3000:] + listed.stderr[-3000:]
    assert (tmp_path / "data" / "airflow" / "airflow.db").is_file()
    rows = json.loads(next(line for line in listed.stdout.splitlines() if line.startswith("[")))
    assert {row["dag_id"]: row["fileloc"] for row in rows} == {
        "process_web_log": str(PROJECT_ROOT / "dags" / "process_web_log.py"),
        "softcart_elt": str(PROJECT_ROOT / "dags" / "softcart_elt.py"),
    }


def _port_answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _listeners(root_pid: int) -> list[tuple[str, str, int]]:
    """(command, ip, port) of every listening TCP socket of the process tree under ``root_pid``."""
    try:
        root = psutil.Process(root_pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    found = []
    for process in tree:
        try:
            name = " ".join(process.cmdline()[:3])
            for conn in process.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    found.append((name, conn.laddr.ip, conn.laddr.port))
        except psutil.NoSuchProcess:
            continue
    return found


def test_standalone_listens_on_loopback_only(tmp_path: Path) -> None:
    """Start `softcart airflow` (all four components), list the sockets its processes listen on."""
    offset = int(os.environ.get("SOFTCART_TEST_PORT_OFFSET", "0"))
    port = 28281 + offset
    assert not _port_answers(port), f"port {port} is taken"
    env = make_test_env(tmp_path / "data")
    log = tmp_path / "airflow.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [SOFTCART, "airflow", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    try:
        started = ("Starting the scheduler", "Starting the triggerer", "Starting the Dag Processor Job")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            text = log.read_text(errors="replace")
            if _port_answers(port) and all(marker in text for marker in started):
                break
            time.sleep(1)
        assert process.poll() is None, log.read_text(errors="replace")[-4000:]
        assert _port_answers(port), "the API server did not answer in 300 s"
        time.sleep(5)  # a log server would be up by now: it starts before the scheduler's loop
        listeners = _listeners(process.pid)
        assert ("127.0.0.1", port) in {(ip, p) for _, ip, p in listeners}, listeners
        assert [entry for entry in listeners if entry[1] not in LOOPBACK] == []
        # four components running, none of them a log server
        commands = [" ".join(p.cmdline()) for p in psutil.Process(process.pid).children(recursive=True)]
        for component in ("scheduler", "triggerer", "dag-processor", "api-server"):
            assert any(
                f"airflow {component}" in c or f"airflow {component.replace('-', '_')}" in c for c in commands
            ), (
                component,
                commands,
            )
        # a log server's process title is "airflow serve-logs"
        assert not [c for c in commands if c.startswith("airflow serve-logs")], commands
    finally:
        tree: list[psutil.Process] = []
        with contextlib.suppress(psutil.NoSuchProcess):
            tree = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        alive = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        for leftover in alive:
            leftover.kill()
    assert code == 130  # stopped by the signal, as with Ctrl-C
    assert alive == [], [p.pid for p in alive]
    assert not _port_answers(port)
