"""The dbt side of ``softcart dbt-ci`` (softcart/warehouse/dbt_ci.py): one process, dbt imported once.

``python -m softcart.warehouse.dbt_ci_worker`` imports dbt first, then reads its job
(JSON) from stdin: dbt_ci.run_ci starts it before reading the production state, so the imports
overlap that. Then, with the job's target dirs (kept from run to run: dbt's partial parsing
re-reads only the changed files):

1. a first fork, made before anything is parsed (the imports shared, copy-on-write), runs the
   **Db2 compile** of the changed models in the Db2 environment of the job (``dbt compile --target
   db2``, offline, its own target dir) and sqlfluff's Db2 parse of the compiled SQL, beside
   steps 2-4. It is made before the parse because dbt's static parser (dbt-extractor) keeps a
   thread pool (Rust's rayon) that starts with the first parse and that a fork does not inherit:
   forked before it, each process starts its own (a Db2 parse in a fork made after the parse hung);
2. ``dbt parse`` (PostgreSQL, the CI schemas), without writing dbt's artifacts; its models and
   tests for the data diff (``ci_nodes.json``);
3. a second fork (the parsed manifest shared too: nothing imported or parsed twice) runs ``dbt
   build`` on the parsed manifest (``dbtRunner(manifest=...)``: no second parse), and reports each
   node as dbt finishes it on the job's events pipe, so the caller diffs a model while dbt builds
   the rest;
4. meanwhile this process runs ``sqlfluff lint`` of the changed models with sqlfluff's dbt
   templater handed the parsed manifest (it would otherwise parse the project again).

The lint and the Db2 side run niced (``SIDE_NICENESS``): they are not on the critical path, the
parse and the build are.

Events, one line each: ``built <unique id> <status>``. Checks go to ``build.json``, ``lint.json``
and ``db2.json`` in the run's folder, each process's output to its log.

Formerly five processes (three of them dbt's), then two (one per target, each importing dbt and
loading its parse state), then one that ran the Db2 side after the lint; now one and two forks.
The worker runs in the environment its parent gives it (``dbt_ci._ci_env``): dbt reads the
profile's settings from ``os.environ``, and that environment is this process's own, never the
caller's; the Db2 fork switches its copy to Db2's.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from softcart.warehouse.dbt_ci import CI_NODES, Check, build_check, db2_parse_check, lint_check, tail

SIDE_NICENESS = 10  # the lint's and the Db2 side's (the build and the parse keep the caller's)


def _dbt_args(job: dict[str, Any], *args: str) -> list[str]:
    return [*args, "--project-dir", job["project_dir"], "--profiles-dir", job["profiles_dir"]]


def _emit(job: dict[str, Any], line: str) -> None:
    """One event line to the caller (a write below PIPE_BUF is atomic across dbt's threads)."""
    os.write(job["events_fd"], (line + "\n").encode())


def parse(job: dict[str, Any]) -> Any:
    """``dbt parse`` (no artifacts written): the manifest, or None; its models and tests written
    for the caller's diff (``ci_nodes.json``: what the diff reads of them, as manifest.json holds
    them; writing dbt's whole manifest took 0.2-0.3 s before the build could start)."""
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest

    parsed = dbtRunner().invoke(_dbt_args(job, "parse", "--no-write-json"))
    if not (parsed.success and isinstance(parsed.result, Manifest)):
        job["parse_error"] = tail(str(parsed.exception or "see the log"))
        return None
    nodes = {uid: node.to_dict() for uid, node in parsed.result.nodes.items()
             if node.resource_type in ("model", "test")}  # fmt: skip
    Path(job["out"], CI_NODES).write_text(json.dumps({"nodes": nodes}))
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
    # no artifacts in the target dir (dbt's graph.gpickle before the first node, its manifest at
    # the end): the results are written where the caller reads them
    args = ["build", "--no-write-json"]
    if state:
        args += ["--select", "state:modified+", "--defer", "--state", state]
    built = dbtRunner(manifest=manifest, callbacks=[finished]).invoke(_dbt_args(job, *args))
    if built.result is not None and hasattr(built.result, "write"):
        built.result.write(str(Path(job["out"], "run_results.json")))
    exception = str(built.exception) if built.exception else ""
    check = build_check(built.success, exception, Path(job["out"]), state is not None, t0)
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


def _to_log(path: str) -> None:
    """This process's output (dbt's, sqlfluff's) to ``path``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _side(job: dict[str, Any], log: str, name: str, check: Callable[[], Check]) -> None:
    """A side check (the lint, the Db2 compile and parse): its output to its own ``log``, its
    check to ``<name>.json`` in the run's folder. At a lower CPU priority than the build (and the
    parse before it): the side checks end seconds before the build does, so on a machine whose
    cores they all want (2 cores: the build, its queries, the lint, the Db2 side) they take what the
    build leaves instead of stretching it."""
    os.nice(SIDE_NICENESS)
    _to_log(log)
    Path(job["out"], f"{name}.json").write_text(json.dumps([asdict(check())]))


def _build(job: dict[str, Any], manifest: Any, t0: float) -> None:
    check = run_build(job, manifest, t0)
    Path(job["out"], "build.json").write_text(json.dumps([asdict(check)]))


def main() -> NoReturn:
    # The imports and the parse allocate hundreds of thousands of objects that live as long as the
    # process (dbt's classes, the serializers mashumaro generates for them, the parsed project):
    # without the cyclic collector, which traversed them again and again while they loaded (0.2-0.3 s
    # of the 1.3 s import), then frozen (``gc.freeze``: later collections, and the build's fork,
    # leave them alone), as softcart/cli.py starts a command.
    gc.disable()
    # imported before the job arrives: the caller reads the production state meanwhile (sqlfluff
    # only where the lint runs)
    import dbt.cli.main  # noqa: F401
    import dbt.contracts.graph.manifest  # noqa: F401

    job = json.loads(sys.stdin.read())
    os.chdir(job["root"])  # .sqlfluff and the templater's project_dir are relative to the checkout
    t0 = time.monotonic()
    # The Db2 side goes to a fork made before anything is parsed: it parses for Db2 on its own
    # anyway, and it runs beside this process's parse and the build instead of after the lint. Forked
    # here, with the imports done and one thread: the thread pool of dbt's static parser
    # (dbt-extractor, Rust's rayon), which a fork does not inherit, starts with the first parse, so
    # each process starts its own (a Db2 parse in a fork made after the parse hung).
    db2 = (
        _fork(job, lambda: _side(job, job["db2"]["log"], "db2", lambda: run_db2(job)))
        if job["changed"]
        else None
    )
    manifest = parse(job)
    gc.freeze()
    gc.enable()
    if not job["changed"]:  # neither lint nor Db2 has anything to do
        _build(job, manifest, t0)
        _exit(0)
    # The build goes to a fork (the parsed manifest shared, copy-on-write): it never parses. The
    # lint stays here.
    build = _fork(job, lambda: _build(job, manifest, t0), events=True)
    os.close(job["events_fd"])  # the build's alone: the caller sees its end when the build exits
    try:
        _side(job, job["lint_log"], "lint", lambda: _lint(job, manifest))
    finally:
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in (build, db2) if pid]
    _exit(max(codes, default=0))


def _fork(job: dict[str, Any], work: Callable[[], None], *, events: bool = False) -> int:
    """``work`` in a forked child (its exit code: 1 on an exception); the child's pid. Only the
    build's child keeps the events pipe."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        if not events:
            os.close(job["events_fd"])
        work()
    except BaseException:
        traceback.print_exc()
        code = 1
    _exit(code)


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
