"""Generate a whole dataset directory, atomically: files are written into a temporary folder
beside the target and renamed in only once all of them are complete.

Files already in the target folder that the generator does not write are left alone; the dataset
files it writes are replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from softcart.generate.accesslog import accesslog_lines
from softcart.generate.calendar import dim_date_lines
from softcart.generate.catalog import generate_catalog
from softcart.generate.customers import generate_customers
from softcart.generate.formats import FILE_FORMATS, DatasetFileWriter, csv_lines
from softcart.generate.inventory import inventory_lines
from softcart.generate.sales import (
    ecommerce_chunks,
    fact_sales_chunks,
    generate_sales,
    oltp_chunks,
    year_day_weights,
)
from softcart.generate.searchterms import searchterm_lines
from softcart.generate.sizes import sizes_for
from softcart.generate.world import CATEGORIES, COUNTRIES, ECOMMERCE_YEAR, N_DAYS

# one independent random stream per part of the world, so changing how one file is made
# leaves the others' bytes as they were
STREAMS = ("catalog", "customers", "sales", "searchterms", "accesslog", "factsales", "ecommerce")

Advance = Callable[[int], None]


class Reporter(Protocol):
    """Progress of the files being written: ``add`` a file, then advance it row by row."""

    def add(self, name: str, total: int) -> Advance: ...


class _NoProgress:
    def add(self, name: str, total: int) -> Advance:
        return lambda rows: None


class _RichProgress:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def add(self, name: str, total: int) -> Advance:
        task = self._progress.add_task(name, total=total)
        return lambda rows: self._progress.advance(task, rows)


@contextlib.contextmanager
def _progress(enabled: bool, console: Console | None) -> Iterator[Reporter]:
    if not enabled:
        yield _NoProgress()
        return
    with Progress(
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
    ) as progress:
        yield _RichProgress(progress)


def _write(
    folder: Path, name: str, chunks: Iterable[tuple[bytes, int]], total: int, progress: Reporter
) -> int:
    advance = progress.add(name, total)
    with DatasetFileWriter(folder, name) as writer:
        for lines, rows in chunks:
            writer.write(lines, rows)
            advance(rows)
    return writer.rows


def _lazy(make_lines: Callable[[], bytes]) -> Iterator[tuple[bytes, int]]:
    """One chunk, made only when the writer asks for it (so progress and timings see the work)."""
    lines = make_lines()
    yield lines, lines.count(b"\n")


def write_dataset_files(folder: Path, scale: float, seed: int, progress: Reporter) -> dict[str, int]:
    """Write every dataset file into ``folder``; return the data rows of each (header excluded)."""
    sizes = sizes_for(scale)
    streams = dict(zip(STREAMS, np.random.SeedSequence(seed).spawn(len(STREAMS)), strict=True))

    def rng(name: str) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(streams[name]))

    catalog = generate_catalog(rng("catalog"), sizes.products)
    customers = generate_customers(rng("customers"), sizes.customers)
    sales = generate_sales(rng("sales"), sizes.sales, catalog, customers)
    facts = generate_sales(rng("factsales"), sizes.facts, catalog, customers)
    orders = generate_sales(
        rng("ecommerce"), sizes.ecommerce, catalog, customers, year_day_weights(ECOMMERCE_YEAR)
    )
    category_ids = pa.array(np.arange(1, len(CATEGORIES) + 1))
    country_ids = pa.array(np.arange(1, len(COUNTRIES) + 1))

    # name -> (rows, chunks of lines); every chunk is made lazily, while its file is written
    files: dict[str, tuple[int, Iterable[tuple[bytes, int]]]] = {
        "oltpdata.csv": (len(sales), oltp_chunks(sales, catalog, customers)),
        "catalog.json": (len(catalog), _lazy(catalog.json_lines)),
        "customers.csv": (len(customers), _lazy(customers.csv_lines)),
        "inventory.csv": (len(catalog), _lazy(lambda: inventory_lines(catalog.product_id, seed))),
        "DimDate.csv": (N_DAYS, _lazy(dim_date_lines)),
        "DimCategory.csv": (
            len(CATEGORIES),
            _lazy(lambda: csv_lines([category_ids, pa.array(CATEGORIES)])),
        ),
        "DimCountry.csv": (len(COUNTRIES), _lazy(lambda: csv_lines([country_ids, pa.array(COUNTRIES)]))),
        "FactSales.csv": (len(facts), fact_sales_chunks(facts, catalog, customers)),
        "ecommerce.csv": (len(orders), ecommerce_chunks(orders, catalog)),
        "searchterms.csv": (
            sizes.searches,
            _lazy(lambda: searchterm_lines(rng("searchterms"), sizes.searches)),
        ),
        "accesslog.txt": (
            sizes.log_lines,
            _lazy(lambda: accesslog_lines(rng("accesslog"), sizes.log_lines, catalog)),
        ),
    }
    assert list(files) == list(FILE_FORMATS)
    rows = {name: _write(folder, name, chunks, total, progress) for name, (total, chunks) in files.items()}
    for name, (total, _) in files.items():
        if rows[name] != total:
            raise RuntimeError(f"{name}: wrote {rows[name]} rows, expected {total}")
    return rows


def generate_dataset(
    out_dir: Path | str,
    scale: float,
    seed: int,
    progress: bool = True,
    console: Console | None = None,
) -> dict[str, int]:
    """Write a SoftCart dataset into ``out_dir``; return the data rows of each file.

    Raises ValueError for a bad scale or seed and NotADirectoryError when ``out_dir`` is a file.
    Nothing in ``out_dir`` changes unless every file was written completely.
    """
    sizes_for(scale)  # validate before touching the disk
    if seed < 0:
        raise ValueError(f"--seed must be zero or positive, got {seed}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.resolve().name}.generating-", dir=out.resolve().parent))
    try:
        with _progress(progress, console) as reporter:
            rows = write_dataset_files(staging, scale, seed, reporter)
        for name in rows:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return rows
