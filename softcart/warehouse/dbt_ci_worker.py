"""The dbt side of ``softcart dbt-ci`` (softcart/warehouse/dbt_ci.py): one process, dbt imported once.

``python -m softcart.warehouse.dbt_ci_worker`` imports dbt first, then reads its job
(JSON) from stdin: dbt_ci.run_ci starts it before reading the production state, so the imports
overlap that. Then, with the job's target dir (kept from run to run: dbt's partial parsing
re-reads only the changed files):

1. ``dbt parse`` (PostgreSQL, the CI schemas); a copy of its manifest for the data diff (the build
   rewrites the target dir's when it ends);
2. a fork (the imports and the parsed manifest shared, copy-on-write: nothing imported or parsed
   twice) runs ``dbt build`` on the parsed manifest (``dbtRunner(manifest=...)``: no second
   parse), and reports each node as dbt finishes it on the job's events pipe, so the caller diffs
   a model while dbt builds the rest;
3. meanwhile this process runs the side checks, into their own log: ``sqlfluff lint`` of the
   changed models with sqlfluff's dbt templater handed the parsed manifest (it would otherwise
   parse the project again), then the **Db2 compile** of the changed models in the Db2
   environment of the job (``dbt compile --target db2``, offline, its own target dir) and
   sqlfluff's Db2 parse of the compiled SQL. These stay in the process that parsed: dbt's static
   parser keeps a thread pool that a fork does not inherit, and the Db2 parse needs it.

Events, one line each: ``built <unique id> <status>``.
Checks go to ``build.json`` (the build) and ``side.json`` (lint, Db2) in the run's folder.

Formerly five processes (three of them dbt's), then two (one per target, each importing dbt and
loading its parse state); now one, and its fork. The worker runs in the environment its parent
gives it (``dbt_ci._ci_env``): dbt reads the profile's settings from ``os.environ``, and that
environment is this process's own, never the caller's; the side checks switch it to Db2's once the
build has forked off with its own copy.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from softcart.warehouse.dbt_ci import Check, build_check, db2_parse_check, lint_check, tail


def _dbt_args(job: dict[str, Any], *args: str) -> list[str]:
    return [*args, "--project-dir", job["project_dir"], "--profiles-dir", job["profiles_dir"]]


def _emit(job: dict[str, Any], line: str) -> None:
    """One event line to the caller (a write below PIPE_BUF is atomic across dbt's threads)."""
    os.write(job["events_fd"], (line + "\n").encode())


def parse(job: dict[str, Any]) -> Any:
    """``dbt parse``: the manifest, or None; its manifest.json copied for the caller's diff."""
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest

    parsed = dbtRunner().invoke(_dbt_args(job, "parse"))
    if not (parsed.success and isinstance(parsed.result, Manifest)):
        job["parse_error"] = tail(str(parsed.exception or "see the log"))
        return None
    # the build rewrites target/manifest.json when it ends: the diff reads this copy meanwhile
    shutil.copy(Path(job["target"]) / "manifest.json", Path(job["out"]) / "manifest.json")
    return parsed.result


def run_build(job: dict[str, Any], manifest: Any, t0: float) -> Check:
    from dbt.cli.main import dbtRunner

    if manifest is None:
        return Check("dbt build", False, "dbt parse failed", time.monotonic() - t0, job["log"],
                     [job.get("parse_error", "")])  # fmt: skip

    def finished(msg: Any) -> None:
        if msg.info.name == "NodeFinished":
            _emit(job, f"built {msg.data.node_info.unique_id} {msg.data.run_result.status}")

    state = job.get("state_dir")
    args = ["build"]
    if state:
        args += ["--select", "state:modified+", "--defer", "--state", state]
    built = dbtRunner(manifest=manifest, callbacks=[finished]).invoke(_dbt_args(job, *args))
    exception = str(built.exception) if built.exception else ""
    check = build_check(
        built.success, exception, Path(job["target"]), Path(job["out"]), state is not None, t0
    )
    check.log = job["log"]
    return check


def _lint(job: dict[str, Any], manifest: Any) -> Check:
    """sqlfluff lint of the changed models with the project's .sqlfluff (the dbt templater), on the
    manifest dbt parsed (before the build: a deferred build's manifest does not compile with the
    templater's own dbt flags). A file the templater skips is a problem, not a pass."""
    t0 = time.monotonic()
    changed: list[str] = job["changed"]
    if not changed:
        return Check("sqlfluff lint", True, "no changed model", 0.0)
    if manifest is None:
        return Check("sqlfluff lint", False, "not run: dbt parse failed", 0.0)
    from sqlfluff.core import FluffConfig, Linter

    linter = Linter(config=FluffConfig.from_root())
    # sqlfluff's dbt templater loads the manifest into a cached property: handed dbt's, it
    # compiles the changed models without parsing the project again
    linter.templater.dbt_manifest = manifest  # type: ignore[attr-defined]
    files = [str(Path(job["project_name"]) / path) for path in changed]
    result = linter.lint_paths(tuple(files), processes=1)
    problems: list[str] = []
    linted = set()
    for record in result.as_records():
        linted.add(Path(record["filepath"]).resolve())
        for v in record["violations"]:
            problems.append(
                f"{record['filepath']}:{v['start_line_no']}:{v['start_line_pos']}: {v['code']} {v['description']}"
            )
    problems += [f"{f}: not linted (the dbt templater skipped it: see the log)" for f in files
                 if Path(f).resolve() not in linted]  # fmt: skip
    return lint_check(len(changed), problems, time.monotonic() - t0)


def run_db2(job: dict[str, Any]) -> Check:
    """The Db2 compile of the changed models and sqlfluff's Db2 parse of their SQL, in this
    process's environment switched to the job's Db2 one."""
    from dbt.cli.main import dbtRunner

    t0 = time.monotonic()
    db2 = job["db2"]
    for name in db2["unset"]:
        os.environ.pop(name, None)
    os.environ.update(db2["env"])
    args = list(db2["args"])
    if db2.get("select"):
        args += ["--select", " ".join(db2["select"])]
    compiled = dbtRunner().invoke(_dbt_args(job, *args))
    if not compiled.success:
        return Check("db2 compile + parse", False, "dbt compile --target db2 failed",
                     time.monotonic() - t0, db2["log"], [tail(str(compiled.exception or "see the log"))])  # fmt: skip
    from sqlfluff.core import FluffConfig, Linter

    linter = Linter(config=FluffConfig(overrides={"dialect": "db2", "templater": "raw"}))
    sql: dict[str, str] = {}
    for path in job["changed"]:
        for found in (Path(db2["env"]["DBT_TARGET_PATH"]) / "compiled").glob(f"*/{path}"):
            sql[found.name] = found.read_text()
    problems = []
    for name, text in sorted(sql.items()):
        parsed = linter.parse_string(text, fname=name)
        problems += [f"{name}: {v.desc()}" for v in parsed.violations]
    return db2_parse_check(len(sql), problems, time.monotonic() - t0, db2["log"])


def _side(job: dict[str, Any], manifest: Any) -> None:
    """Lint, then the Db2 compile, their output to their own log, their checks to side.json."""
    fd = os.open(job["db2"]["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    checks = [_lint(job, manifest), run_db2(job)]
    Path(job["out"], "side.json").write_text(json.dumps([asdict(c) for c in checks]))


def _build(job: dict[str, Any], manifest: Any, t0: float) -> None:
    check = run_build(job, manifest, t0)
    Path(job["out"], "build.json").write_text(json.dumps([asdict(check)]))


def main() -> NoReturn:
    # imported before the job arrives: the caller reads the production state meanwhile (sqlfluff
    # only where the lint runs)
    import dbt.cli.main  # noqa: F401
    import dbt.contracts.graph.manifest  # noqa: F401

    job = json.loads(sys.stdin.read())
    os.chdir(job["root"])  # .sqlfluff and the templater's project_dir are relative to the checkout
    t0 = time.monotonic()
    manifest = parse(job)
    if not job["changed"]:  # neither lint nor Db2 has anything to do
        _build(job, manifest, t0)
        _exit(0)
    sys.stdout.flush()
    sys.stderr.flush()
    # The build goes to the fork: it never parses. The parse may have started the thread pool of
    # dbt's static parser (dbt-extractor, Rust's rayon), whose threads a fork does not inherit: the
    # Db2 parse uses that pool again, so it stays in this process, which owns the threads.
    build = os.fork()
    if build == 0:
        code = 0
        try:
            _build(job, manifest, t0)
        except BaseException:
            traceback.print_exc()
            code = 1
        _exit(code)
    os.close(job["events_fd"])  # the build's alone: the caller sees its end when the build exits
    try:
        _side(job, manifest)
    finally:
        _, status = os.waitpid(build, 0)
    _exit(os.waitstatus_to_exitcode(status))


def _exit(code: int) -> NoReturn:
    """Out, once the results are written: the exit handlers (multiprocessing's finalizers, e.g.
    the semaphores of the adapters dbt registered; a fork runs only its own), without the
    interpreter's teardown of everything dbt loaded (1.6-2 s per process at load 7)."""
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    main()
