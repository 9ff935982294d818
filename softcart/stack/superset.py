"""The BI server: Apache Superset, started by ``softcart up`` like the databases.

Superset runs from its own venv (``.venv-superset``: it pins SQLAlchemy 1.4 and pandas 2.1, which the
project's venv cannot hold; scripts/setup.sh installs it from ``softcart/dashboards/superset/requirements.lock``)
under gunicorn, on 127.0.0.1 and the port of ``SOFTCART_SUPERSET_PORT``. Its metadata (users,
datasets, charts, dashboards) is a SQLite file under ``<data dir>/servers/superset/``; the admin's
user and generated password are in ``<data dir>/secrets.env`` (``SUPERSET_ADMIN_USER``,
``SUPERSET_ADMIN_PASSWORD``).

Like the databases (softcart/stack/servers.py), it runs as an unprivileged OS user when softcart runs
as root (``superset``, created when missing), in a home of mode 0700 owned by that user (the
metadata database, its log, its pid file; files made with umask 077); its secret key and the admin's
password reach it in its environment (``/proc/<pid>/environ``: readable by that user and root only),
never on a command line.

Setting the metadata up (``superset db upgrade``, ``superset init``, the admin account) takes a
minute, so it runs only when needed: what was set up is recorded in the metadata database itself
(table ``softcart_setup``: the Superset version, a digest of the admin's credentials), and a second
``softcart up`` reads that row and does nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from softcart.core.credentials import superset_admin, superset_secret_key
from softcart.core.settings import Settings
from softcart.dashboards.superset_files import SUPERSET_DIR
from softcart.stack.servers import Server, StackError, _read_pid, _stop_pid, port_open, wait_until

SETUP_TABLE = "softcart_setup"
START_TIMEOUT = 300.0  # the first start migrates the metadata database (about a minute here)


def superset_home(settings: Settings) -> Path:
    return settings.servers_dir / "superset"


def metadata_db(settings: Settings) -> Path:
    # resolved: as root the home may be a symlink whose parents `superset` cannot traverse
    return superset_home(settings).resolve() / "superset.db"


def config_path(settings: Settings) -> Path:
    return SUPERSET_DIR / "superset_config.py"


def venv_bin(settings: Settings) -> Path:
    venv = settings.superset_venv or settings.root / ".venv-superset"
    return venv / "bin"


def installed_version(settings: Settings) -> str | None:
    """The apache-superset version of the Superset venv (read from its metadata, no import)."""
    site = venv_bin(settings).parent / "lib"
    found = sorted(site.glob("python3*/site-packages/apache_superset-*.dist-info"))
    if not found:
        return None
    return found[-1].name.removeprefix("apache_superset-").removesuffix(".dist-info")


def superset_env(settings: Settings) -> dict[str, str]:
    """The environment of every Superset process of the project."""
    env = {k: v for k, v in settings.env.items() if not k.startswith("SUPERSET_")}
    bindir = str(venv_bin(settings))
    home = str(superset_home(settings).resolve())
    env.update(
        {
            "PATH": bindir + ":" + env.get("PATH", "/usr/bin:/bin"),
            # its own home (root's is not its user's): Superset's DATA_DIR, caches, matplotlib's config
            "HOME": home,
            "SUPERSET_HOME": home,
            "SUPERSET_CONFIG_PATH": str(config_path(settings)),
            "SOFTCART_SUPERSET_METADATA_URI": f"sqlite:///{metadata_db(settings)}",
            "SOFTCART_SUPERSET_SECRET_KEY": superset_secret_key(settings),
            "FLASK_APP": "superset",
            "SCARF_ANALYTICS": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass(frozen=True)
class SetupState:
    version: str | None
    admin_digest: str | None


def _admin_digest(user: str, password: str) -> str:
    return hashlib.sha256(f"{user}\0{password}".encode()).hexdigest()


def read_setup_state(settings: Settings) -> SetupState:
    """What the metadata database says was set up (nothing when it does not exist yet)."""
    path = metadata_db(settings)
    if not path.exists():
        return SetupState(None, None)
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            rows = dict(conn.execute(f"select key, value from {SETUP_TABLE}").fetchall())
    except sqlite3.Error:
        return SetupState(None, None)
    return SetupState(rows.get("superset_version"), rows.get("admin_digest"))


def _write_setup_state(settings: Settings, state: SetupState) -> None:
    with contextlib.closing(sqlite3.connect(metadata_db(settings), timeout=30)) as conn, conn:
        conn.execute(f"create table if not exists {SETUP_TABLE} (key text primary key, value text)")
        conn.executemany(
            f"insert or replace into {SETUP_TABLE} (key, value) values (?, ?)",
            [("superset_version", state.version), ("admin_digest", state.admin_digest)],
        )


def use_wal(path: Path) -> None:
    """Put the metadata database in write-ahead-log mode (recorded in the file, so once is enough).

    Superset writes its action log there, one commit per logged event and six per chart query;
    in SQLite's default rollback-journal mode each commit cost about 10 ms here, 1.6 ms in WAL mode,
    and readers no longer wait for a writer."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        conn.execute("pragma journal_mode=wal")


class Superset(Server):
    """The project's Superset: gunicorn serving ``superset.app:create_app()`` on 127.0.0.1."""

    def __init__(self, settings: Settings) -> None:
        super().__init__("superset", settings, "apache-superset (scripts/setup.sh: .venv-superset)")

    @property
    def pid_file(self) -> Path:
        return self.home / "gunicorn.pid"

    @property
    def web_url(self) -> str:
        return f"http://{self.url.host}:{self.url.port}"

    def ping(self) -> bool:
        if not port_open(self.url.host, self.url.port):
            return False
        try:
            with urllib.request.urlopen(f"{self.web_url}/health", timeout=5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def setup(self) -> str:
        """Migrate the metadata database, create its roles and the admin, when (and only when) the
        recorded state differs from the installed version and the admin of ``secrets.env``: one
        process of Superset's venv (softcart/dashboards/superset/setup_metadata.py)."""
        version = installed_version(self.settings)
        if version is None:
            raise StackError(
                f"Superset is not installed in {venv_bin(self.settings).parent}: run scripts/setup.sh"
            )
        user, password = superset_admin(self.settings)
        wanted = SetupState(version, _admin_digest(user, password))
        state = read_setup_state(self.settings)
        if state == wanted:
            return "up to date"
        home = self.prepare_home()
        python = venv_bin(self.settings) / "python"
        self.check_executable(venv_bin(self.settings) / "gunicorn")  # the venv, in the checkout
        upgrade = state.version != version
        env = superset_env(self.settings)
        env.update(
            {
                "SOFTCART_SUPERSET_UPGRADE": "1" if upgrade else "0",
                "SOFTCART_SUPERSET_ADMIN_USER": user,
                "SOFTCART_SUPERSET_ADMIN_PASSWORD": password,
            }
        )
        script = SUPERSET_DIR / "setup_metadata.py"
        done = subprocess.run(
            self.exec_as_server_user([str(python), str(script)]),
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            cwd=home,
            umask=0o077,
        )
        if done.returncode != 0:
            raise StackError(
                f"setting up Superset's metadata failed ({done.returncode}):\n{done.stderr[-3000:]}"
            )
        _write_setup_state(self.settings, wanted)
        return ", ".join(
            ([f"metadata migrated to Superset {version}"] if upgrade else []) + [f"admin {user}"]
        )

    def _open_log(self, home: Path) -> int:
        """The log, appended to, private to the server's user (softcart opens it for the process)."""
        log = home / self.log.name
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if self.os_user:
            shutil.chown(log, self.os_user, self.os_user)
        os.chmod(log, 0o600)
        return fd

    def start(self) -> None:
        self.setup()
        home = self.prepare_home()
        use_wal(metadata_db(self.settings))
        if self.os_user:  # a -wal/-shm file left by that connection belongs to the server's user
            for leftover in home.glob("superset.db-*"):
                shutil.chown(leftover, self.os_user, self.os_user)
        gunicorn = venv_bin(self.settings) / "gunicorn"
        self.check_executable(gunicorn)
        with os.fdopen(self._open_log(home), "ab") as out:
            subprocess.Popen(
                self.exec_as_server_user(
                    [
                        str(gunicorn),
                        f"--bind=127.0.0.1:{self.url.port}",
                        "--workers=1",
                        "--threads=8",
                        "--worker-class=gthread",
                        "--timeout=120",
                        "--graceful-timeout=5",
                        "--limit-request-line=0",
                        "--limit-request-field_size=0",
                        f"--pid={home / self.pid_file.name}",
                        "--no-control-socket",  # gunicornc's socket: nothing of the project uses it
                        "superset.app:create_app()",
                    ]
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=superset_env(self.settings),
                cwd=home,
                umask=0o077,
            )

    def ensure_started(self, timeout: float = START_TIMEOUT) -> str:
        if self.ping():
            # a changed admin password (secrets.env, SOFTCART_SUPERSET_ADMIN_PASSWORD) is applied
            # to the running server too; nothing is done when the state is current
            did = self.setup()
            return "running" if did == "up to date" else f"running ({did})"
        if port_open(self.url.host, self.url.port):
            raise StackError(
                f"port {self.url.port} on {self.url.host} is taken by a process that is not the project's "
                "superset server; choose another with SOFTCART_SUPERSET_PORT"
            )
        self.start()
        wait_until(self.ping, f"superset on {self.url.host}:{self.url.port}", timeout, self.log)
        return "started"

    def pid(self) -> int | None:
        return _read_pid(self.pid_file)

    def stop(self) -> bool:
        return _stop_pid(self.pid_file, timeout=30)


# --- the dashboards: imported on start and after each dbt build ----------------------------------


def recorded_bundle(settings: Settings) -> str | None:
    """The digest of the bundle last imported into the project's Superset (its metadata database)."""
    path = metadata_db(settings)
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
            row = conn.execute(f"select value from {SETUP_TABLE} where key = 'bundle_digest'").fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


def _record_bundle(settings: Settings, digest: str) -> None:
    with contextlib.closing(sqlite3.connect(metadata_db(settings), timeout=30)) as conn, conn:
        conn.execute(f"create table if not exists {SETUP_TABLE} (key text primary key, value text)")
        conn.execute(
            f"insert or replace into {SETUP_TABLE} (key, value) values ('bundle_digest', ?)", (digest,)
        )


@dataclass(frozen=True)
class Publication:
    """What :func:`publish` did: imported, or why not (``reason``)."""

    imported: bool
    reason: str
    digest: str | None = None
    datasets: int = 0
    charts: int = 0
    dashboards: int = 0
    dashboard_urls: tuple[tuple[str, str], ...] = ()


def publish(settings: Settings, *, force: bool = False) -> Publication:
    """Import the dashboards bundle (datasets from the dbt manifest, the repository's charts and
    dashboards) into Superset, unless the project's Superset already holds this very bundle.

    Raises :class:`softcart.dashboards.superset_sync.SyncError` when Superset refuses it or cannot be reached.
    """
    from softcart.dashboards.superset_sync import build_bundle, read_manifest, sync

    manifest = read_manifest(settings)
    bundle = build_bundle(settings, manifest)
    counts = (bundle.count("datasets"), bundle.count("charts"), bundle.count("dashboards"))
    if not settings.superset_enabled:
        return Publication(False, "no BI server (SOFTCART_SUPERSET_ENABLED=0)", bundle.digest, *counts)
    managed = settings.is_managed("superset")
    if managed and not force and recorded_bundle(settings) == bundle.digest:
        return Publication(
            False, f"Superset holds this bundle already ({bundle.digest})", bundle.digest, *counts
        )
    result = sync(settings, bundle)
    if managed:
        _record_bundle(settings, bundle.digest)
    return Publication(
        True,
        f"imported into {result.url} in {result.seconds:.1f} s",
        bundle.digest,
        *counts,
        dashboard_urls=tuple(sorted(result.dashboard_urls.items())),
    )
