"""The fault suite's full count (issue 16): ``kill -9`` in 20 ingest runs and 5 each of load, the whole
``dbt build``, export and a whole ``softcart run`` (every step, Spark and dashboard included), the
three servers killed mid-ingest, and 20 corrupted course files. CI runs a few rounds of the same
tests (tests/fault/); this runs them all, by hand:

    SOFTCART_TEST_PORT_OFFSET=... .venv/bin/python bench/fault_rounds.py [--seed 16] [--rounds ingest=20,...]

It runs pytest on tests/fault/ with ``SOFTCART_FAULT_ROUNDS``, ``SOFTCART_FAULT_DBT=build`` and
``SOFTCART_FAULT_RUN_STEPS=all`` (the tests start their own servers on the test ports and check every
count with their own queries), then prints per target: rounds, passed, failed, and the seconds of the
slowest round. Exit 1 when a round failed. Takes long (each dbt build is minutes on 2 busy cores).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
FULL = "ingest=20,load=5,dbt=5,export=5,run=5,corpus=20"
TARGETS = {  # test function -> target
    "test_ingest_killed_then_rerun_is_exact": "ingest",
    "test_load_killed_leaves_one_whole_dataset": "load",
    "test_dbt_killed_then_rerun_is_exact": "dbt build",
    "test_export_killed_leaves_the_lake_agreeing_with_its_manifest": "export",
    "test_softcart_run_killed_then_rerun_is_exact": "softcart run",
    "test_a_server_killed_mid_ingest": "server killed",
    "test_a_corrupted_course_file_is_named_or_loaded_whole": "corrupted file",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", default="16", help="seed of the kill moments and mutations (default 16)")
    parser.add_argument("--rounds", default=FULL, help=f"rounds per target (default {FULL})")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        env = dict(
            os.environ,
            SOFTCART_FAULT_ROUNDS=args.rounds,
            SOFTCART_FAULT_SEED=args.seed,
            SOFTCART_FAULT_DBT="build",
            SOFTCART_FAULT_RUN_STEPS="all",
        )
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "tests/fault",
            f"--junitxml={report}",
            "-p",
            "no:cacheprovider",
        ]
        console.print(
            f"[bold]{' '.join(command[2:])}[/] with SOFTCART_FAULT_ROUNDS={args.rounds}, seed {args.seed}"
        )
        done = subprocess.run(command, cwd=ROOT, env=env)
        if not report.exists():
            console.print("[red]pytest wrote no report[/]")
            return 1
        cases = ET.parse(report).getroot().iter("testcase")
        stats: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
        for case in cases:
            if case.find("skipped") is not None:  # a target given 0 rounds
                continue
            name = case.get("name", "").split("[")[0]
            row = stats[TARGETS.get(name, name)]
            failed = case.find("failure") is not None or case.find("error") is not None
            row[0] += 1
            row[2 if failed else 1] += 1
            row[3] = max(row[3], float(case.get("time", 0)))
    table = Table(title=f"fault rounds (seed {args.seed})")
    for col in ("target", "rounds", "passed", "failed", "slowest round s"):
        table.add_column(col, justify="left" if col == "target" else "right")
    for target, (n, passed, failed, slowest) in stats.items():
        table.add_row(target, str(int(n)), str(int(passed)), str(int(failed)), f"{slowest:.1f}")
    console.print(table)
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
