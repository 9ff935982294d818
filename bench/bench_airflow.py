"""Benchmark: the Airflow DAG ``softcart_elt`` against ``softcart run`` on the same change, in one run.

Both runners execute the one pipeline definition (softcart/pipeline.py): the CLI in one process, the
DAG one task per step (``airflow dags test``: every task in its own process, as a scheduler would
run them, without a scheduler's polling). Each round adds the same number of new OLTP sales to
MySQL, then times one runner as a whole process (start to exit); the rounds alternate CLI and DAG.
Goal (issue "one pipeline, one state"): the DAG's median at most 1.5x the CLI's.

    .venv/bin/python bench/bench_airflow.py [--scale 0.01] [--rounds 3] [--new-sales 100]

It starts a stack of its own (ports 33306/35432/37017/38088 unless SOFTCART_*_PORT say otherwise) in a
temporary data dir, runs a first full ``softcart run``, and removes everything at the end. Run by
hand; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from softcart.core.connections import mysql_connect
from softcart.core.credentials import ensure_local_secrets
from softcart.core.settings import Settings, load_settings
from softcart.stack.airflow import dags_test, migrate

GOAL = 1.5
console = Console()


def softcart(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "softcart.cli", *args], env=dict(settings.env), capture_output=True, text=True
    )


def add_sales(settings: Settings, n: int) -> None:
    conn = mysql_connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`)"
                f" SELECT product_id, customer_id, price, quantity, `timestamp` FROM sales_data LIMIT {int(n)}"
            )
        conn.commit()
    finally:
        conn.close()


def timed(fn: object) -> float:
    started = time.perf_counter()
    done = fn()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed:\n{(done.stdout + done.stderr)[-4000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--new-sales", type=int, default=100, help="new OLTP sales before each timed run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="softcart-bench-airflow-") as tmp:
        env = dict(os.environ)
        # its own servers, Superset included: a developer's stack on the default ports keeps running
        for name, port in (("MYSQL", 33306), ("POSTGRES", 35432), ("MONGO", 37017), ("SUPERSET", 38088)):
            env.setdefault(f"SOFTCART_{name}_PORT", str(port))
        env["SOFTCART_DATA_DIR"] = str(Path(tmp) / "data")
        # the local passwords now (the first run would generate them after this process read its settings)
        settings = ensure_local_secrets(load_settings(env))
        home = Path(tmp) / "airflow"
        run_args = ["run", "--scale", f"{args.scale:g}", "--seed", str(args.seed)]
        try:
            console.print(f"first softcart run (scale {args.scale:g}) and airflow db migrate ...")
            first = timed(lambda: softcart(settings, *run_args))
            assert migrate(settings, home=home).returncode == 0
            conf = {"scale": args.scale, "seed": args.seed, "dataset": ""}
            # one untimed DAG run: the lake results and the build record exist for both runners
            add_sales(settings, args.new_sales)
            timed(lambda: dags_test(settings, "softcart_elt", conf=conf, home=home))
            cli: list[float] = []
            dag: list[float] = []
            for round_ in range(args.rounds):
                add_sales(settings, args.new_sales)
                cli.append(timed(lambda: softcart(settings, *run_args)))
                add_sales(settings, args.new_sales)
                dag.append(timed(lambda: dags_test(settings, "softcart_elt", conf=conf, home=home)))
                console.print(
                    f"round {round_ + 1}: softcart run {cli[-1]:.1f} s, softcart_elt {dag[-1]:.1f} s"
                )
            idle_cli = timed(lambda: softcart(settings, *run_args))
            idle_dag = timed(lambda: dags_test(settings, "softcart_elt", conf=conf, home=home))
        finally:
            softcart(settings, "down", "--purge")

    table = Table(
        title=f"incremental run after {args.new_sales} new sales (scale {args.scale:g}), whole process"
    )
    for col in ("runner", "median s", "min-max s", "x CLI", "goal", "verdict"):
        table.add_column(col, justify="left" if col in ("runner", "verdict") else "right")
    c, d = statistics.median(cli), statistics.median(dag)
    table.add_row("softcart run", f"{c:.1f}", f"{min(cli):.1f}-{max(cli):.1f}", "1.00", "", "")
    ratio = d / c
    verdict = "[green]met[/green]" if ratio <= GOAL else "[red]not met[/red]"
    table.add_row(
        "softcart_elt (airflow dags test)",
        f"{d:.1f}",
        f"{min(dag):.1f}-{max(dag):.1f}",
        f"{ratio:.2f}",
        f"<= {GOAL}",
        verdict,
    )
    table.add_row(
        "softcart run, nothing new",
        f"{idle_cli:.1f}",
        "",
        f"{idle_cli / c:.2f}",
        "< 5 s",
        "[green]met[/green]" if idle_cli < 5 else "[red]not met[/red]",
    )
    table.add_row("softcart_elt, nothing new", f"{idle_dag:.1f}", "", f"{idle_dag / c:.2f}", "", "")
    console.print(table)
    console.print(f"first full softcart run: {first:.1f} s; rounds: {args.rounds}")


if __name__ == "__main__":
    main()
