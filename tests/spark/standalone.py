"""A Spark standalone cluster for the tests: one master and one worker on 127.0.0.1, from the venv's
pyspark (``$SPARK_HOME/bin/spark-class org.apache.spark.deploy.{master.Master,worker.Worker}``).

Everything the two processes write (logs, the worker's work dir with the executors' stdout/stderr,
Spark's local dirs) is under one folder, removed by :meth:`StandaloneCluster.stop`. Every port is
given (none left to Spark's defaults: 7077, 8080, 8081 would collide with other suites) and every
listener is bound to 127.0.0.1 (``--host`` and ``SPARK_LOCAL_IP``); :func:`listeners` reads what a
process really listens on from ``/proc``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"

# Short-lived JVMs on a small, shared machine: the C1 compiler only (no C2 compiling in the
# background). Measured on the 2-core machine, forecast + search-terms on this cluster: 45 s with
# the default tiers, 36 s with C1 for the master, worker and executor, 19 s with C1 for the driver
# too; cluster start 11 s -> 6 s. A test-speed choice only: results do not depend on it.
QUICK_JVM = {"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1"}


@dataclass(frozen=True)
class Ports:
    master: int
    master_ui: int
    worker: int
    worker_ui: int

    @classmethod
    def with_offset(cls, offset: int) -> Ports:
        # beside tests/conftest.py's TEST_PORTS (23306, 25432, 27117) and clear of them for any
        # offset that is a multiple of 100
        return cls(27077 + offset, 28080 + offset, 27078 + offset, 28081 + offset)


@dataclass
class StandaloneCluster:
    root: Path
    """Everything the cluster writes; deleted by :meth:`stop`."""
    ports: Ports
    cores: int = 1
    memory: str = "1g"
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def master_url(self) -> str:
        return f"spark://{HOST}:{self.ports.master}"

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    def master_json(self) -> dict[str, Any]:
        return _get_json(f"http://{HOST}:{self.ports.master_ui}/json/")

    def worker_json(self) -> dict[str, Any]:
        return _get_json(f"http://{HOST}:{self.ports.worker_ui}/json/")

    def start(self, timeout: float = 90.0) -> None:
        """Start the master, then the worker; return when the master lists the worker ALIVE."""
        import pyspark

        spark_home = Path(pyspark.__file__).resolve().parent
        for sub in ("work", "local", "conf"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "SOFTCART_"))}
        env.update(
            {
                "SPARK_HOME": str(spark_home),
                "SPARK_CONF_DIR": str(self.root / "conf"),  # empty: no spark-defaults.conf from outside
                "SPARK_LOCAL_IP": HOST,  # what the web UIs and the executors bind to
                "SPARK_LOCAL_DIRS": str(self.root / "local"),
                "SPARK_DAEMON_MEMORY": "512m",
                **QUICK_JVM,  # the master, the worker and the executors it forks
            }
        )
        spark_class = str(spark_home / "bin" / "spark-class")
        deploy = "org.apache.spark.deploy"
        self._spawn(
            "master",
            [
                spark_class,
                f"{deploy}.master.Master",
                "--host",
                HOST,
                "--port",
                str(self.ports.master),
                "--webui-port",
                str(self.ports.master_ui),
            ],
            env,
        )
        deadline = time.monotonic() + timeout
        self._wait(lambda: self.master_json().get("status") == "ALIVE", deadline, "the master to answer")
        self._spawn(
            "worker",
            [
                spark_class,
                f"{deploy}.worker.Worker",
                self.master_url,
                "--host",
                HOST,
                "--port",
                str(self.ports.worker),
                "--webui-port",
                str(self.ports.worker_ui),
                "--cores",
                str(self.cores),
                "--memory",
                self.memory,
                "--work-dir",
                str(self.work_dir),
            ],
            env,
        )
        self._wait(self._worker_alive, deadline, "the worker to register with the master")

    def stop(self) -> None:
        """Stop both processes (and the executors they started: one process group each), then remove
        :attr:`root`. Safe to call after a failed or partial start."""
        for name in ("worker", "master"):
            proc = self.processes.pop(name, None)
            if proc is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
        shutil.rmtree(self.root, ignore_errors=True)

    def all_ports(self) -> set[int]:
        return set(astuple(self.ports))

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.processes.items()}

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        with (self.root / f"{name}.log").open("wb") as log:
            # spark-class execs java: this pid is the JVM's; its own process group, so stop() also
            # reaches the executors a worker forks
            self.processes[name] = subprocess.Popen(
                cmd, env=env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def _worker_alive(self) -> bool:
        workers = self.master_json().get("workers", [])
        return any(
            w.get("state") == "ALIVE" and w.get("host") == HOST and w.get("port") == self.ports.worker
            for w in workers
        )

    def _wait(self, ready: Any, deadline: float, what: str) -> None:
        while True:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"spark {name} exited with {proc.returncode} while waiting for {what}:\n"
                        + self.log_tail(name)
                    )
            with contextlib.suppress(OSError, ValueError):
                if ready():
                    return
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {n}.log\n{self.log_tail(n)}" for n in self.processes)
                raise TimeoutError(f"timed out waiting for {what}\n{tails}")
            time.sleep(0.25)


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        data: dict[str, Any] = json.load(response)
    return data


def listeners(pid: int | None = None) -> set[tuple[str, int]]:
    """The TCP sockets process ``pid`` (None: any process) listens on, as (address, port);
    IPv4-mapped IPv6 addresses (``::ffff:127.0.0.1``, how Java binds) are given as IPv4. From
    ``/proc`` (Linux)."""
    inodes: set[str] | None = None
    if pid is not None:
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state != "0A" or (inodes is not None and inode not in inodes):  # 0A: LISTEN
                continue
            hex_addr, hex_port = local.split(":")
            # the kernel prints the address as 32-bit words in host (little-endian) order
            raw = b"".join(bytes.fromhex(hex_addr[i : i + 8])[::-1] for i in range(0, len(hex_addr), 8))
            addr = ipaddress.ip_address(raw)
            if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
                addr = addr.ipv4_mapped
            found.add((str(addr), int(hex_port, 16)))
    return found
