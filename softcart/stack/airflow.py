"""Airflow on one machine: ``softcart airflow`` (standalone) and ``airflow dags test`` with the same setup.

Everything Airflow keeps lives in ``<data dir>/airflow`` (``AIRFLOW_HOME``): the SQLite metadata
database, ``airflow.cfg``, task logs and the generated admin password
(``simple_auth_manager_passwords.json.generated``). The DAGs come from the repository's ``dags/``.

The environment built by :func:`airflow_env` carries the project's settings (every ``SOFTCART_*``
variable of the settings, plus the resolved data dir and home), so a task that calls
``load_settings()`` sees the same servers, data dir and lake as the command that started Airflow.
Connections for the UI are declared as ``AIRFLOW_CONN_SOFTCART_*`` variables built from the same
settings (the DAGs themselves use the settings, not these connections).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console

from softcart.core.executables import bin_dir, find_executable
from softcart.core.settings import Settings

DEFAULT_PORT = 8081
PASSWORD_FILE = "simple_auth_manager_passwords.json.generated"
ADMIN_USER = "admin"
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"

console = Console(soft_wrap=True)


def airflow_home(settings: Settings) -> Path:
    return settings.data_dir / "airflow"


def dags_folder(settings: Settings) -> Path:
    return settings.root / "dags"


def password_file(settings: Settings) -> Path:
    return airflow_home(settings) / PASSWORD_FILE


def airflow_executable() -> str:
    return find_executable("airflow", "the `airflow` command is not installed next to this Python")


def connection_uris(settings: Settings) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables for the project's servers (shown in the UI, usable by hooks)."""
    pg, my = settings.postgres, settings.mysql
    return {
        "AIRFLOW_CONN_SOFTCART_POSTGRES": pg.raw.replace("postgresql://", "postgres://", 1),
        "AIRFLOW_CONN_SOFTCART_MYSQL": my.raw,
        "AIRFLOW_CONN_SOFTCART_MONGO": settings.mongo.raw,
    }


def airflow_env(settings: Settings, port: int = DEFAULT_PORT, home: Path | None = None) -> dict[str, str]:
    """The environment for every Airflow command of the project (standalone, ``dags test``, ``db migrate``).

    ``home`` overrides ``AIRFLOW_HOME`` (default ``<data dir>/airflow``): tests share one migrated
    metadata database between settings that differ in their data dir.
    """
    home = home or airflow_home(settings)
    base_url = f"http://127.0.0.1:{port}"
    env = dict(settings.env)
    # anything AIRFLOW__* inherited from the caller would point at another installation
    for key in list(env):
        if key.startswith("AIRFLOW") and key != "AIRFLOW__COSMOS__ENABLE_TELEMETRY":
            del env[key]
    venv_bin = str(bin_dir())
    path = env.get("PATH", "")
    env.update(
        {
            "PATH": venv_bin + (os.pathsep + path if path else ""),
            # the project's settings, resolved, so tasks see exactly what this command sees
            "SOFTCART_HOME": str(settings.root),
            "SOFTCART_DATA_DIR": str(settings.data_dir),
            "SOFTCART_WEBLOG_INPUT": str(settings.weblog_input),
            "SOFTCART_WEBLOG_OUTPUT": str(settings.weblog_output),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder(settings)),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # rendering the dbt project with `dbt ls` can take 30 s on a busy laptop
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": base_url,
            # no log server runs (softcart airflow starts the scheduler and triggerer with
            # --skip-serve-logs: they would bind every interface); the API server still asks these
            # ports for a running task's log, so they are this project's, not another's 8793/8794
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(port + 1),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(port + 2),
            # every listener on loopback: the scheduler's health check (off by default) too
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            # what `airflow standalone` forced, explicit for every command of the project
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
            # pick up new DAG files quickly on a laptop
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            # a laptop, not a cluster: a few task processes at a time, not 32 idle workers
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
            "SCARF_ANALYTICS": "false",
        }
    )
    env.update(connection_uris(settings))
    env.update(dbt_profile_env(settings))
    return env


def dbt_profile_env(settings: Settings) -> dict[str, str]:
    """The variables of dbt's process beyond the settings' own (``SOFTCART_DBT_*``; the connection
    of settings made in code), for plain ``dbt`` run by hand in Airflow's environment: the profile
    reads ``SOFTCART_POSTGRES_*``. The DAG's tasks run ``softcart``, which sets them itself."""
    from softcart.warehouse.dbt_runner import dbt_env

    return {
        key: value
        for key, value in dbt_env(settings).items()
        if key.startswith("SOFTCART_DBT_")
        or key in {"DBT_SEND_ANONYMOUS_USAGE_STATS", "SOFTCART_POSTGRES_URL"}
    }


def run_airflow(
    settings: Settings,
    args: Sequence[str],
    *,
    port: int = DEFAULT_PORT,
    capture: bool = False,
    timeout: float | None = None,
    extra_env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``airflow ARGS`` with the project's Airflow environment."""
    env = airflow_env(settings, port, home)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    if extra_env:
        env.update(extra_env)
    return subprocess.run(
        [airflow_executable(), *args],
        env=env,
        cwd=settings.root,
        text=True,
        capture_output=capture,
        timeout=timeout,
        check=False,
    )


# airflow sub-commands that need no metadata database (no migration before them)
_NO_DATABASE = frozenset({"db", "config", "version", "info", "cheat-sheet", "plugins", "-h", "--help"})


def run_cli(settings: Settings, args: Sequence[str], *, port: int = DEFAULT_PORT) -> int:
    """``softcart airflow ARGS``: ``airflow ARGS`` with the project's environment; its exit code.

    A fresh ``AIRFLOW_HOME`` gets its metadata database first (``airflow db migrate``, as
    standalone does), so ``softcart airflow dags test process_web_log`` works on a new data dir.
    """
    if args and args[0] not in _NO_DATABASE and not (airflow_home(settings) / "airflow.db").exists():
        done = migrate(settings)
        if done.returncode != 0:
            console.print(f"[red]airflow db migrate failed[/]\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            return done.returncode
    try:
        return run_airflow(settings, args, port=port).returncode
    except KeyboardInterrupt:
        return 130


def migrate(settings: Settings, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Create or upgrade the SQLite metadata database (idempotent)."""
    return run_airflow(settings, ["db", "migrate"], capture=True, home=home)


def dags_test(
    settings: Settings,
    dag_id: str,
    *,
    conf: Mapping[str, object] | None = None,
    logical_date: str | None = None,
    timeout: float | None = None,
    home: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``airflow dags test DAG_ID``: one full run in this process tree, no scheduler needed.

    Exits non-zero when the DAG run fails.
    """
    args = ["dags", "test", dag_id]
    if logical_date:
        args.append(logical_date)
    if conf:
        args += ["--conf", json.dumps(conf)]
    return run_airflow(settings, args, capture=True, timeout=timeout, home=home)


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# What `softcart airflow` starts: the components of `airflow standalone`, each on loopback only.
# `airflow standalone` cannot be told that: the scheduler's and triggerer's log servers bind every
# interface ("" in airflow.utils.serve_logs; Airflow 3.3 has no host setting for them). On one
# machine they are not needed: the API server reads task and trigger logs from the log folder.
COMPONENTS: dict[str, list[str]] = {
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
    # on [api] host/port (AIRFLOW__API__HOST=127.0.0.1, AIRFLOW__API__PORT)
    "api-server": ["api-server"],
}


def main(settings: Settings, port: int = DEFAULT_PORT) -> int:
    """``softcart airflow``: start Airflow locally (scheduler, DAG processor, triggerer, API server + UI).

    What ``airflow standalone`` does (migrate the SQLite database, start the four components, the
    API server generates the admin password), with every listener on 127.0.0.1. Returns when a
    component exits (its exit code) or on Ctrl-C / SIGTERM (130), after stopping all of them.
    """
    if _port_in_use(port):
        console.print(
            f"[red]port {port} is already in use[/]: choose another with `softcart airflow --port N`"
        )
        return 2
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    console.print(f"[bold]Airflow[/] home      {home} (SQLite metadata: {home / 'airflow.db'})")
    console.print(f"[bold]DAGs[/]             {dags_folder(settings)}")
    console.print(f"[bold]UI[/]               {url}  (user [bold]{ADMIN_USER}[/])")
    console.print(f"[bold]admin password[/]   in {password_file(settings)} (generated on the first start)")
    console.print("DAGs start paused: unpause and trigger them in the UI. Stop with Ctrl-C.")
    done = migrate(settings)
    if done.returncode != 0:
        console.print(f"[red]airflow db migrate failed[/]\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return done.returncode
    env = airflow_env(settings, port)
    # `kill PID` of this process stops Airflow the same way as Ctrl-C
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, args in COMPONENTS.items():
            # each in a session of its own: a Ctrl-C reaches this process only, which then stops
            # every component exactly once (and kills what is left of its process group)
            processes[name] = subprocess.Popen(
                [airflow_executable(), *args],
                env=env,
                cwd=settings.root,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            threading.Thread(target=_prefix_output, args=(name, processes[name]), daemon=True).start()
        console.print(f"Airflow is starting: {', '.join(processes)} (the UI answers on {url} in a minute)")
        while True:
            for name, process in processes.items():
                code = process.poll()
                if code is not None:
                    console.print(f"[red]{name} exited ({code})[/]: stopping Airflow")
                    _stop(processes)
                    return code or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("stopping Airflow (its components need a few seconds) ...")
        _stop(processes)
        return 130


def _prefix_output(name: str, process: subprocess.Popen[bytes]) -> None:
    """Copy a component's output to ours, each line prefixed with its name (as standalone does)."""
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(f"{name:13} | {line.decode(errors='replace').rstrip()}\n")
        sys.stdout.flush()


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(processes: Mapping[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM every component (each shuts down cleanly on it), then SIGKILL what is left of the group."""
    for process in processes.values():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 60
    for process in processes.values():
        while True:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
                break
            except subprocess.TimeoutExpired:
                break
            except KeyboardInterrupt:  # a second Ctrl-C: keep stopping, do not orphan anything
                continue
    # whatever a component left behind in its group (task processes, a stuck scheduler)
    for process in processes.values():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
