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
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console

from softcart.settings import Settings

DEFAULT_PORT = 8081
PASSWORD_FILE = "simple_auth_manager_passwords.json.generated"
ADMIN_USER = "admin"

console = Console(soft_wrap=True)


def airflow_home(settings: Settings) -> Path:
    return settings.data_dir / "airflow"


def dags_folder(settings: Settings) -> Path:
    return settings.root / "dags"


def password_file(settings: Settings) -> Path:
    return airflow_home(settings) / PASSWORD_FILE


def _bin_dir() -> Path:
    """The folder of the running interpreter: where ``airflow``, ``dbt`` and ``softcart`` are."""
    return Path(sys.executable).parent


def airflow_executable() -> str:
    candidate = _bin_dir() / "airflow"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("airflow")
    if found is None:
        raise FileNotFoundError("the `airflow` command is not installed next to this Python")
    return found


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
    bin_dir = str(_bin_dir())
    path = env.get("PATH", "")
    env.update(
        {
            "PATH": bin_dir + (os.pathsep + path if path else ""),
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
            # the scheduler's and triggerer's log servers sit next to the UI's port (not on 8793/8794,
            # so two projects, or two checkouts, can run side by side)
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(port + 1),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(port + 2),
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
    """The variables ``profiles/profiles.yml`` reads (``SOFTCART_DBT_*``), for the Cosmos dbt tasks.

    dbt's target and log paths are left to Cosmos (it runs each task in a temporary copy).
    """
    from softcart.dbt_runner import dbt_env

    return {
        key: value
        for key, value in dbt_env(settings).items()
        if key.startswith("SOFTCART_DBT_") or key == "DBT_SEND_ANONYMOUS_USAGE_STATS"
    }


def parse_dbt_project(settings: Settings) -> int:
    """``dbt parse``: writes the manifest the ``softcart_elt`` DAG renders from (no database needed)."""
    from softcart.dbt_runner import run_dbt

    return run_dbt(settings, ["parse", "--quiet"])


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


def main(settings: Settings, port: int = DEFAULT_PORT) -> int:
    """``softcart airflow``: start Airflow standalone (scheduler, DAG processor, triggerer, API server + UI)."""
    busy = [p for p in (port, port + 1, port + 2) if _port_in_use(p)]
    if busy:
        console.print(
            f"[red]port {busy[0]} is already in use[/] (Airflow needs {port}, {port + 1} and {port + 2}): "
            "choose another with `softcart airflow --port N`"
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
    console.print("parsing the dbt project (dbt parse) for the softcart_elt DAG ...")
    if parse_dbt_project(settings) != 0:
        console.print("[yellow]dbt parse failed[/]: the softcart_elt DAG falls back to `dbt ls` (slower)")
    env = airflow_env(settings, port)
    # its own session: a Ctrl-C reaches this process only, which then stops standalone exactly once
    # (a second SIGINT while standalone stops its components would orphan the scheduler)
    process = subprocess.Popen(
        [airflow_executable(), "standalone"], env=env, cwd=settings.root, start_new_session=True
    )
    # `kill PID` of this process stops Airflow the same way as Ctrl-C
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        return process.wait()
    except KeyboardInterrupt:
        console.print("stopping Airflow (its components need a few seconds) ...")
        return _stop(process)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(process: subprocess.Popen[bytes]) -> int:
    """SIGINT (standalone stops scheduler, DAG processor, triggerer, API server), then escalate."""
    for sig, grace in ((signal.SIGINT, 60), (signal.SIGTERM, 15)):
        process.send_signal(sig)
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:
            continue
    # whatever standalone left behind in its session (a stuck scheduler and its workers)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return 130
