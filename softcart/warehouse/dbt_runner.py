"""Run dbt on the project's warehouse with the connection settings of the rest of the platform.

``softcart dbt build`` == ``dbt build --project-dir dbt_project --profiles-dir profiles`` in the
environment the settings were read from: ``profiles/profiles.yml`` resolves ``SOFTCART_POSTGRES_URL``
/ ``SOFTCART_POSTGRES_PORT`` / ``SOFTCART_POSTGRES_DATABASE`` exactly as
:func:`softcart.core.settings.load_settings` does (tests/dbt/test_profiles.py holds them together), so
plain ``dbt`` and ``softcart dbt`` reach the same warehouse. dbt runs as a subprocess: its global
state (flags, adapters, logging) never leaks into the caller, and the environment it needs is
passed explicitly instead of being written into ``os.environ``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from softcart.core.executables import bin_dir, find_executable
from softcart.core.settings import Settings, load_settings

# dbt sub-commands that take --project-dir / --profiles-dir / --target
_PROJECT_COMMANDS = frozenset(
    {
        "build",
        "run",
        "test",
        "seed",
        "snapshot",
        "compile",
        "show",
        "parse",
        "ls",
        "list",
        "docs",
        "source",
        "run-operation",
        "debug",
        "deps",
        "clean",
        "retry",
        "clone",
    }
)


def dbt_executable() -> str:
    """The ``dbt`` of the interpreter running softcart (the project's venv), else the one on PATH."""
    return find_executable("dbt", "dbt is not installed: run the README's setup command (pip install -e .)")


def dbt_env(settings: Settings) -> dict[str, str]:
    """The environment of the dbt process: the settings' own (the profile reads ``SOFTCART_POSTGRES_*``
    from it), plus the target and dbt's paths."""
    env = dict(settings.env)
    if load_settings(env).postgres != settings.postgres:
        # settings made in code (dataclasses.replace, Url.with_database): the profile then reads
        # their connection from the one variable that overrides the rest
        env["SOFTCART_POSTGRES_URL"] = settings.postgres.raw
    elif settings.is_managed("postgres") and settings.postgres.password:
        # the local server's password (from secrets.env): the profile reads it without a URL
        env["SOFTCART_POSTGRES_PASSWORD"] = settings.postgres.password
    env.update({"SOFTCART_DBT_TARGET": settings.dbt_target, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    # dbt's logs and artifacts go to the data dir, not into the source tree
    env.setdefault("DBT_LOG_PATH", str(settings.logs_dir / "dbt"))
    env.setdefault("DBT_TARGET_PATH", str(target_dir(settings)))
    return env


def target_dir(settings: Settings) -> Path:
    """Where dbt writes its artifacts (compiled SQL, run_results.json, the docs site)."""
    return settings.data_dir / "dbt" / "target"


def dbt_command(settings: Settings, args: list[str]) -> list[str]:
    """The full dbt command line for ``args`` (project and profiles dirs added where they apply)."""
    command = [dbt_executable(), *args]
    sub = next((a for a in args if not a.startswith("-")), None)
    if sub in _PROJECT_COMMANDS:
        if "--project-dir" not in args:
            command += ["--project-dir", str(settings.dbt_project_dir)]
        if "--profiles-dir" not in args and sub not in {"clean", "deps"}:
            command += ["--profiles-dir", str(settings.dbt_profiles_dir)]
    return command


def run_dbt(settings: Settings, args: list[str], extra_env: dict[str, str] | None = None) -> int:
    """Run ``dbt <args>`` against the settings' warehouse; return dbt's exit code."""
    if not args:
        args = ["--help"]
    env = dbt_env(settings)
    env.update(extra_env or {})
    if not sys.stdout.isatty():  # logs and pipes get plain text, not ANSI colour codes
        env.setdefault("DBT_USE_COLORS", "false")
    completed = subprocess.run(dbt_command(settings, args), env=env, check=False)
    return completed.returncode


@dataclass
class RunSummary:
    """What a dbt invocation did, read from its ``run_results.json``."""

    command: str
    elapsed_s: float
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (resource type, status)
    failures: list[str] = field(default_factory=list)
    invocation_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    def lines(self) -> list[str]:
        kinds = sorted({kind for kind, _ in self.counts})
        out = [f"dbt {self.command}: {self.elapsed_s:.1f} s"]
        for kind in kinds:
            parts = [f"{n} {status}" for (k, status), n in sorted(self.counts.items()) if k == kind]
            out.append(f"  {kind}: " + ", ".join(parts))
        out += [f"  FAILED {name}" for name in self.failures]
        return out


def read_run_results(settings: Settings) -> RunSummary:
    """Summarize the last dbt invocation (models, tests, ... by status; failed nodes by name)."""
    path = target_dir(settings) / "run_results.json"
    data = json.loads(path.read_text())
    summary = RunSummary(
        command=" ".join(data.get("args", {}).get("invocation_command", "").split()[1:2]) or "dbt",
        elapsed_s=float(data.get("elapsed_time", 0.0)),
        invocation_id=data.get("metadata", {}).get("invocation_id"),
    )
    for result in data["results"]:
        unique_id: str = result["unique_id"]
        kind = unique_id.split(".", 1)[0]
        status = result["status"]
        summary.counts[(kind, status)] += 1
        if status in {"error", "fail", "runtime error"}:
            summary.failures.append(unique_id)
    return summary


def lint(settings: Settings, paths: list[str] | None = None) -> int:
    """sqlfluff lint of the dbt models (config: .sqlfluff, dbt templater against the settings' PostgreSQL)."""
    sqlfluff = bin_dir() / "sqlfluff"
    command = [str(sqlfluff if sqlfluff.exists() else "sqlfluff"), "lint", *(paths or ["dbt_project/models"])]
    return subprocess.run(command, cwd=settings.root, env=dbt_env(settings), check=False).returncode
