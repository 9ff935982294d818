"""The ``softcart`` command line: a thin layer over the packages that do the work.

Each command imports its implementation lazily, so ``softcart --help`` is instant and a command
only pays for the libraries it uses. The command is built with click, not typer: typer 0.29 builds
a pydantic TypeAdapter for every parameter it parses, which cost a no-op ``softcart ingest`` a
third of its CPU (issue 17); click parses the same options with its own types.
"""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from softcart.core.settings import Settings, load_settings


@contextmanager
def _start_up() -> Iterator[None]:
    """Import a command's modules without the cyclic garbage collector, then freeze them (issue 17:
    a no-op `softcart ingest`). Imports allocate tens of thousands of objects that live as long as
    the process, and the collector traversed them again and again while they loaded: a fifth of
    the CPU of the imports. Frozen (``gc.freeze``), later collections skip them; the collector is
    on for the command's work."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


# MySQL's codes for a server that cannot be reached or refuses the login: no database access
# denied (1044), wrong password (1045), unknown database (1049), cannot connect (2003, 2005), gone
# or lost (2006, 2013); not a lock wait or a deadlock
_MYSQL_UNREACHABLE = {1044, 1045, 1049, 2003, 2005, 2006, 2013}


def _server_of(exc: BaseException) -> tuple[str, str] | None:
    """(server, settings prefix) when ``exc`` says a source or the warehouse cannot be reached (a
    refused connection, a wrong password, a missing database); looked up only in the libraries
    the command imported: nothing is imported for this."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):
        # the connection's own failure (no SQLSTATE: it never got as far as a statement) or a
        # connection exception (class 08); not a cancelled query, a deadlock, ...
        state = getattr(exc, "sqlstate", None)
        if type(exc) is psycopg.OperationalError or (state or "").startswith("08"):
            return "PostgreSQL", "SOFTCART_POSTGRES"
    pymysql_err = sys.modules.get("pymysql.err")
    if (
        pymysql_err is not None
        and isinstance(exc, pymysql_err.OperationalError)
        and exc.args
        and exc.args[0] in _MYSQL_UNREACHABLE
    ):
        return "MySQL", "SOFTCART_MYSQL"
    pymongo_errors = sys.modules.get("pymongo.errors")
    if pymongo_errors is not None and isinstance(exc, pymongo_errors.ConnectionFailure):
        return "MongoDB", "SOFTCART_MONGO"
    return None


def unreachable_server(exc: BaseException) -> str | None:
    """Why ``exc`` says a server cannot be reached, in one line; None for any other exception."""
    found = _server_of(exc)
    if found is None:
        return None
    server, prefix = found
    text = " ".join(str(exc).split()).rstrip(".")
    return (
        f"cannot reach {server}: {text} (`softcart up` starts the local servers;"
        f" `softcart env` prints the {prefix}_* settings)"
    )


class _Sections(click.Group):
    """``--help`` lists the commands in sections, in the order they are defined. A command that
    cannot reach a server ends with one line saying which and why, exit 1, not a traceback."""

    sections: dict[str, str] = {}  # command name -> section

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            why = unreachable_server(exc)
            if why is None:
                raise
            click.echo(f"softcart {ctx.invoked_subcommand}: {why}", err=True)
            raise SystemExit(1) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed: dict[str, list[tuple[str, str]]] = {}
        limit = formatter.width - 6 - max((len(n) for n in self.commands), default=0)
        for name, cmd in self.commands.items():
            if not cmd.hidden:
                row = (name, cmd.get_short_help_str(limit))
                listed.setdefault(self.sections.get(name, "Commands"), []).append(row)
        for title, rows in listed.items():
            with formatter.section(title):
                formatter.write_dl(rows)


@click.group(
    cls=_Sections,
    help="SoftCart data platform: local stack, sources, ingestion, dbt warehouse, Spark, Airflow, dashboards.",
    context_settings={"show_default": True, "max_content_width": 110},
)
def app() -> None:
    pass


def command(
    section: str, name: str | None = None, **settings: Any
) -> Callable[[Callable[..., None]], click.Command]:
    """``@app.command`` listed under ``section`` in ``softcart --help``."""

    def decorate(f: Callable[..., None]) -> click.Command:
        cmd = app.command(name, **settings)(f)
        _Sections.sections[cmd.name or f.__name__] = section
        return cmd

    return decorate


def _path(**kwargs: Any) -> click.Path:
    return click.Path(path_type=Path, **kwargs)


# --- local stack ---------------------------------------------------------------------------------


def _settings_with_local_secrets() -> Settings:
    """The settings once every local password exists (generated into secrets.env, never printed):
    the commands that start the local servers make their accounts with them."""
    from softcart.core.credentials import ensure_local_secrets

    return ensure_local_secrets(load_settings())


@command("Local stack")
def up() -> None:
    """Start the local MariaDB, PostgreSQL and MongoDB-wire servers (idempotent) and apply the schemas."""
    from softcart.stack.commands import up as run_up

    raise SystemExit(run_up(_settings_with_local_secrets()))


@command("Local stack")
@click.option("--purge", is_flag=True, help="Also delete the servers' data.")
def down(purge: bool) -> None:
    """Stop the local servers started by `softcart up`."""
    from softcart.stack.commands import down as run_down

    raise SystemExit(run_down(load_settings(), purge=purge))


@command("Local stack")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--runs", default=5, help="How many recent ingestion runs to show.")
def status(as_json: bool, runs: int) -> None:
    """Show each service, its URL and whether it answers, and the last ingestion runs."""
    from softcart.stack.commands import status as run_status

    raise SystemExit(run_status(load_settings(), as_json=as_json, runs=runs))


# --- sources ---------------------------------------------------------------------------------------


@command("Sources")
@click.option("--out", type=_path(), required=True, help="Folder to write the dataset into.")
@click.option("--scale", default=0.01, help="1 = 1,000,000 sales rows; 0.01 = 10,000 rows.")
@click.option("--seed", default=42, help="Same seed, same bytes.")
def generate(out: Path, scale: float, seed: int) -> None:
    """Write a deterministic SoftCart dataset in the course's file formats."""
    from softcart.generate.cli import main

    raise SystemExit(main(out=out, scale=scale, seed=seed))


@command("Sources")
@click.argument("dataset", type=_path())
@click.option("--replace", is_flag=True, help="Empty the source tables before loading.")
def load(dataset: Path, replace: bool) -> None:
    """Load a dataset directory into the sources (MySQL, MongoDB) and register its file inputs.

    DATASET: a dataset directory (course files or `softcart generate`)."""
    from softcart.load.cli import main

    raise SystemExit(main(load_settings(), dataset, replace=replace))


@command("Sources", "export-catalog")
@click.option("--out", type=_path(), default=Path("electronics.csv"), help="CSV file to write.")
@click.option("--fields", default="_id,type,model", help="Comma-separated fields.")
def export_catalog(out: Path, fields: str) -> None:
    """Export chosen catalog fields to CSV (what `mongoexport --type=csv` does in the course)."""
    from softcart.load.catalog_export import main

    raise SystemExit(main(load_settings(), out, fields.split(",")))


@command("Sources")
@click.option("--seed", default=42, help="Same seed and starting state, same transactions.")
@click.option("--rate", default=10.0, help="Transactions per second (0: as fast as possible).")
@click.option("--count", type=int, help="Stop after this many transactions.")
@click.option("--duration", type=float, help="Stop after this many seconds.")
def simulate(seed: int, rate: float, count: int | None, duration: float | None) -> None:
    """Run a live shop against the sources: sales that take stock, restocks, corrections, refunds,
    customer moves, catalog edits and removals; print what was committed per kind."""
    from softcart.simulate.cli import main

    raise SystemExit(main(load_settings(), seed=seed, rate=rate, count=count, duration=duration))


# --- pipeline ------------------------------------------------------------------------------------


@command("Pipeline")
@click.option("--stream", "-s", multiple=True, help="Only these streams (repeatable).")
@click.option("--full-refresh", is_flag=True, help="Rebuild the streams from scratch (a new snapshot).")
@click.option(
    "--follow",
    is_flag=True,
    help="Keep streaming changes until Ctrl-C / SIGTERM (a clean stop after a commit).",
)
def ingest(stream: tuple[str, ...], full_refresh: bool, follow: bool) -> None:
    """Land MySQL and MongoDB (and registered files) into PostgreSQL `raw`: catch up and stop, or
    --follow. MySQL streams capture every insert, update and delete from the binlog."""
    if follow and full_refresh:
        click.echo(
            "error: --follow and --full-refresh do not go together (refresh first, then follow)", err=True
        )
        raise SystemExit(2)
    if follow:
        from ingest.cli import follow_main

        raise SystemExit(follow_main(load_settings(), streams=list(stream)))
    settings = load_settings()
    with _start_up():
        # a --full-refresh starts its MongoDB snapshot reads first: the server's scan then overlaps
        # the imports below and the run's setup (ingest/sources/mongo_read.py)
        from ingest.sources.mongo_read import start_snapshot_reads

        reads = start_snapshot_reads(settings, list(stream), full_refresh)
        from ingest.cli import main
    code = main(settings, streams=list(stream), full_refresh=full_refresh, reads=reads)
    gc.freeze()  # the process ends now: its exit need not look for cycles among every module's objects
    _no_wait_for_pymongo_threads()
    raise SystemExit(code)


def _no_wait_for_pymongo_threads() -> None:
    """At exit pymongo stops and joins its monitor threads (``atexit``: ``_shutdown_resources`` of
    ``pymongo.synchronous.monitor``), and a thread notices the stop only when its 0.5 s sleep
    (pymongo's minimum heartbeat interval) ends: up to half a second of a no-op run's wall time
    (issue 17: 0.81 s, of which 0.3-0.5 s this wait after the output, seen with strace). The commands
    that call this (ingest, reconcile, run) closed every client they opened; the threads are daemons,
    told to stop, and end with the process, so the command does not wait for them."""
    monitor = sys.modules.get("pymongo.synchronous.monitor")
    shutdown = getattr(monitor, "_shutdown_resources", None)
    if shutdown is not None:
        atexit.unregister(shutdown)


@command("Pipeline")
def reconcile() -> None:
    """Compare each stream's source and warehouse (counts, checksums); non-zero exit on a difference."""
    from ingest.cli import reconcile as run_reconcile

    code = run_reconcile(load_settings())
    _no_wait_for_pymongo_threads()
    raise SystemExit(code)


@command("Pipeline")
def export() -> None:
    """Write the marts to the Parquet data lake, partitioned by year and month."""
    from softcart.lake.export import main

    raise SystemExit(main(load_settings()))


@command("Pipeline")
@click.argument("job")
@click.option("--input", "input_file", type=_path(), help="search-terms: a CSV file.")
@click.option("--term", default="gaming laptop", help="search-terms: term to count.")
@click.option("--top", default=5, help="search-terms: how many top terms.")
@click.option("--model", type=_path(), help="forecast: a saved model folder.")
@click.option("--year", type=int, help="forecast: year to predict.")
def analyze(
    job: str, input_file: Path | None, term: str, top: int, model: Path | None, year: int | None
) -> None:
    """Run a Spark job on the lake: JOB is search-terms, sales, or forecast."""
    from spark.cli import main

    raise SystemExit(
        main(load_settings(), job, input_file=input_file, term=term, top=top, model=model, year=year)
    )


@command("Pipeline")
@click.option("--force", is_flag=True, help="Import even when Superset holds this bundle already.")
def bi(force: bool) -> None:
    """Sync Superset's datasets from the dbt models and import the dashboards (the pipeline's bi step)."""
    from softcart.stack.commands import bi as run_bi

    raise SystemExit(run_bi(load_settings(), force=force))


@command("Pipeline")
@click.option("--port", default=8080, help="Port to serve the dbt docs site on.")
@click.option("--no-serve", is_flag=True, help="Only generate the site.")
def docs(port: int, no_serve: bool) -> None:
    """Generate the dbt docs site of production and serve it on 127.0.0.1.

    The site shows the project as the last build `softcart run` recorded in the warehouse built it
    (its manifest), with the warehouse's columns and row counts; the lineage opens without the
    tests (tick them under "resources").
    """
    from softcart.warehouse.docs_site import DocsError, build_site, make_server

    settings = load_settings()
    try:
        site = build_site(settings)
    except DocsError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from exc
    shown = site.production or "the working copy (no build recorded yet: run `softcart run`)"
    click.echo(f"docs site of {shown}: {site.nodes} models and seeds, in {site.folder}")
    if no_serve:
        return
    try:
        server = make_server(site.folder, port)
    except OSError as exc:
        click.echo(f"error: cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()


@command("Pipeline", "dbt-ci")
@click.option("--keep", is_flag=True, help="Keep the throwaway CI schemas (ci_<id>_marts, ...) for a look.")
def dbt_ci(keep: bool) -> None:
    """Validate a dbt change against production: lint the changed models, build them and their
    children in throwaway schemas (unchanged parents read from production: --defer --state), run
    their tests, compile them for Db2, and diff their data against production.

    Production is the manifest of the last build `softcart run` recorded in the warehouse; without
    one, everything is built. Exit 1 on a lint error, a failing test, a broken contract or a Db2
    compile/parse error; a data diff alone does not fail. The diff is also written as JSON.
    """
    from softcart.warehouse.dbt_ci import run_ci, summary_lines

    result = run_ci(load_settings(), keep=keep, progress=lambda line: click.echo(line, err=True))
    for line in summary_lines(result):
        click.echo(line)
    raise SystemExit(0 if result.ok else 1)


@command("Pipeline", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@click.pass_context
def dbt(ctx: click.Context) -> None:
    """Run dbt with the project's profiles and settings: `softcart dbt build`, `softcart dbt test`."""
    from softcart.warehouse.dbt_runner import run_dbt

    raise SystemExit(run_dbt(load_settings(), list(ctx.args)))


@command("Pipeline")
@click.option("--with-secrets", is_flag=True, help="Also print the passwords (secrets.env, URLs, DB2).")
@click.option("--port", default=8081, help="Port of the Airflow UI the Airflow variables name.")
def env(with_secrets: bool, port: int) -> None:
    """Print `export NAME=value` lines for plain dbt, airflow and spark-submit: `eval "$(softcart env)"`."""
    from softcart.shell_env import shell_env

    for line in shell_env(load_settings(), port=port, with_secrets=with_secrets).lines():
        click.echo(line)


@command(
    "Pipeline",
    context_settings={
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        # options after the first argument belong to airflow: `softcart airflow api-server --port 9000`
        "allow_interspersed_args": False,
    },
)
@click.option("--port", default=8081, help="Port of the Airflow UI (standalone; the API URL of ARGS).")
@click.pass_context
def airflow(ctx: click.Context, port: int) -> None:
    """Airflow with the project's setup: no ARGS, start it locally (standalone, SQLite) with the
    project's DAGs; with ARGS, run `airflow ARGS` in the same environment
    (`softcart airflow dags list`, `softcart airflow dags test process_web_log`)."""
    from softcart.stack.airflow import main, run_cli

    settings = load_settings()
    if ctx.args:
        raise SystemExit(run_cli(settings, list(ctx.args), port=port))
    raise SystemExit(main(settings, port=port))


@command("Pipeline")
@click.option("--scale", default=0.01, help="Scale of the generated dataset.")
@click.option("--seed", default=42, help="Seed of the generated dataset.")
@click.option("--dataset", type=_path(), help="Use this dataset folder instead of generating one.")
@click.option(
    "--step",
    multiple=True,
    help="Run only this step (repeatable; in pipeline order): up, generate, load, ingest, "
    "reconcile, dbt, export, analytics, bi. The Airflow DAG runs one step per task.",
)
def run(scale: float, seed: int, dataset: Path | None, step: tuple[str, ...]) -> None:
    """The main job: up → generate → load → ingest → reconcile → dbt → export → Spark → BI (Superset).

    Each step says what it did, or that it was skipped and why (a dataset the sources already hold,
    no new rows to build, an unchanged lake); the first failing step stops the run (exit 1).
    """
    from softcart import pipeline, run_report

    settings = _settings_with_local_secrets() if not step or "up" in step else load_settings()
    out = run_report.console()
    params = pipeline.RunParams(scale=scale, seed=seed, dataset=dataset)
    try:
        result = pipeline.run(
            settings,
            params,
            only=step or (),
            on_start=run_report.on_start(out),
            on_end=run_report.on_end(out),
        )
    except ValueError as exc:
        out.print(f"[red]error:[/red] {exc}")
        raise SystemExit(2) from None
    run_report.summary(out, settings, result)
    _no_wait_for_pymongo_threads()  # load, ingest and reconcile closed their clients
    raise SystemExit(0 if result.ok else 1)


if __name__ == "__main__":
    app()
