"""The project's own local servers: MariaDB, PostgreSQL and SecantusDB (MongoDB wire protocol).

Each server is a project-owned process with its data under ``<data dir>/servers/<name>/``, listening
on 127.0.0.1 only, on the port of its setting. Starting is idempotent: a server that already answers
is left alone. Works as root (PostgreSQL then runs as the ``postgres`` user, MariaDB with
``--user=root``) and as a normal user.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from softcart.core.executables import find_executable
from softcart.core.settings import Settings, Url


class StackError(RuntimeError):
    """A local server could not be started or reached; the message says what to do."""


def is_root() -> bool:
    return os.geteuid() == 0


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def wait_until(check, what: str, timeout: float, log: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = ""
    if log and log.exists():
        tail = "\n--- last lines of " + str(log) + " ---\n" + "\n".join(log.read_text().splitlines()[-15:])
    raise StackError(f"{what} did not answer within {timeout:.0f} s{tail}")


def _read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _stop_pid(pid_file: Path, timeout: float = 20.0) -> bool:
    pid = _read_pid(pid_file)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _read_pid(pid_file) is None:
            return True
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    return True


def _spawn(cmd: list[str], log: Path, pid_file: Path | None = None) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    if pid_file is not None:
        pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


@dataclass
class Server:
    """One local server. Subclasses know how to init, start, stop and ping it."""

    name: str
    settings: Settings
    package_hint: str = ""

    @property
    def url(self) -> Url:
        return getattr(self.settings, self.name)  # type: ignore[no-any-return]

    @property
    def home(self) -> Path:
        return self.settings.servers_dir / self.name

    @property
    def log(self) -> Path:
        return self.home / f"{self.name}.log"

    def ping(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> bool:
        raise NotImplementedError

    def pid(self) -> int | None:
        return None

    def ensure_started(self, timeout: float = 60.0) -> str:
        """Start the server unless it answers already. Returns what was done."""
        if self.ping():
            return "running"
        if port_open(self.url.host, self.url.port):
            raise StackError(
                f"port {self.url.port} on {self.url.host} is taken by a process that is not the project's "
                f"{self.name} server; choose another with SOFTCART_{self.name.upper()}_PORT"
            )
        self.start()
        wait_until(self.ping, f"{self.name} on {self.url.host}:{self.url.port}", timeout, self.log)
        return "started"


def _which(candidates: list[str], package: str, what: str) -> str:
    for c in candidates:
        found = shutil.which(c) if "/" not in c else (c if os.path.exists(c) else None)
        if found:
            return found
    raise StackError(
        f"{what} not found: install the Debian package `{package}` (apt-get install -y {package})"
    )


class MariaDB(Server):
    def __init__(self, settings: Settings) -> None:
        super().__init__("mysql", settings, "mariadb-server")

    @property
    def datadir(self) -> Path:
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        return self.home / "mysqld.pid"

    @property
    def socket_path(self) -> Path:
        return self.home / "mysqld.sock"

    def ping(self) -> bool:
        import pymysql

        if not port_open(self.url.host, self.url.port):
            return False
        try:
            conn = pymysql.connect(
                host=self.url.host,
                port=self.url.port,
                user=self.url.user or "root",
                password=self.url.password or "",
                connect_timeout=2,
                read_timeout=2,
            )
        except pymysql.MySQLError:
            return False
        conn.close()
        return True

    def start(self) -> None:
        mariadbd = _which(
            ["mariadbd", "/usr/sbin/mariadbd", "mysqld", "/usr/sbin/mysqld"], "mariadb-server", "mariadbd"
        )
        user_args = ["--user=root"] if is_root() else []
        self.home.mkdir(parents=True, exist_ok=True)
        if not (self.datadir / "mysql").exists():
            install = _which(
                ["mariadb-install-db", "mysql_install_db"], "mariadb-server", "mariadb-install-db"
            )
            tmp = self.home / "data.init"
            shutil.rmtree(tmp, ignore_errors=True)
            result = subprocess.run(
                [
                    install,
                    "--no-defaults",
                    f"--datadir={tmp}",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                    *user_args,
                ],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise StackError(f"mariadb-install-db failed:\n{result.stdout}\n{result.stderr}")
            tmp.rename(self.datadir)
        _spawn(
            [
                mariadbd,
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--port={self.url.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.socket_path}",
                f"--pid-file={self.pid_file}",
                f"--log-error={self.log}",
                "--local-infile=1",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                "--innodb-buffer-pool-size=256M",
                "--innodb-log-file-size=256M",
                "--max-allowed-packet=256M",
                # change data capture reads the row-based binlog (docs/ingestion.md, "Change data capture")
                "--log-bin=mysql-bin",
                "--binlog-format=ROW",
                "--binlog-row-image=FULL",
                "--binlog-row-metadata=FULL",
                "--server-id=1",
                *user_args,
            ],
            self.home / "mysqld.out",
        )

    def pid(self) -> int | None:
        return _read_pid(self.pid_file)

    def stop(self) -> bool:
        return _stop_pid(self.pid_file, timeout=60)


def _pg_bindir() -> Path:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for d in reversed(dirs):
        if (Path(d) / "initdb").exists():
            return Path(d)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise StackError(
        "PostgreSQL server not found: install the Debian package `postgresql` (apt-get install -y postgresql)"
    )


class PostgreSQL(Server):
    def __init__(self, settings: Settings) -> None:
        super().__init__("postgres", settings, "postgresql")

    @property
    def datadir(self) -> Path:
        # resolved: as root the home may be a symlink whose parents `postgres` cannot traverse
        return self.home.resolve() / "data"

    def _as_server_user(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if is_root() else cmd

    def _prepare_home(self) -> None:
        """As root, PostgreSQL runs as `postgres`, which must reach its data dir.

        If the project folder is not traversable by `postgres` (e.g. under /root), the data lives in
        /var/lib/softcart/<hash>/postgres and the project folder holds a symlink to it.
        """
        if not is_root() or self.home.exists():
            if is_root():
                shutil.chown(self.home, "postgres", "postgres")
            return
        self.home.parent.mkdir(parents=True, exist_ok=True)
        probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(self.home.parent)])
        if probe.returncode == 0:
            self.home.mkdir()
        else:
            digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:12]
            real = Path("/var/lib/softcart") / digest / "postgres"
            real.mkdir(parents=True, exist_ok=True)
            real.parent.chmod(0o755)
            self.home.symlink_to(real)
        shutil.chown(self.home, "postgres", "postgres")

    def ping(self) -> bool:
        import psycopg

        if not port_open(self.url.host, self.url.port):
            return False
        try:
            with psycopg.connect(
                host=self.url.host,
                port=self.url.port,
                user=self.url.user or "softcart",
                password=self.url.password,
                dbname="postgres",
                connect_timeout=2,
            ):
                return True
        except psycopg.Error:
            return False

    def start(self) -> None:
        bindir = _pg_bindir()
        if is_root() and not shutil.which("runuser"):
            raise StackError(
                "running as root needs `runuser` (Debian package util-linux) to start PostgreSQL"
            )
        self._prepare_home()
        if not (self.datadir / "PG_VERSION").exists():
            tmp = self.home.resolve() / "data.init"
            shutil.rmtree(tmp, ignore_errors=True)
            result = subprocess.run(
                self._as_server_user(
                    [
                        str(bindir / "initdb"),
                        "-D",
                        str(tmp),
                        "-U",
                        self.url.user or "softcart",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise StackError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
            tmp.rename(self.datadir)
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.url.port} -c unix_socket_directories='' "
            "-c shared_buffers=256MB -c max_wal_size=2GB -c max_connections=200"
        )
        log = self.log
        result = subprocess.run(
            self._as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(self.datadir),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise StackError(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\nsee {log}")

    @property
    def log(self) -> Path:
        return self.home.resolve() / "postgres.log"

    def pid(self) -> int | None:
        return _read_pid(self.datadir / "postmaster.pid")

    def stop(self) -> bool:
        if self.pid() is None:
            return False
        bindir = _pg_bindir()
        subprocess.run(
            self._as_server_user(
                [str(bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"]
            ),
            capture_output=True,
        )
        return True


class SecantusDB(Server):
    def __init__(self, settings: Settings) -> None:
        super().__init__("mongo", settings, "secantusdb (pip)")

    @property
    def pid_file(self) -> Path:
        return self.home / "secantusd.pid"

    def ping(self) -> bool:
        import pymongo
        import pymongo.errors

        if not port_open(self.url.host, self.url.port):
            return False
        client: pymongo.MongoClient = pymongo.MongoClient(self.url.raw, serverSelectionTimeoutMS=1500)
        try:
            client.admin.command("ping")
            return True
        except pymongo.errors.PyMongoError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        try:
            exe = Path(
                find_executable(
                    "secantusd-py",
                    "secantusd-py not found: `pip install secantusdb` (it is in the project's dependencies)",
                )
            )
        except FileNotFoundError as exc:
            raise StackError(str(exc)) from None
        storage = self.home / "data"
        storage.mkdir(parents=True, exist_ok=True)  # also makes self.home
        _spawn(
            [
                str(exe),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.url.port),
                "--storage-path",
                str(storage),
                "--log-level",
                "WARNING",
            ],
            self.log,
            self.pid_file,
        )

    def pid(self) -> int | None:
        return _read_pid(self.pid_file)

    def stop(self) -> bool:
        return _stop_pid(self.pid_file)


def servers(settings: Settings) -> list[Server]:
    return [MariaDB(settings), PostgreSQL(settings), SecantusDB(settings)]
