"""The dbt side of ``softcart dbt-ci`` (softcart/warehouse/dbt_ci.py), one process per target.

``python -m softcart.warehouse.dbt_ci_worker JOB.json`` runs one job and writes its checks to the
job's ``result`` file. dbt is imported once per process and the project parsed once per job (dbt's
partial parsing, from the job's own target dir, kept from run to run):

* ``build`` (PostgreSQL, the CI schemas): ``dbt parse``, then ``dbt build`` with that manifest
  (``dbtRunner(manifest=...)``: no second parse), then ``sqlfluff lint`` of the changed models with
  sqlfluff's dbt templater handed the same manifest (it would otherwise parse the project again);
* ``db2`` (offline): ``dbt compile --target db2`` of the changed models, then sqlfluff's Db2
  parse of their compiled SQL.

Formerly five processes (three of them dbt's, each importing dbt and loading its parse state);
now two, run side by side by dbt_ci.run_ci. The worker runs in the environment its parent gives it
(``dbt_ci._ci_env``): dbt reads the profile's settings from ``os.environ``, and that environment
is this process's own, never the caller's.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from softcart.warehouse.dbt_ci import Check, build_check, db2_parse_check, lint_check, tail


def _dbt_args(job: dict[str, Any], *args: str) -> list[str]:
    return [*args, "--project-dir", job["project_dir"], "--profiles-dir", job["profiles_dir"]]


def run_build(job: dict[str, Any]) -> list[Check]:
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest

    t0 = time.monotonic()
    state = job.get("state_dir")
    parsed = dbtRunner().invoke(_dbt_args(job, "parse"))
    manifest = parsed.result if parsed.success and isinstance(parsed.result, Manifest) else None
    if manifest is None:
        check = Check("dbt build", False, "dbt parse failed", time.monotonic() - t0, job["log"],
                      [tail(str(parsed.exception or ""))])  # fmt: skip
        return [check, Check("sqlfluff lint", False, "not run: dbt parse failed", 0.0)]
    args = ["build"]
    if state:
        args += ["--select", "state:modified+", "--defer", "--state", state]
    built = dbtRunner(manifest=manifest).invoke(_dbt_args(job, *args))
    exception = str(built.exception) if built.exception else ""
    check = build_check(
        built.success, exception, Path(job["target"]), Path(job["out"]), state is not None, t0
    )
    check.log = job["log"]
    return [check, _lint(job, manifest)]


def _lint(job: dict[str, Any], manifest: Any) -> Check:
    """sqlfluff lint of the changed models with the project's .sqlfluff (the dbt templater), on the
    manifest the build parsed."""
    t0 = time.monotonic()
    changed: list[str] = job["changed"]
    if not changed:
        return Check("sqlfluff lint", True, "no changed model", 0.0)
    from sqlfluff.core import FluffConfig, Linter

    linter = Linter(config=FluffConfig.from_root())
    # sqlfluff's dbt templater loads the manifest into a cached property: handed the build's, it
    # compiles the changed models without parsing the project again
    linter.templater.dbt_manifest = manifest  # type: ignore[attr-defined]
    files = [str(Path(job["project_name"]) / path) for path in changed]
    result = linter.lint_paths(tuple(files), processes=1)
    problems: list[str] = []
    for record in result.as_records():
        for v in record["violations"]:
            problems.append(
                f"{record['filepath']}:{v['start_line_no']}:{v['start_line_pos']}: {v['code']} {v['description']}"
            )
    return lint_check(len(changed), problems, time.monotonic() - t0)


def run_db2(job: dict[str, Any]) -> list[Check]:
    from dbt.cli.main import dbtRunner

    t0 = time.monotonic()
    args = list(job["db2_args"])
    if job.get("select"):
        args += ["--select", " ".join(job["select"])]
    compiled = dbtRunner().invoke(_dbt_args(job, *args))
    if not compiled.success:
        return [Check("db2 compile + parse", False, "dbt compile --target db2 failed",
                      time.monotonic() - t0, job["log"], [tail(str(compiled.exception or "see the log"))])]  # fmt: skip
    from sqlfluff.core import FluffConfig, Linter

    linter = Linter(config=FluffConfig(overrides={"dialect": "db2", "templater": "raw"}))
    sql: dict[str, str] = {}
    for path in job["changed"]:
        for found in (Path(job["target"]) / "compiled").glob(f"*/{path}"):
            sql[found.name] = found.read_text()
    problems = []
    for name, text in sorted(sql.items()):
        parsed = linter.parse_string(text, fname=name)
        problems += [f"{name}: {v.desc()}" for v in parsed.violations]
    return [db2_parse_check(len(sql), problems, time.monotonic() - t0, job["log"])]


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    os.chdir(job["root"])  # .sqlfluff and the templater's project_dir are relative to the checkout
    checks = run_build(job) if job["kind"] == "build" else run_db2(job)
    Path(job["result"]).write_text(json.dumps([asdict(c) for c in checks]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
