"""Each source and the warehouse killed (``kill -9`` of the server) in the middle of an ingest run: the
run ends with one clear line (no traceback) and publishes nothing; once the server is back, the next
run ends with exactly the sources' rows and no run is left ``running``."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from softcart.core.settings import Settings
from softcart.stack.commands import start_all
from softcart.stack.servers import servers
from tests.fault.faults import (
    SOURCE_STREAMS,
    file_catalog,
    file_sales,
    kill_at,
    mongo_catalog,
    mysql_sales,
    ok,
    one_clear_line,
    raw_catalog,
    raw_sales,
    rng_for,
    runs_left_running,
    softcart_process,
    timed,
)

SMALL_BATCHES = {"SOFTCART_INGEST_BATCH_ROWS": "200"}
NAMES = {"mysql": "MySQL", "mongo": "MongoDB", "postgres": "PostgreSQL"}


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _gone(pid: int) -> bool:
    """The process is gone: MariaDB and SecantusDB are the suite's own children (their zombies stay
    until reaped, so reap them); PostgreSQL's are init's, which reaps them (its lock file names the
    postmaster's pid: a server started while that pid exists refuses to start)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return not Path(f"/proc/{pid}").exists()


def _crash(stack: Settings, name: str) -> None:
    """kill -9 of the server and (PostgreSQL) its backends: a power cut for that server."""
    server = next(s for s in servers(stack) if s.name == name)
    pid = server.pid()
    assert pid is not None, name
    victims = [pid, *_children(pid)]
    for victim in victims:
        os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(_gone(v) for v in victims):
        time.sleep(0.1)


@dataclass
class Ingested:
    """A warehouse that ingested dataset A: the three rounds share it (each loads the other dataset)."""

    settings: Settings
    ingest_seconds: float


@pytest.fixture(scope="module")
def ingested(isolated_module: Settings, datasets: tuple[Path, Path]) -> Ingested:
    ok(isolated_module, "load", str(datasets[0]))
    return Ingested(isolated_module, timed(isolated_module, "ingest", *SOURCE_STREAMS, **SMALL_BATCHES))


@pytest.mark.parametrize("server", ["mysql", "mongo", "postgres"])
def test_a_server_killed_mid_ingest(
    stack: Settings, ingested: Ingested, datasets: tuple[Path, Path], server: str
) -> None:
    settings = ingested.settings
    before = raw_sales(settings)
    new = next(d for d in datasets if file_sales(d) != mysql_sales(settings))  # B, A, B
    ok(settings, "load", str(new), "--replace")
    proc = softcart_process(settings, "ingest", *SOURCE_STREAMS, **SMALL_BATCHES)
    moment = rng_for(f"server-{server}", 0).uniform(0.3, 0.9) * ingested.ingest_seconds
    time.sleep(moment)
    _crash(stack, server)
    ended = kill_at(proc, 300)  # it ends by itself
    assert not ended.killed
    one_clear_line(ended.output)
    if ended.returncode != 0:
        assert NAMES[server] in ended.output, ended.output[-2000:]
        if server == "postgres":
            assert "the connection was lost" in ended.output or "cannot connect" in ended.output
    start_all(stack)  # the server comes back (crash recovery)
    assert raw_sales(settings) in (before, file_sales(new))  # the run published all or nothing
    ok(settings, "ingest", *SOURCE_STREAMS, **SMALL_BATCHES)
    assert raw_sales(settings) == mysql_sales(settings) == file_sales(new)
    assert raw_catalog(settings) == mongo_catalog(settings) == file_catalog(new)
    assert runs_left_running(settings) == 0
