"""The ``softcart`` command itself: its help, its options, and what its start imports (issue 17: a
no-op ``softcart ingest`` pays for every import of the command's start)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from softcart.cli import _Sections, app, unreachable_server


def softcart(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "softcart.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_help_lists_every_command_in_its_section() -> None:
    out = softcart("--help")
    assert out.returncode == 0, out.stderr
    listed: dict[str, str] = {}
    section = None
    for line in out.stdout.splitlines():
        if line and not line.startswith(" ") and line.endswith(":") and line != "Options:":
            section = line[:-1]
        elif section and line.startswith("  ") and line.strip():
            listed[line.split()[0]] = section
    assert listed == {name: _Sections.sections[name] for name in app.commands}
    assert list(dict.fromkeys(listed.values())) == ["Local stack", "Sources", "Pipeline"]


def test_ingest_options_reach_the_command() -> None:
    out = softcart("ingest", "-s", "no_such_stream", "--stream", "nor_this_one")
    assert out.returncode == 2
    assert "unknown stream(s): no_such_stream, nor_this_one" in out.stdout
    out = softcart("ingest", "--follow", "--full-refresh")
    assert out.returncode == 2 and "do not go together" in out.stderr
    out = softcart("ingest", "--no-such-option")
    assert out.returncode == 2 and "No such option" in out.stderr


def test_the_command_starts_without_typer_pydantic_or_the_source_clients() -> None:
    """The options are parsed by click alone (typer 0.29 built a pydantic adapter per option), and
    a command imports its implementation only when it runs."""
    probe = (
        "import sys\n"
        "from softcart.cli import app\n"
        "try:\n"
        "    app(['ingest', '--follow', '--full-refresh'])\n"
        "except SystemExit as exc:\n"
        "    print(exc.code)\n"
        "heavy = ('typer', 'pydantic', 'rich', 'psycopg', 'pymysql', 'pymongo', 'ingest')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = softcart(code=probe)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["2", "[]"]


def test_the_commands_do_not_wait_for_pymongos_monitor_threads_at_exit() -> None:
    """``ingest``, ``reconcile`` and ``run`` unregister pymongo's exit hook, which joins its monitor
    threads (each notices the stop only after a 0.5 s sleep): held against the installed pymongo, so
    a renamed hook does not silently bring the wait back. The probe: the hook calls the module's
    ``_shutdown_monitors`` at exit, replaced here by one that says so."""
    probe = (
        "import pymongo.synchronous.monitor as m\n"
        "from softcart.cli import _no_wait_for_pymongo_threads\n"
        "m._shutdown_monitors = lambda: print('joined the monitor threads')\n"
    )
    hooked = softcart(code=probe)
    assert hooked.returncode == 0, hooked.stderr
    assert hooked.stdout.strip() == "joined the monitor threads"  # the hook runs at exit unless...
    unhooked = softcart(code=probe + "_no_wait_for_pymongo_threads()\n")
    assert unhooked.returncode == 0, unhooked.stderr
    assert unhooked.stdout.strip() == ""


def test_a_server_that_cannot_be_reached_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTCART_")}
    env.update({"SOFTCART_DATA_DIR": str(tmp_path), "SOFTCART_POSTGRES_PORT": str(port)})
    out = subprocess.run(
        [sys.executable, "-m", "softcart.cli", "dbt-ci"], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    (line,) = [x for x in out.stderr.splitlines() if "cannot reach" in x]
    assert line.startswith("softcart dbt-ci: cannot reach PostgreSQL:") and f"port {port}" in line
    assert "SOFTCART_POSTGRES_*" in line


def test_which_errors_say_a_server_cannot_be_reached() -> None:
    import psycopg
    import pymongo.errors
    import pymysql.err

    assert (unreachable_server(psycopg.OperationalError("connection refused")) or "").startswith(
        "cannot reach PostgreSQL: connection refused"
    )
    assert "cannot reach MySQL" in (unreachable_server(pymysql.err.OperationalError(2003, "refused")) or "")
    timeout = pymongo.errors.ServerSelectionTimeoutError("127.0.0.1:1: refused")
    assert "cannot reach MongoDB" in (unreachable_server(timeout) or "")
    assert unreachable_server(ValueError("bad value")) is None
    assert unreachable_server(psycopg.errors.UniqueViolation("duplicate key")) is None  # not a connection
    assert unreachable_server(psycopg.errors.QueryCanceled("canceling statement")) is None  # nor this
    assert unreachable_server(pymysql.err.OperationalError(1213, "Deadlock found")) is None
