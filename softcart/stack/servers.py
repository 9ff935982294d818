"""The project's own local servers: MariaDB, PostgreSQL and SecantusDB (MongoDB wire protocol).

Each server is a project-owned process with its data under ``<data dir>/servers/<name>/``, listening
on 127.0.0.1 only, on the port of its setting. Starting is idempotent: a server that already answers
is left alone. Works as root and as a normal user; as root each server runs as an unprivileged OS
user of its own (``SERVER_OS_USERS``: MariaDB as ``mysql``, PostgreSQL as ``postgres``, SecantusDB as
``secantus``; Superset, softcart/stack/superset.py, as ``superset``), as a normal user as that user.

Set up as a managed service would be (docs/sources.md, "Accounts"): the administrator logs in only on
the server's unix socket as the OS user running softcart (MariaDB ``unix_socket``, PostgreSQL
``peer``), never over TCP; TCP logins need a password (PostgreSQL ``scram-sha-256``, SecantusDB
``--auth`` with SCRAM-SHA-256); the accounts themselves are made by ``softcart.stack.accounts``.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from softcart.core.connections import mysql_admin_connect, os_user, postgres_admin_connect
from softcart.core.executables import find_executable
from softcart.core.settings import Settings, Url
from softcart.stack.accounts import MONGO_ADMIN

# the unprivileged OS user each server runs as when softcart runs as root
SERVER_OS_USERS = {"mysql": "mysql", "postgres": "postgres", "mongo": "secantus", "superset": "superset"}


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

    @property
    def os_user(self) -> str | None:
        """The OS user the server runs as (None: the user running softcart, who is not root)."""
        return SERVER_OS_USERS[self.name] if is_root() else None

    def as_server_user(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", self.os_user, "--", *cmd] if self.os_user else cmd

    def exec_as_server_user(self, cmd: list[str]) -> list[str]:
        """``cmd`` as the server's OS user by setpriv, which execs (runuser would stay the parent):
        the process started is the server itself, so its pid and process group are the server's."""
        if not self.os_user:
            return cmd
        user = pwd.getpwnam(self.os_user)
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--", *cmd]

    def check_executable(self, exe: str | Path) -> None:
        """As root the server runs from the project's venv as its OS user: say so when it cannot."""
        if (
            self.os_user
            and subprocess.run(self.exec_as_server_user(["test", "-x", str(exe)])).returncode != 0
        ):
            raise StackError(
                f"{exe} is not executable by the OS user {self.os_user}: {self.name} runs as {self.os_user} "
                "when softcart runs as root, so the project's venvs must be readable by it "
                "(keep the checkout outside /root, or chmod o+rx the folders above it)"
            )

    def prepare_home(self) -> Path:
        """Make the home and give it to the server's OS user; returns its real path.

        As root, the server's user must reach its data dir: if the project folder is not traversable
        by it (e.g. under /root), the data lives in /var/lib/softcart/<hash>/<name> and the project
        folder holds a symlink to it.
        """
        user = self.os_user
        if user is None:
            self.home.mkdir(parents=True, exist_ok=True)
            return self.home.resolve()
        if is_root() and not shutil.which("runuser"):
            raise StackError(
                f"running as root needs `runuser` (Debian package util-linux) to start {self.name}"
            )
        _ensure_os_user(user)
        if not self.home.exists():
            self.home.parent.mkdir(parents=True, exist_ok=True)
            probe = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(self.home.parent)])
            if probe.returncode == 0:
                self.home.mkdir()
            else:
                digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:12]
                real = Path("/var/lib/softcart") / digest / self.name
                real.mkdir(parents=True, exist_ok=True)
                real.parent.chmod(0o755)
                self.home.symlink_to(real)
        home = self.home.resolve()
        owner = pwd.getpwnam(user)
        if home.stat().st_uid != owner.pw_uid:  # a home made by an earlier version, as root
            subprocess.run(["chown", "-R", f"{user}:{owner.pw_gid}", str(home)], check=True)
        home.chmod(0o700)
        return home

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


def _ensure_os_user(user: str) -> None:
    """Create the server's system user (no login, no home) when it is missing."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        result = subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                user,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise StackError(f"cannot create the system user {user}: {result.stderr.strip()}") from None


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
        return self.settings.mysql_socket

    def ping(self) -> bool:
        """The administrator reaches the server on its unix socket (the TCP port open as well)."""
        import pymysql

        if not port_open(self.url.host, self.url.port):
            return False
        try:
            if self.settings.is_managed("mysql"):
                conn = mysql_admin_connect(self.settings)
            else:
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

    def mariadbd_args(self, home: Path) -> list[str]:
        """mariadbd's options (``home``: the real path of the server's home)."""
        return [
            "--no-defaults",
            f"--datadir={home / 'data'}",
            f"--port={self.url.port}",
            "--bind-address=127.0.0.1",
            f"--socket={home / 'mysqld.sock'}",
            f"--pid-file={home / 'mysqld.pid'}",
            f"--log-error={home / f'{self.name}.log'}",
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
            # accounts are matched by address (softcart@127.0.0.1), never by a resolved name
            "--skip-name-resolve",
            # only accounts with READ ONLY ADMIN write (the load account, the administrator): the
            # reader cannot even SET PASSWORD on itself (docs/sources.md, "Accounts")
            "--read-only",
            *([f"--user={self.os_user}"] if self.os_user else []),
        ]

    def start(self) -> None:
        mariadbd = _which(
            ["mariadbd", "/usr/sbin/mariadbd", "mysqld", "/usr/sbin/mysqld"], "mariadb-server", "mariadbd"
        )
        home = self.prepare_home()
        if not (home / "data" / "mysql").exists():
            install = _which(
                ["mariadb-install-db", "mysql_install_db"], "mariadb-server", "mariadb-install-db"
            )
            tmp = home / "data.init"
            shutil.rmtree(tmp, ignore_errors=True)
            result = subprocess.run(
                [
                    install,
                    "--no-defaults",
                    f"--datadir={tmp}",
                    # the administrator: the OS user running softcart, on the unix socket only
                    "--auth-root-authentication-method=socket",
                    f"--auth-root-socket-user={os_user()}",
                    "--skip-test-db",
                    *([f"--user={self.os_user}"] if self.os_user else []),
                ],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise StackError(f"mariadb-install-db failed:\n{result.stdout}\n{result.stderr}")
            tmp.rename(home / "data")
        _spawn([mariadbd, *self.mariadbd_args(home)], self.home / "mysqld.out")

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


# who logs in how: the superuser only on the unix socket, as the OS user running softcart (peer,
# mapped to `postgres`); every other login over TCP with a password (scram-sha-256)
PG_HBA = """# written by softcart at each start (softcart/stack/servers.py)
local all postgres peer map=softcart_admin
host all all 127.0.0.1/32 scram-sha-256
"""


class PostgreSQL(Server):
    def __init__(self, settings: Settings) -> None:
        super().__init__("postgres", settings, "postgresql")

    @property
    def datadir(self) -> Path:
        # resolved: as root the home may be a symlink whose parents `postgres` cannot traverse
        return self.home.resolve() / "data"

    def ping(self) -> bool:
        import psycopg

        if not port_open(self.url.host, self.url.port):
            return False
        try:
            if self.settings.is_managed("postgres"):
                with postgres_admin_connect(self.settings):
                    return True
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

    def _write_auth_files(self) -> None:
        """pg_hba.conf and pg_ident.conf, ours at every start (also for a cluster an older version made)."""
        ident = {os_user(), self.os_user or os_user()}
        files = {
            "pg_hba.conf": PG_HBA,
            "pg_ident.conf": "".join(f"softcart_admin {user} postgres\n" for user in sorted(ident)),
        }
        for name, text in files.items():
            path = self.datadir / name
            path.write_text(text)
            if self.os_user:
                shutil.chown(path, self.os_user)
            path.chmod(0o600)

    def start(self) -> None:
        bindir = _pg_bindir()
        home = self.prepare_home()
        if not (self.datadir / "PG_VERSION").exists():
            tmp = home / "data.init"
            shutil.rmtree(tmp, ignore_errors=True)
            result = subprocess.run(
                self.as_server_user(
                    [
                        str(bindir / "initdb"),
                        "-D",
                        str(tmp),
                        "-U",
                        "postgres",
                        "--auth-local=peer",
                        "--auth-host=scram-sha-256",
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
        self._write_auth_files()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.url.port} -c unix_socket_directories='{home}' "
            "-c unix_socket_permissions=0700 -c password_encryption=scram-sha-256 "
            "-c shared_buffers=256MB -c max_wal_size=2GB -c max_connections=200"
        )
        log = self.log
        result = subprocess.run(
            self.as_server_user(
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
            self.as_server_user(
                [str(bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"]
            ),
            capture_output=True,
        )
        return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SecantusDB(Server):
    """SecantusDB with ``--auth`` (SCRAM-SHA-256, role-based rights, as mongod's access control)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__("mongo", settings, "secantusdb (pip)")

    @property
    def pid_file(self) -> Path:
        return self.home / "secantusd.pid"

    def as_server_user(self, cmd: list[str]) -> list[str]:
        """setpriv: the pid file names secantusd itself."""
        return self.exec_as_server_user(cmd)

    def ping(self) -> bool:
        """``ping`` needs no login (as on mongod): the server answers the wire protocol."""
        import pymongo
        import pymongo.errors

        if not port_open(self.url.host, self.url.port):
            return False
        client: pymongo.MongoClient = pymongo.MongoClient(  # type: ignore[type-arg]
            self.url.host, self.url.port, serverSelectionTimeoutMS=1500, directConnection=True
        )
        try:
            client.admin.command("ping")
            return True
        except pymongo.errors.PyMongoError:
            return False
        finally:
            client.close()

    def _executable(self) -> str:
        try:
            return find_executable(
                "secantusd-py",
                "secantusd-py not found: `pip install secantusdb` (it is in the project's dependencies)",
            )
        except FileNotFoundError as exc:
            raise StackError(str(exc)) from None

    def _command(self, exe: str, storage: Path, port: int, *, auth: bool) -> list[str]:
        # its own (empty) config file: no secantusd.toml is looked for in the cwd or a home folder
        config = storage.parent / "secantusd.toml"
        if not config.exists():
            config.write_text("# the settings are secantusd-py's flags (softcart/stack/servers.py)\n")
        cmd = [exe, "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--storage-path", str(storage), "--log-level", "WARNING", *(["--auth"] if auth else [])]
        return self.as_server_user(cmd)

    def _create_admin(self, exe: str, storage: Path, password: str) -> None:
        """A new store gets its administrator before it serves anyone: SecantusDB makes the first
        user without --auth, so a private instance on a random loopback port creates it, then stops."""
        import pymongo

        port = _free_port()
        proc = subprocess.Popen(
            self._command(exe, storage, port, auth=False),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_until(lambda: port_open("127.0.0.1", port), "secantusd (first start)", 60)
            client: pymongo.MongoClient = pymongo.MongoClient(  # type: ignore[type-arg]
                "127.0.0.1", port, directConnection=True, serverSelectionTimeoutMS=10_000
            )
            try:
                client.admin.command("createUser", MONGO_ADMIN, pwd=password, roles=["root"])
            finally:
                client.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)

    def start(self) -> None:
        from softcart.core.credentials import local_secret

        exe = self._executable()
        home = self.prepare_home()
        self.check_executable(exe)
        storage = home / "data"
        if not storage.exists():
            storage.mkdir()
            if self.os_user:
                shutil.chown(storage, self.os_user)
            self._create_admin(exe, storage, local_secret(self.settings, "MONGO_ADMIN_PASSWORD"))
        _spawn(self._command(exe, storage, self.url.port, auth=True), self.log, self.pid_file)

    def pid(self) -> int | None:
        return _read_pid(self.pid_file)

    def stop(self) -> bool:
        return _stop_pid(self.pid_file)


def servers(settings: Settings) -> list[Server]:
    return [MariaDB(settings), PostgreSQL(settings), SecantusDB(settings)]
