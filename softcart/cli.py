"""The ``softcart`` command line: a thin layer over the packages that do the work.

Each command imports its implementation lazily, so ``softcart --help`` is instant and a command
only pays for the libraries it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from softcart.core.settings import Settings, load_settings

app = typer.Typer(
    name="softcart",
    help="SoftCart data platform: local stack, sources, ingestion, dbt warehouse, Spark, Airflow, dashboards.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


# --- local stack ---------------------------------------------------------------------------------


def _settings_with_local_secrets() -> Settings:
    """The settings once every local password exists (generated into secrets.env, never printed):
    the commands that start the local servers make their accounts with them."""
    from softcart.core.credentials import ensure_local_secrets

    return ensure_local_secrets(load_settings())


@app.command(rich_help_panel="Local stack")
def up() -> None:
    """Start the local MariaDB, PostgreSQL and MongoDB-wire servers (idempotent) and apply the schemas."""
    from softcart.stack.commands import up as run_up

    raise typer.Exit(run_up(_settings_with_local_secrets()))


@app.command(rich_help_panel="Local stack")
def down(
    purge: Annotated[bool, typer.Option("--purge", help="Also delete the servers' data.")] = False,
) -> None:
    """Stop the local servers started by `softcart up`."""
    from softcart.stack.commands import down as run_down

    raise typer.Exit(run_down(load_settings(), purge=purge))


@app.command(rich_help_panel="Local stack")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    runs: Annotated[int, typer.Option("--runs", help="How many recent ingestion runs to show.")] = 5,
) -> None:
    """Show each service, its URL and whether it answers, and the last ingestion runs."""
    from softcart.stack.commands import status as run_status

    raise typer.Exit(run_status(load_settings(), as_json=as_json, runs=runs))


# --- sources ---------------------------------------------------------------------------------------


@app.command(rich_help_panel="Sources")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the dataset into.")],
    scale: Annotated[
        float, typer.Option("--scale", help="1 = 1,000,000 sales rows; 0.01 = 10,000 rows.")
    ] = 0.01,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 42,
) -> None:
    """Write a deterministic SoftCart dataset in the course's file formats."""
    from softcart.generate.cli import main

    raise typer.Exit(main(out=out, scale=scale, seed=seed))


@app.command(rich_help_panel="Sources")
def load(
    dataset: Annotated[
        Path, typer.Argument(help="A dataset directory (course files or `softcart generate`).")
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Empty the source tables before loading.")
    ] = False,
) -> None:
    """Load a dataset directory into the sources (MySQL, MongoDB) and register its file inputs."""
    from softcart.load.cli import main

    raise typer.Exit(main(load_settings(), dataset, replace=replace))


@app.command("export-catalog", rich_help_panel="Sources")
def export_catalog(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")] = Path("electronics.csv"),
    fields: Annotated[str, typer.Option("--fields", help="Comma-separated fields.")] = "_id,type,model",
) -> None:
    """Export chosen catalog fields to CSV (what `mongoexport --type=csv` does in the course)."""
    from softcart.load.catalog_export import main

    raise typer.Exit(main(load_settings(), out, fields.split(",")))


@app.command(rich_help_panel="Sources")
def simulate(
    seed: Annotated[
        int, typer.Option("--seed", help="Same seed and starting state, same transactions.")
    ] = 42,
    rate: Annotated[
        float, typer.Option("--rate", help="Transactions per second (0: as fast as possible).")
    ] = 10.0,
    count: Annotated[int | None, typer.Option("--count", help="Stop after this many transactions.")] = None,
    duration: Annotated[
        float | None, typer.Option("--duration", help="Stop after this many seconds.")
    ] = None,
) -> None:
    """Run a live shop against the sources: sales that take stock, restocks, corrections, refunds,
    customer moves, catalog edits and removals; print what was committed per kind."""
    from softcart.simulate.cli import main

    raise typer.Exit(main(load_settings(), seed=seed, rate=rate, count=count, duration=duration))


# --- pipeline ------------------------------------------------------------------------------------


@app.command(rich_help_panel="Pipeline")
def ingest(
    stream: Annotated[
        list[str] | None, typer.Option("--stream", "-s", help="Only these streams (repeatable).")
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild the streams from scratch (a new snapshot).")
    ] = False,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow", help="Keep streaming changes until Ctrl-C / SIGTERM (a clean stop after a commit)."
        ),
    ] = False,
) -> None:
    """Land MySQL and MongoDB (and registered files) into PostgreSQL `raw`: catch up and stop, or
    --follow. MySQL streams capture every insert, update and delete from the binlog."""
    if follow and full_refresh:
        typer.echo(
            "error: --follow and --full-refresh do not go together (refresh first, then follow)", err=True
        )
        raise typer.Exit(2)
    if follow:
        from ingest.cli import follow_main

        raise typer.Exit(follow_main(load_settings(), streams=stream or []))
    from ingest.cli import main

    raise typer.Exit(main(load_settings(), streams=stream or [], full_refresh=full_refresh))


@app.command(rich_help_panel="Pipeline")
def reconcile() -> None:
    """Compare each stream's source and warehouse (counts, checksums); non-zero exit on a difference."""
    from ingest.cli import reconcile as run_reconcile

    raise typer.Exit(run_reconcile(load_settings()))


@app.command(rich_help_panel="Pipeline")
def export() -> None:
    """Write the marts to the Parquet data lake, partitioned by year and month."""
    from softcart.lake.export import main

    raise typer.Exit(main(load_settings()))


@app.command(rich_help_panel="Pipeline")
def analyze(
    job: Annotated[str, typer.Argument(help="search-terms | sales | forecast")],
    input_file: Annotated[Path | None, typer.Option("--input", help="search-terms: a CSV file.")] = None,
    term: Annotated[str, typer.Option("--term", help="search-terms: term to count.")] = "gaming laptop",
    top: Annotated[int, typer.Option("--top", help="search-terms: how many top terms.")] = 5,
    model: Annotated[Path | None, typer.Option("--model", help="forecast: a saved model folder.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="forecast: year to predict.")] = None,
) -> None:
    """Run a Spark job on the lake: search-terms, sales, or forecast."""
    from spark.cli import main

    raise typer.Exit(
        main(load_settings(), job, input_file=input_file, term=term, top=top, model=model, year=year)
    )


@app.command(rich_help_panel="Pipeline")
def bi(
    force: Annotated[
        bool, typer.Option("--force", help="Import even when Superset holds this bundle already.")
    ] = False,
) -> None:
    """Sync Superset's datasets from the dbt models and import the dashboards (the pipeline's bi step)."""
    from softcart.stack.commands import bi as run_bi

    raise typer.Exit(run_bi(load_settings(), force=force))


@app.command(rich_help_panel="Pipeline")
def docs(
    port: Annotated[int, typer.Option("--port", help="Port to serve the dbt docs site on.")] = 8080,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only generate the site.")] = False,
) -> None:
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
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    shown = site.production or "the working copy (no build recorded yet: run `softcart run`)"
    typer.echo(f"docs site of {shown}: {site.nodes} models and seeds, in {site.folder}")
    if no_serve:
        return
    try:
        server = make_server(site.folder, port)
    except OSError as exc:
        typer.echo(f"error: cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()


@app.command("dbt-ci", rich_help_panel="Pipeline")
def dbt_ci(
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the throwaway CI schemas (ci_<id>_marts, ...) for a look.")
    ] = False,
) -> None:
    """Validate a dbt change against production: lint the changed models, build them and their
    children in throwaway schemas (unchanged parents read from production: --defer --state), run
    their tests, compile them for Db2, and diff their data against production.

    Production is the manifest of the last build `softcart run` recorded in the warehouse; without
    one, everything is built. Exit 1 on a lint error, a failing test, a broken contract or a Db2
    compile/parse error; a data diff alone does not fail. The diff is also written as JSON.
    """
    from softcart.warehouse.dbt_ci import run_ci, summary_lines

    result = run_ci(load_settings(), keep=keep, progress=lambda line: typer.echo(line, err=True))
    for line in summary_lines(result):
        typer.echo(line)
    raise typer.Exit(0 if result.ok else 1)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    rich_help_panel="Pipeline",
)
def dbt(ctx: typer.Context) -> None:
    """Run dbt with the project's profiles and settings: `softcart dbt build`, `softcart dbt test`."""
    from softcart.warehouse.dbt_runner import run_dbt

    raise typer.Exit(run_dbt(load_settings(), list(ctx.args)))


@app.command(rich_help_panel="Pipeline")
def env(
    with_secrets: Annotated[
        bool, typer.Option("--with-secrets", help="Also print the passwords (secrets.env, URLs, DB2).")
    ] = False,
    port: Annotated[
        int, typer.Option("--port", help="Port of the Airflow UI the Airflow variables name.")
    ] = 8081,
) -> None:
    """Print `export NAME=value` lines for plain dbt, airflow and spark-submit: `eval "$(softcart env)"`."""
    from softcart.shell_env import shell_env

    for line in shell_env(load_settings(), port=port, with_secrets=with_secrets).lines():
        typer.echo(line)


@app.command(
    context_settings={
        "allow_extra_args": True,
        "ignore_unknown_options": True,
        # options after the first argument belong to airflow: `softcart airflow api-server --port 9000`
        "allow_interspersed_args": False,
    },
    rich_help_panel="Pipeline",
)
def airflow(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", help="Port of the Airflow UI (standalone; the API URL of ARGS).")
    ] = 8081,
) -> None:
    """Airflow with the project's setup: no ARGS, start it locally (standalone, SQLite) with the
    project's DAGs; with ARGS, run `airflow ARGS` in the same environment
    (`softcart airflow dags list`, `softcart airflow dags test process_web_log`)."""
    from softcart.stack.airflow import main, run_cli

    settings = load_settings()
    if ctx.args:
        raise typer.Exit(run_cli(settings, list(ctx.args), port=port))
    raise typer.Exit(main(settings, port=port))


@app.command(rich_help_panel="Pipeline")
def run(
    scale: Annotated[float, typer.Option("--scale", help="Scale of the generated dataset.")] = 0.01,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated dataset.")] = 42,
    dataset: Annotated[
        Path | None, typer.Option("--dataset", help="Use this dataset folder instead of generating one.")
    ] = None,
    step: Annotated[
        list[str] | None,
        typer.Option(
            "--step",
            help="Run only this step (repeatable; in pipeline order): up, generate, load, ingest, "
            "reconcile, dbt, export, analytics, bi. The Airflow DAG runs one step per task.",
        ),
    ] = None,
) -> None:
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
        raise typer.Exit(2) from None
    run_report.summary(out, settings, result)
    raise typer.Exit(0 if result.ok else 1)


if __name__ == "__main__":
    app()
