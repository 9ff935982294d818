"""Slim CI of the dbt project (``softcart dbt-ci``, ``make dbt-ci``): validate a change against production.

What it does, against the warehouse the settings name (the production one of ``softcart run``):

1. fetches the **production manifest**, the ``manifest.json`` of the newest build ``softcart run``
   recorded beside its record in ``softcart_meta.warehouse_builds`` (build_plan), into a state dir;
2. finds the **changed models**: the model files whose sha256 differs from the checksum dbt recorded
   for them in that manifest (new files included);
3. runs one worker process (softcart/warehouse/dbt_ci_worker.py), started first so that its
   import of dbt overlaps steps 1-2, with a target dir of its own kept from run to run (dbt's
   partial parsing then re-reads only the changed files). It runs ``dbt parse`` once, then:

   * the build: on that manifest ``dbt build --select state:modified+ --defer --state <state
     dir>`` with every schema prefixed by the checkout's own ``ci_<id>``
     (``SOFTCART_DBT_SCHEMA_PREFIX``, macros/generate_schema_name.sql): the changed models and
     their children are built in ``<prefix>_staging`` / ``_marts`` / ``_reporting`` and tested
     (data tests, unit tests, contracts), every unchanged parent is read from production (dbt's
     deferral: not selected, and absent from the throwaway schemas);
   * beside it (the build runs in a fork of the worker: dbt imported and the project parsed once
     for both): ``sqlfluff lint`` of the changed model files (.sqlfluff: the dbt templater, handed the parsed
     manifest), then the **Db2 compile** of the changed models (``--target db2
     --no-populate-cache``, offline, as tests/dbt/test_dbt_db2.py does) and sqlfluff's ``db2``
     parse of the compiled SQL;

4. a **data diff** of each model the build wrote against its production relation, each as soon as
   dbt reports it built (while dbt builds and tests the rest): row counts, keys added and
   removed, per column the number of changed values and a few examples (the audit columns, which
   every build rewrites, left out);
5. drops the throwaway schemas (``keep=True`` leaves them for a look).

A failing test, a broken contract, a model error, a lint error or a Db2 compile/parse error makes
the result fail; a diff alone does not. Without a production manifest (a fresh clone before
``softcart run``) it says so and builds everything into the throwaway schemas, with no diff.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from softcart.core.settings import Settings
from softcart.warehouse.build_plan import ProductionState, write_production_manifest
from softcart.warehouse.dbt_runner import dbt_env

SCHEMA_PREFIX_ENV = "SOFTCART_DBT_SCHEMA_PREFIX"
# columns every build rewrites (macros audit_columns): a diff of them says nothing about the change
AUDIT_COLUMNS = frozenset({"dbt_updated_at", "dbt_run_id"})
EXAMPLES = 3  # examples per changed column, per added / removed key set
# the offline Db2 compile: a Db2 that is never connected to (--no-populate-cache; the var keeps the
# incremental branch from asking whether the table exists), as tests/dbt/test_dbt_db2.py compiles
DB2_OFFLINE_ENV = {
    "DB2_HOST": "127.0.0.1",
    "DB2_PORT": "1",
    "DB2_DATABASE": "SOFTCART",
    "DB2_USER": "offline",
    "DB2_PASSWORD": "offline",
}
DB2_COMPILE_ARGS = [
    "compile",
    "--target",
    "db2",
    "--no-populate-cache",
    "--vars",
    "{softcart_assume_incremental: true}",
]
_FAILED = {"error", "fail", "runtime error"}
# the CI project's models and tests as dbt parsed them, for the diff (the worker writes them)
CI_NODES = "ci_nodes.json"
# PostgreSQL session settings of the CI build and the diff (libpq and psycopg read PGOPTIONS): the
# CI build is a handful of models and their tests, short queries whose compilation to machine code
# (JIT) cost more than it saved (bi_sales at scale 1: 16.7 s with JIT, 11.4 s without; parallel
# workers kept: 25.8 s without them), as build_plan.INCREMENTAL_PGOPTIONS for the incremental build
CI_PGOPTIONS = "-c jit=off"


@dataclass
class Check:
    """One check of the run: its outcome, what it found, where its full output is."""

    name: str
    ok: bool
    detail: str
    seconds: float
    log: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class ColumnDiff:
    column: str
    changed: int  # rows whose value differs (same key in both)
    examples: list[dict[str, Any]] = field(default_factory=list)  # key, production, ci


@dataclass
class ModelDiff:
    """One model as the CI build wrote it, against the same model in production."""

    model: str
    modified: bool  # its own file changed (else: a child of a change)
    production: str  # relation names
    ci: str
    key: list[str]
    rows_production: int
    rows_ci: int
    keys_added: int
    keys_removed: int
    columns: list[ColumnDiff] = field(default_factory=list)  # only the columns with changes
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    added_examples: list[dict[str, Any]] = field(default_factory=list)
    removed_examples: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    @property
    def changed(self) -> bool:
        return bool(
            self.keys_added
            or self.keys_removed
            or self.columns
            or self.columns_added
            or self.columns_removed
            or self.rows_production != self.rows_ci
        )


@dataclass
class CiResult:
    schema_prefix: str
    out_dir: Path
    production: str | None  # "build 12 (full, 2026-12-02 ...)", None: no production manifest
    changed_files: list[str]
    built: dict[str, str]  # unique id -> status, from the CI build's run_results.json
    checks: list[Check]
    diffs: list[ModelDiff]
    seconds: float
    schemas_dropped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["out_dir"] = str(self.out_dir)
        data["ok"] = self.ok
        for diff, entry in zip(self.diffs, data["diffs"], strict=True):
            entry["changed"] = diff.changed
        return data


Progress = Callable[[str], None]


def run_ci(settings: Settings, *, keep: bool = False, progress: Progress | None = None) -> CiResult:
    """Validate the dbt project of ``settings`` against the production state of its warehouse."""
    say = progress or (lambda _: None)
    started = time.monotonic()
    prefix = schema_prefix(settings)
    work = settings.data_dir / "dbt" / "ci" / prefix  # dbt's target dirs: partial parsing across runs
    out = work / "runs" / time.strftime("%Y%m%dT%H%M%S")
    state_dir = out / "state"
    out.mkdir(parents=True, exist_ok=True)
    env = _ci_env(settings, prefix)
    log = out / "logs" / "build.txt"
    worker = _Worker({**env, **_dbt_paths(work, out, "target")}, settings.root, log)  # imports dbt meanwhile
    checks: list[Check] = []
    built: dict[str, str] = {}
    diffs: list[ModelDiff] = []
    dropped: list[str] = []
    production: str | None = None
    changed: list[str] = []
    lock = None
    try:
        state = write_production_manifest(settings, state_dir)
        production = _describe(state)
        changed = changed_model_files(settings.dbt_project_dir, state.manifest if state else None)
        say(f"production: {production}" if state else "no production manifest: building everything")
        say(f"changed models: {', '.join(changed) if changed else 'none'}")
        lock = _lock(settings, prefix)  # one CI run of a project at a time on a warehouse
        drop_schemas(settings, prefix)  # what a killed run left
        job: dict[str, Any] = {
            "root": str(settings.root),
            "project_dir": str(settings.dbt_project_dir),
            "profiles_dir": str(settings.dbt_profiles_dir),
            "project_name": settings.dbt_project_dir.name,
            "changed": changed,
            "out": str(out),
            "log": str(log),
            "state_dir": str(state_dir) if state else None,
            "lint_log": str(out / "logs" / "lint.txt"),
        }
        if changed:  # the Db2 side: production's schemas, an offline Db2, a target dir of its own
            job["db2"] = {
                "env": {
                    **_dbt_paths(work, out, "target-db2"),
                    **DB2_OFFLINE_ENV,
                    "SOFTCART_DBT_TARGET": "db2",
                },
                "unset": [SCHEMA_PREFIX_ENV, "PGOPTIONS"],  # the SQL Db2 would run: production's schemas
                "args": [*DB2_COMPILE_ARGS, "--no-write-json"],  # only the compiled SQL is read
                "select": [Path(p).stem for p in changed] if state is not None else [],
                "log": str(out / "logs" / "db2.txt"),
            }
        events = worker.start(job)
        diff = _Differ(settings, state.manifest, out / CI_NODES, changed) if state is not None else None
        t0 = time.monotonic()
        try:
            for line in events:  # as the worker reports: the diff of a model as soon as dbt built it
                kind, *rest = line.split()
                if diff is not None and kind == "built" and rest[1] == "success":
                    found = diff.model(rest[0])
                    if found is not None:
                        diffs.append(found)
        finally:
            if diff is not None:
                diff.close()
        diff_seconds = time.monotonic() - t0
        (build_check,) = worker.checks(out / "build.json", ["dbt build"], log)
        built = _built(out)
        say(_line(build_check))
        if changed:
            (lint_check,) = worker.checks(out / "lint.json", ["sqlfluff lint"], Path(job["lint_log"]))
            (db2_check,) = worker.checks(out / "db2.json", ["db2 compile + parse"], Path(job["db2"]["log"]))
        else:
            lint_check = Check("sqlfluff lint", True, "no changed model", 0.0)
            db2_check = Check("db2 compile + parse", True, "no changed model", 0.0)
        say(_line(lint_check))
        say(_line(db2_check))
        checks = [lint_check, build_check, db2_check]
        if diff is not None:
            diffs.sort(key=lambda d: d.model)
            say(f"data diff: {len(diffs)} models compared, {sum(d.changed for d in diffs)} differ "
                f"({diff.seconds:.1f} s, during the build's {diff_seconds:.1f} s)")  # fmt: skip
    finally:
        worker.stop()
        if lock is not None:
            if not keep:
                dropped = drop_schemas(settings, prefix)
            lock.close()
    result = CiResult(
        schema_prefix=prefix,
        out_dir=out,
        production=production,
        changed_files=changed,
        built=built,
        checks=checks,
        diffs=diffs,
        seconds=time.monotonic() - started,
        schemas_dropped=dropped,
    )
    (out / "diff.json").write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
    return result


def schema_prefix(settings: Settings) -> str:
    """The throwaway schemas' prefix of a CI run of this checkout's dbt project: ``ci_<hash of its
    path>``. Stable for a checkout, so that dbt's partial parsing survives from run to run (the
    schema names are rendered at parse time: a new name per run meant a full parse each time);
    one run at a time per checkout and warehouse (an advisory lock); dropped after each run."""
    digest = hashlib.sha256(str(settings.dbt_project_dir.resolve()).encode()).hexdigest()
    return "ci_" + digest[:10]


def _lock(settings: Settings, prefix: str) -> Any:
    """A session advisory lock on the prefix, held until the connection closes."""
    from softcart.core.connections import postgres_connect

    conn = postgres_connect(settings, "softcart-dbt-ci-lock", autocommit=True)
    conn.execute("select pg_advisory_lock(hashtext(%s))", (prefix,))
    return conn


def _describe(state: ProductionState | None) -> str | None:
    if state is None:
        return None
    return f"build {state.build_id} ({state.kind}, {state.finished_at})"


def _line(check: Check) -> str:
    return f"{check.name}: {'ok' if check.ok else 'FAILED'}: {check.detail} ({check.seconds:.1f} s)"


def changed_model_files(project_dir: Path, manifest: dict[str, Any] | None) -> list[str]:
    """The model files (relative to the project) whose content differs from the production
    manifest's checksum of them, or that it does not know; every model without a manifest."""
    known: dict[str, str] = {}
    for node in (manifest or {}).get("nodes", {}).values():
        if node.get("resource_type") == "model":
            known[node["original_file_path"]] = node.get("checksum", {}).get("checksum", "")
    changed = []
    for path in sorted((project_dir / "models").rglob("*.sql")):
        rel = path.relative_to(project_dir).as_posix()
        # dbt's checksum of a model: sha256 of the file's stripped UTF-8 text (dbt.parser.read_files)
        digest = hashlib.sha256(path.read_bytes().decode().strip().encode()).hexdigest()
        if manifest is None or known.get(rel) != digest:
            changed.append(rel)
    return changed


def _ci_env(settings: Settings, prefix: str) -> dict[str, str]:
    env = dbt_env(settings)
    env[SCHEMA_PREFIX_ENV] = prefix
    env.setdefault("DBT_USE_COLORS", "false")
    env.pop("SOFTCART_DBT_TEST_SCOPE", None)  # CI tests every row
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {CI_PGOPTIONS}".strip()
    return env


class _Worker:
    """The dbt_ci_worker process, started before its job is known: it imports dbt meanwhile. Its
    output goes to ``log``; its events come back on a pipe of their own (one line each)."""

    def __init__(self, env: dict[str, str], root: Path, log: Path) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self._read, self._write = os.pipe()
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "softcart.warehouse.dbt_ci_worker"],
                env=env,
                cwd=root,
                stdin=subprocess.PIPE,
                stdout=sink,
                stderr=subprocess.STDOUT,
                pass_fds=(self._write,),
                start_new_session=True,  # its group (it and its fork) is stopped together
            )
        os.close(self._write)

    def start(self, job: dict[str, Any]) -> Iterator[str]:
        """Hand the worker its job; its event lines until it exits."""
        assert self.process.stdin is not None
        try:
            with self.process.stdin as stdin:
                stdin.write(json.dumps({**job, "events_fd": self._write}).encode())
        except BrokenPipeError:
            pass  # it died: checks() says how
        with os.fdopen(self._read, closefd=False) as events:
            yield from events

    def checks(self, path: Path, names: list[str], log: Path) -> list[Check]:
        """The checks the worker wrote to ``path`` once it exits; a crash fails each of them, with
        the tail of ``log``."""
        code = self.process.wait()
        if path.is_file():
            return [Check(**c) for c in json.loads(path.read_text())]
        output = log.read_text(errors="replace") if log.is_file() else ""
        return [Check(n, False, f"dbt-ci worker exited {code}", 0.0, str(log), [tail(output)]) for n in names]

    def stop(self) -> None:
        if self.process.poll() is None:  # an error or an interrupt here: stop it and its fork
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait()
        os.close(self._read)


def _dbt_paths(work: Path, out: Path, name: str) -> dict[str, str]:
    """dbt's target dir kept across runs (partial parsing), its log in this run's folder."""
    return {"DBT_TARGET_PATH": str(work / name), "DBT_LOG_PATH": str(out / "logs" / name)}


def build_check(success: bool, error: str, out: Path, deferred: bool, t0: float) -> Check:
    """The build's check from its run_results.json (in ``out``), the statuses in ``problems``."""
    results_path = out / "run_results.json"
    built: dict[str, str] = {}
    problems: list[str] = []
    if results_path.is_file():
        for result in json.loads(results_path.read_text())["results"]:
            built[result["unique_id"]] = result["status"]
            if result["status"] in _FAILED:
                message = " ".join(str(result.get("message") or "").split())
                problems.append(f"{result['unique_id']}: {result['status']}: {message[:300]}")
    if not success and not problems:
        problems.append(tail(error or "dbt build failed: see the log"))
    counts: dict[str, int] = {}
    for unique_id, status in built.items():
        key = f"{unique_id.split('.', 1)[0]} {status}"
        counts[key] = counts.get(key, 0) + 1
    detail = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing to build"
    scope = "state:modified+ deferred to production" if deferred else "everything"
    return Check("dbt build", success and not problems, f"{scope}: {detail}", time.monotonic() - t0,
                 None, problems)  # fmt: skip


def _built(out: Path) -> dict[str, str]:
    path = out / "run_results.json"
    if not path.is_file():
        return {}
    return {r["unique_id"]: r["status"] for r in json.loads(path.read_text())["results"]}


def lint_check(files: int, problems: list[str], seconds: float) -> Check:
    detail = f"{files} changed model(s)" + (f", {len(problems)} violation(s)" if problems else "")
    return Check("sqlfluff lint", not problems, detail, seconds, None, problems)


def db2_parse_check(compiled: int, problems: list[str], seconds: float, log: str) -> Check:
    if not compiled:
        return Check("db2 compile + parse", True, "no compiled model to parse", seconds, log)
    detail = f"{compiled} model(s) compiled for Db2, " + ("not all parse" if problems else "all parse")
    return Check("db2 compile + parse", not problems, detail, seconds, log, problems[:20])


def tail(output: str, lines: int = 8) -> str:
    return " | ".join(line.strip() for line in output.strip().splitlines()[-lines:])


# --- the data diff ---------------------------------------------------------------------------


def _key_of(node: dict[str, Any], manifest: dict[str, Any]) -> tuple[list[str], bool]:
    """The model's key (columns) and whether it is a primary key (NOT NULL): its contract's primary
    key, else the columns of a unique test on it; empty when it has none."""
    for constraint in node.get("constraints", []):
        if constraint.get("type") == "primary_key" and constraint.get("columns"):
            return list(constraint["columns"]), True
    for name, column in node.get("columns", {}).items():
        if any(c.get("type") == "primary_key" for c in column.get("constraints", [])):
            return [name], True
    for test in manifest.get("nodes", {}).values():
        meta = test.get("test_metadata") or {}
        if test.get("resource_type") != "test" or test.get("attached_node") != node["unique_id"]:
            continue
        kwargs = meta.get("kwargs", {})
        if meta.get("name") == "unique" and kwargs.get("column_name"):
            return [kwargs["column_name"]], False
        if meta.get("name") == "softcart_unique_combination" and kwargs.get("columns"):
            return list(kwargs["columns"]), False
    return [], False


class _Differ:
    """The data diff of the CI build's models against production, one model at a time as dbt
    reports it built (the CI project's models and tests as the worker parsed them: ci_nodes.json)."""

    def __init__(self, settings: Settings, production: dict[str, Any], ci_manifest: Path, changed: list[str]):
        self.settings, self.production = settings, production
        self.ci_manifest, self.changed = ci_manifest, changed
        self.ci: dict[str, Any] | None = None
        self.conn: Any = None
        self.seconds = 0.0

    def model(self, unique_id: str) -> ModelDiff | None:
        """The diff of ``unique_id`` (a node the build wrote), None for anything but a model that
        production has too."""
        if not unique_id.startswith("model."):
            return None
        t0 = time.monotonic()
        try:
            return self._model(unique_id)
        finally:
            self.seconds += time.monotonic() - t0

    def _model(self, unique_id: str) -> ModelDiff | None:
        if self.ci is None:
            self.ci = json.loads(self.ci_manifest.read_text())
        node = self.ci["nodes"].get(unique_id)
        prod_node = self.production.get("nodes", {}).get(unique_id)
        if node is None or prod_node is None or node["config"].get("materialized") == "ephemeral":
            return None
        if self.conn is None:
            from softcart.core.connections import postgres_connect

            self.conn = postgres_connect(self.settings, "softcart-dbt-ci", autocommit=True)
            self.conn.execute("set jit = off")  # CI_PGOPTIONS: counts and joins of a few relations
        key, not_null = _key_of(node, self.ci)
        return _diff_relation(
            self.conn,
            node["name"],
            node["original_file_path"] in self.changed,
            (prod_node["schema"], prod_node.get("alias") or prod_node["name"]),
            (node["schema"], node.get("alias") or node["name"]),
            key,
            not_null,
        )

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _columns(conn: Any, relation: tuple[str, str]) -> dict[str, str]:
    rows = conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute as a"
        " join pg_class as c on c.oid = a.attrelid join pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped"
        " order by a.attnum",
        relation,
    ).fetchall()
    return {str(name): str(kind) for name, kind in rows}


def _diff_relation(
    conn: Any,
    model: str,
    modified: bool,
    prod: tuple[str, str],
    ci: tuple[str, str],
    key: list[str],
    key_not_null: bool,
) -> ModelDiff:
    from psycopg import sql

    prod_cols, ci_cols = _columns(conn, prod), _columns(conn, ci)
    names = {"production": ".".join(prod), "ci": ".".join(ci)}
    base = ModelDiff(model, modified, names["production"], names["ci"], key, 0, 0, 0, 0)
    if not prod_cols:
        base.rows_ci = conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(*ci))
        ).fetchone()[0]
        base.keys_added = base.rows_ci
        base.note = "not in production"
        return base
    base.columns_added = [c for c in ci_cols if c not in prod_cols]
    base.columns_removed = [c for c in prod_cols if c not in ci_cols]
    compared = [c for c in ci_cols if c in prod_cols and c not in AUDIT_COLUMNS and c not in key]
    if not key or any(k not in prod_cols or k not in ci_cols for k in key):
        # no key to match rows by: the row counts only (a whole-row EXCEPT of a view over every
        # sale would cost more than the build it checks)
        count = sql.SQL("select count(*) from {}")
        base.rows_production = conn.execute(count.format(sql.Identifier(*prod))).fetchone()[0]
        base.rows_ci = conn.execute(count.format(sql.Identifier(*ci))).fetchone()[0]
        base.note = "no key (no primary key or unique test): row counts only"
        return base

    if key_not_null:
        join: sql.Composable = sql.SQL(" and ").join(
            sql.Composed([sql.Identifier("p", k), sql.SQL(" = "), sql.Identifier("c", k)]) for k in key
        )
        key_column: sql.Composable = sql.SQL("")
    else:
        # a key with NULLs: matched on the text of the key's row (a NULL and '' differ there), since a
        # full join needs an equality PostgreSQL can hash or merge (`is not distinct from` is neither)
        key_column = sql.SQL(", cast(row({}) as text) as softcart_ci_key").format(
            sql.SQL(", ").join(sql.Identifier(k) for k in key)
        )
        join = sql.SQL("p.softcart_ci_key = c.softcart_ci_key")

    def differs(column: str) -> sql.Composable:
        p, c = sql.Identifier("p", column), sql.Identifier("c", column)
        if prod_cols[column] != ci_cols[column]:  # another type: compare the text of the values
            return sql.SQL("cast({} as text) is distinct from cast({} as text)").format(p, c)
        return sql.SQL("{} is distinct from {}").format(p, c)

    both = sql.SQL("p.softcart_ci_present and c.softcart_ci_present")
    counts = [
        sql.SQL("count(p.softcart_ci_present)"),
        sql.SQL("count(c.softcart_ci_present)"),
        sql.SQL("count(*) filter (where p.softcart_ci_present is null)"),
        sql.SQL("count(*) filter (where c.softcart_ci_present is null)"),
        *(sql.SQL("count(*) filter (where {} and {})").format(both, differs(col)) for col in compared),
    ]
    source = sql.SQL(
        "(select *, true as softcart_ci_present{k} from {p}) as p"
        " full outer join (select *, true as softcart_ci_present{k} from {c}) as c on {join}"
    ).format(p=sql.Identifier(*prod), c=sql.Identifier(*ci), join=join, k=key_column)
    row = conn.execute(sql.SQL("select {} from {}").format(sql.SQL(", ").join(counts), source)).fetchone()
    base.rows_production, base.rows_ci, base.keys_added, base.keys_removed = row[:4]
    key_sql = sql.SQL(", ").join(
        sql.SQL("coalesce({}, {})").format(sql.Identifier("p", k), sql.Identifier("c", k)) for k in key
    )

    def examples(where: sql.Composable, extra: list[sql.Composable]) -> list[tuple[Any, ...]]:
        query = sql.SQL("select {} from {} where {} order by {} limit {}").format(
            sql.SQL(", ").join([key_sql, *extra]) if extra else key_sql,
            source,
            where,
            key_sql,
            sql.Literal(EXAMPLES),
        )
        return [tuple(r) for r in conn.execute(query).fetchall()]

    def key_dict(values: tuple[Any, ...]) -> dict[str, Any]:
        return dict(zip(key, values, strict=True))

    if base.keys_added:
        base.added_examples = [key_dict(r) for r in examples(sql.SQL("p.softcart_ci_present is null"), [])]
    if base.keys_removed:
        base.removed_examples = [key_dict(r) for r in examples(sql.SQL("c.softcart_ci_present is null"), [])]
    for column, changed in zip(compared, row[4:], strict=True):
        if not changed:
            continue
        rows = examples(
            sql.SQL("{} and {}").format(both, differs(column)),
            [sql.Identifier("p", column), sql.Identifier("c", column)],
        )
        base.columns.append(
            ColumnDiff(
                column,
                int(changed),
                [
                    {"key": key_dict(r[: len(key)]), "production": r[len(key)], "ci": r[len(key) + 1]}
                    for r in rows
                ],
            )
        )
    return base


def drop_schemas(settings: Settings, prefix: str) -> list[str]:
    """Drop the throwaway schemas of the CI run ``prefix`` (``<prefix>_*``)."""
    from psycopg import sql

    from softcart.core.connections import postgres_connect

    if not prefix.startswith("ci_"):
        raise ValueError(f"not a CI schema prefix: {prefix!r}")
    with postgres_connect(settings, "softcart-dbt-ci", autocommit=True) as conn:
        names = [
            str(r[0])
            for r in conn.execute(
                "select nspname from pg_namespace where starts_with(nspname, %s) order by nspname",
                (prefix + "_",),
            ).fetchall()
        ]
        for name in names:
            conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))
    return names


def summary_lines(result: CiResult) -> list[str]:
    """The run as a table (the CLI prints it)."""
    lines = [
        f"production: {result.production or 'no production manifest (run `softcart run` first): built everything'}",
        f"changed models: {', '.join(result.changed_files) or 'none'}",
        "",
    ]
    for check in result.checks:
        lines.append(_line(check))
        lines += [f"    {p}" for p in check.problems[:20]]
    if result.diffs:
        lines += ["", "data diff against production (audit columns left out):"]
        header = ("model", "rows prod", "rows ci", "+keys", "-keys", "changed columns")
        rows = [
            (
                ("* " if d.modified else "  ") + d.model,
                f"{d.rows_production:,}",
                f"{d.rows_ci:,}",
                f"{d.keys_added:,}",
                f"{d.keys_removed:,}",
                ", ".join(f"{c.column} ({c.changed:,})" for c in d.columns)
                + "".join(f" +{c}" for c in d.columns_added)
                + "".join(f" -{c}" for c in d.columns_removed)
                + (f" [{d.note}]" if d.note else "")
                or "-",
            )
            for d in result.diffs
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, *rows]:
            lines.append(
                "  ".join(
                    v.ljust(w) if i in (0, 5) else v.rjust(w)
                    for i, (v, w) in enumerate(zip(r, widths, strict=True))
                ).rstrip()
            )
        lines.append("(* = changed model; the others are its children)")
        for d in result.diffs:
            for c in d.columns:
                for ex in c.examples:
                    lines.append(f"  {d.model}.{c.column} {ex['key']}: {ex['production']!r} -> {ex['ci']!r}")
    lines += [
        "",
        f"diff and results: {result.out_dir / 'diff.json'}",
        f"{'OK' if result.ok else 'FAILED'} in {result.seconds:.1f} s"
        + (f"; dropped {len(result.schemas_dropped)} CI schemas" if result.schemas_dropped else ""),
    ]
    return lines
