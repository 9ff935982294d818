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
from softcart.generate.sales import (
    ecommerce_chunks,
    ecommerce_range,
    fact_sales_chunks,
    generate_sales,
    oltp_chunks,
)
from softcart.generate.searchterms import searchterm_lines
from softcart.generate.sizes import sizes_for
from softcart.generate.world import CATEGORIES, COUNTRIES

# one independent random stream per part of the world, so changing how one file is made
# leaves the others' bytes as they were
STREAMS = ("catalog", "customers", "sales", "searchterms", "accesslog")

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


def _count_lines(lines: bytes) -> int:
    return lines.count(b"\n")


def _one(lines: bytes) -> list[tuple[bytes, int]]:
    return [(lines, _count_lines(lines))]


def write_dataset_files(folder: Path, scale: float, seed: int, progress: Reporter) -> dict[str, int]:
    """Write every dataset file into ``folder``; return the data rows of each (header excluded)."""
    sizes = sizes_for(scale)
    streams = dict(zip(STREAMS, np.random.SeedSequence(seed).spawn(len(STREAMS)), strict=True))

    def rng(name: str) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(streams[name]))

    catalog = generate_catalog(rng("catalog"), sizes.products)
    customers = generate_customers(rng("customers"), sizes.customers)
    sales = generate_sales(rng("sales"), sizes.sales, catalog, customers)
    ecommerce_start, ecommerce_stop = ecommerce_range(sales)

    rows: dict[str, int] = {}
    rows["oltpdata.csv"] = _write(
        folder, "oltpdata.csv", oltp_chunks(sales, catalog, customers), len(sales), progress
    )
    rows["catalog.json"] = _write(folder, "catalog.json", _one(catalog.json_lines), len(catalog), progress)
    rows["customers.csv"] = _write(
        folder, "customers.csv", _one(customers.csv_lines()), len(customers), progress
    )
    dim_date, n_days = dim_date_lines()
    rows["DimDate.csv"] = _write(folder, "DimDate.csv", [(dim_date, n_days)], n_days, progress)
    ids = pa.array(np.arange(1, len(CATEGORIES) + 1))
    rows["DimCategory.csv"] = _write(
        folder, "DimCategory.csv", _one(csv_lines([ids, pa.array(CATEGORIES)])), len(CATEGORIES), progress
    )
    ids = pa.array(np.arange(1, len(COUNTRIES) + 1))
    rows["DimCountry.csv"] = _write(
        folder, "DimCountry.csv", _one(csv_lines([ids, pa.array(COUNTRIES)])), len(COUNTRIES), progress
    )
    rows["FactSales.csv"] = _write(
        folder, "FactSales.csv", fact_sales_chunks(sales, catalog, customers), len(sales), progress
    )
    rows["ecommerce.csv"] = _write(
        folder, "ecommerce.csv", ecommerce_chunks(sales, catalog), ecommerce_stop - ecommerce_start, progress
    )
    lines = searchterm_lines(rng("searchterms"), sizes.searches)
    rows["searchterms.csv"] = _write(folder, "searchterms.csv", _one(lines), sizes.searches, progress)
    lines = accesslog_lines(rng("accesslog"), sizes.log_lines, catalog)
    rows["accesslog.txt"] = _write(folder, "accesslog.txt", _one(lines), sizes.log_lines, progress)
    assert set(rows) == set(FILE_FORMATS)
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
