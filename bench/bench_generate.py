"""Benchmark: generate a SoftCart dataset (scale 1 = 1,000,000 sales rows) and print the time,
rows per second per file, and the speed-up over a naive row-by-row writer.

    .venv/bin/python bench/bench_generate.py [--scale 1] [--seed 42] [--no-baseline]

Run by hand (CPU-heavy for a few seconds); nothing here is asserted.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from softcart.generate.dataset import Advance, write_dataset_files
from softcart.generate.sizes import sizes_for


class TimingReporter:
    """Records when each file starts: a file's time runs until the next one starts."""

    def __init__(self) -> None:
        self.starts: list[tuple[str, float]] = []

    def add(self, name: str, total: int) -> Advance:
        self.starts.append((name, time.perf_counter()))
        return lambda rows: None


def naive_oltp_seconds(rows: int, seed: int) -> float:
    """The same kind of file written the obvious way: a Python loop, datetime, csv.writer."""
    import datetime as dt
    import random

    rnd = random.Random(seed)
    start = dt.datetime(2019, 1, 1)
    span = 4 * 365 * 86_400
    began = time.perf_counter()
    stamps = sorted(rnd.randrange(span) for _ in range(rows))
    with tempfile.TemporaryFile("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for s in stamps:
            when = start + dt.timedelta(seconds=s)
            writer.writerow(
                (
                    rnd.randint(1001, 6000),
                    rnd.randint(1, 100_000),
                    rnd.randint(15, 3500),
                    rnd.randint(1, 5),
                    when.strftime("%Y-%m-%d %H:%M:%S"),
                )
            )
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--quick", action="store_true", help="smoke run: scale 0.05")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive row-by-row writer")
    args = parser.parse_args()
    if args.quick:
        args.scale = 0.05
    console = Console()
    sizes = sizes_for(args.scale)

    folder = Path(tempfile.mkdtemp(prefix="softcart-bench-generate-"))
    try:
        reporter = TimingReporter()
        began, cpu_began = time.perf_counter(), time.process_time()
        rows = write_dataset_files(folder, args.scale, args.seed, reporter)
        ended, cpu = time.perf_counter(), time.process_time() - cpu_began
        sizes_on_disk = {name: (folder / name).stat().st_size for name in rows}
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    total = ended - began
    marks = [t for _, t in reporter.starts] + [ended]
    table = Table(title=f"softcart generate --scale {args.scale:g} --seed {args.seed}")
    for column in ("step", "rows", "MB", "seconds", "rows/s"):
        table.add_column(column, justify="left" if column == "step" else "right")
    world = marks[0] - began
    sale_lines = sizes.sales + sizes.facts + sizes.ecommerce
    table.add_row("world (catalog, customers, 3 channels' sales)", f"{sale_lines:,}", "", f"{world:.2f}", "")
    for (name, start), stop in zip(reporter.starts, marks[1:], strict=True):
        seconds = stop - start
        table.add_row(
            name,
            f"{rows[name]:,}",
            f"{sizes_on_disk[name] / 1e6:.1f}",
            f"{seconds:.2f}",
            f"{rows[name] / seconds:,.0f}" if seconds > 0 else "",
        )
    table.add_section()
    table.add_row(
        "total", f"{sum(rows.values()):,}", f"{sum(sizes_on_disk.values()) / 1e6:.1f}", f"{total:.2f}", ""
    )
    console.print(table)
    console.print(f"wall {total:.2f} s, CPU {cpu:.2f} s (wall >> CPU: the machine is busy)")
    console.print(f"sales rows/s (end to end): {rows['oltpdata.csv'] / total:,.0f}")
    console.print(f"all rows/s (end to end):   {sum(rows.values()) / total:,.0f}")

    if not args.no_baseline:
        naive = naive_oltp_seconds(rows["oltpdata.csv"], args.seed)
        oltp_start = reporter.starts[0][1]
        ours = (marks[1] - oltp_start) + world  # world arrays + oltpdata.csv
        console.print(
            f"oltpdata.csv, naive row-by-row writer: {naive:.2f} s vs {ours:.2f} s here "
            f"(incl. generating the whole world): {naive / ours:.1f}x faster"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
