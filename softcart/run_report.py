"""How ``softcart run`` shows the pipeline (softcart/pipeline.py): a rule per step, each layer's own
report (the ingest and reconcile tables, the dbt counts, the export and job reports), and a summary
of what ran, what was skipped and why, and what is where. Only this module and the CLI print."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from softcart.core.settings import Settings
from softcart.pipeline import PipelineResult, Step, StepOutcome

STYLE = {"ok": "[green]ok[/green]", "skipped": "[yellow]skipped[/yellow]", "failed": "[red]failed[/red]"}


def console() -> Console:
    out = Console(stderr=True)
    return out if out.is_terminal else Console(stderr=True, width=200)


def on_start(out: Console) -> Any:
    def start(step: Step) -> None:
        out.rule(f"[bold]{step.name}[/bold]: {step.does}")

    return start


def on_end(out: Console) -> Any:
    def end(outcome: StepOutcome) -> None:
        _render_report(out, outcome)
        out.print(
            f"{STYLE[outcome.status]} {outcome.name}: {outcome.detail} [dim]({outcome.seconds:.1f} s)[/dim]"
        )

    return end


def _render_report(out: Console, outcome: StepOutcome) -> None:
    report = outcome.report
    if report is None:
        return
    if outcome.name == "ingest":
        from ingest.cli import summary_table

        out.print(summary_table(report))
    elif outcome.name == "reconcile" and outcome.status == "failed":
        from ingest.reconcile import reconcile_table

        out.print(reconcile_table(report))
    elif outcome.name == "dbt" and isinstance(report, tuple):
        _, summary = report
        out.print("\n".join(summary.lines()))
    elif outcome.name == "export":
        from softcart.lake.export import print_summary

        print_summary(report, out)
    elif outcome.name == "analytics":
        for _, module, result in report:
            module.report(result, out)


def summary(out: Console, settings: Settings, result: PipelineResult) -> None:
    table = Table(title="softcart run: " + ("[green]succeeded[/green]" if result.ok else "[red]failed[/red]"))
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("result")
    for s in result.steps:
        table.add_row(s.name, f"{s.seconds:.1f}", f"{STYLE[s.status]} {s.detail}")
    out.print(table)
    where = Table(title="what is where", show_header=False)
    where.add_row("dataset", str(result.dataset or "-"))
    where.add_row("MySQL sources", settings.mysql.redacted)
    where.add_row(
        "MongoDB catalog", f"{settings.mongo.redacted} {settings.mongo_database}.{settings.mongo_collection}"
    )
    where.add_row("warehouse", f"{settings.postgres.redacted} (schemas raw, staging, marts, reporting)")
    where.add_row("data lake", settings.lake_url)
    if settings.superset_enabled:
        where.add_row(
            "dashboards (Superset)",
            f"{settings.superset.raw.rstrip('/')}/dashboard/list/ (password: {settings.secrets_file})",
        )
    where.add_row("dbt docs", "softcart docs")
    out.print(where)
    if (failed := result.failed) is not None:
        out.print(f"[red]the run failed at step {failed.name}:[/red] {failed.detail}")
