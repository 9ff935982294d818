"""``softcart load DIR [--replace]``: check every file of a dataset directory, then load them all or nothing.

Order: (1) every known file is parsed and checked (nothing is written before all pass); (2) MySQL
rows are bulk-loaded in one transaction, not yet committed; (3) catalog documents go to MongoDB
(undoable, see :mod:`.mongo_target`); (4) file inputs are copied to hidden names in the landing
folder; (5) MySQL commits, MongoDB swaps in, the landing copies are renamed into place. A failure
in (1)-(5) undoes what was done, so the targets stay as they were.

When a dataset holds both ``sales.sql`` and ``oltpdata.csv``, the dump goes first (its rows keep
their ``rowid``) and ``oltpdata.csv`` rows get the next auto-increment values after them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from softcart.core.settings import Settings
from softcart.load.catalog_lines import CatalogLines, parse_catalog
from softcart.load.customers_csv import CustomersCsv, parse_customers_csv
from softcart.load.errors import LoadError
from softcart.load.file_inputs import FILE_INPUTS, FileInput, check_file_input
from softcart.load.inventory_csv import InventoryCsv, parse_inventory_csv
from softcart.load.sales_csv import SalesCsv, parse_sales_csv
from softcart.load.sales_dump import SalesDump, parse_sales_dump

MYSQL_FILES = ("sales.sql", "oltpdata.csv", "customers.csv", "inventory.csv")
MONGO_FILES = ("catalog.json",)
KNOWN_FILES = MYSQL_FILES + MONGO_FILES + tuple(FILE_INPUTS)


@dataclass
class CheckedDataset:
    dataset: Path
    sales_dump: SalesDump | None = None
    sales_csv: SalesCsv | None = None
    customers: CustomersCsv | None = None
    inventory: InventoryCsv | None = None
    catalog: CatalogLines | None = None
    inputs: list[FileInput] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def has_mysql(self) -> bool:
        return any(x is not None for x in (self.sales_dump, self.sales_csv, self.customers, self.inventory))


@dataclass(frozen=True)
class Loaded:
    file: str
    target: str
    rows: int
    seconds: float = 0.0  # time spent writing it (checks not included)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # no bar in logs and pipes (Airflow, CI): the summary says it all
    )


@contextmanager
def _task(progress: Progress, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    task = progress.add_task(description, total=total)
    yield lambda n: progress.advance(task, n)
    progress.update(task, visible=False)


def _line_estimate(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) + 1


def find_files(dataset: Path) -> tuple[list[Path], list[str]]:
    if not dataset.exists():
        raise LoadError(f"{dataset}: dataset directory does not exist")
    if not dataset.is_dir():
        raise LoadError(f"{dataset}: not a directory (give the folder that holds the dataset files)")
    names = sorted(p.name for p in dataset.iterdir() if p.is_file() and not p.name.startswith("."))
    known = [dataset / n for n in KNOWN_FILES if n in names]
    if not known:
        raise LoadError(f"{dataset}: no known dataset file in it (expected any of: {', '.join(KNOWN_FILES)})")
    return known, [n for n in names if n not in KNOWN_FILES]


def check_dataset(dataset: Path, progress: Progress) -> CheckedDataset:
    """Parse and check every known file; the first problem raises a :class:`LoadError`."""
    files, ignored = find_files(dataset)
    checked = CheckedDataset(dataset=dataset, ignored=ignored)
    for path in files:
        name = path.name
        if name == "sales.sql":
            with _task(progress, f"checking {name}", None) as advance:
                checked.sales_dump = parse_sales_dump(path, advance)
        elif name == "oltpdata.csv":
            with _task(progress, f"checking {name}", _line_estimate(path)) as advance:
                checked.sales_csv = parse_sales_csv(path, advance)
        elif name == "customers.csv":
            checked.customers = parse_customers_csv(path)
        elif name == "inventory.csv":
            checked.inventory = parse_inventory_csv(path)
        elif name == "catalog.json":
            with _task(progress, f"checking {name}", _line_estimate(path)) as advance:
                checked.catalog = parse_catalog(path, advance)
        else:
            checked.inputs.append(check_file_input(path))
    return checked


def write_dataset(
    settings: Settings, checked: CheckedDataset, replace: bool, progress: Progress
) -> list[Loaded]:
    """Load a checked dataset into every target, all or nothing; one load at a time."""
    from softcart.load.bootstrap import apply_mongo_schema, apply_mysql_schema

    use_mysql = replace or checked.has_mysql
    use_mongo = replace or checked.catalog is not None
    if not use_mysql:  # the catalog or the file inputs alone: no MySQL to hold the lock in
        if use_mongo:
            apply_mongo_schema(settings)
        return _write(settings, checked, replace, progress, use_mysql, use_mongo)
    with load_lock(settings):
        apply_mysql_schema(settings)
        if use_mongo:
            apply_mongo_schema(settings)
        remove_leftovers(settings, mongo=use_mongo)
        return _write(settings, checked, replace, progress, use_mysql, use_mongo)


def _write(
    settings: Settings,
    checked: CheckedDataset,
    replace: bool,
    progress: Progress,
    use_mysql: bool,
    use_mongo: bool,
) -> list[Loaded]:
    from softcart.load import landing, records
    from softcart.load.mongo_target import MongoLoad
    from softcart.load.mysql_target import MysqlLoad

    db = settings.mysql.database or "sales"
    loaded: list[Loaded] = []
    mysql: MysqlLoad | None = None
    mongo: MongoLoad | None = None
    staged: list[landing.StagedFile] = []

    def timed(file: str, target: str, description: str, total: int | None, run: Callable[..., int]) -> None:
        started = time.perf_counter()
        with _task(progress, description, total) as advance:
            rows = run(advance)
        loaded.append(Loaded(file, target, rows, time.perf_counter() - started))

    try:
        if use_mysql:
            mysql = MysqlLoad(settings, replace=replace)
            mysql.begin()
            sales = f"MySQL {db}.sales_data"
            if (dump := checked.sales_dump) is not None:
                timed("sales.sql", sales, "loading sales.sql", None, lambda _: mysql.load_sales_dump(dump))
            if (oltp := checked.sales_csv) is not None:
                timed(
                    "oltpdata.csv",
                    sales,
                    "LOAD DATA oltpdata.csv",
                    None,
                    lambda _: mysql.load_sales_csv(oltp),
                )
            if (customers := checked.customers) is not None:
                target = f"MySQL {db}.customers"
                timed(
                    "customers.csv",
                    target,
                    "LOAD DATA customers.csv",
                    None,
                    lambda _: mysql.load_customers(customers),
                )
            if (inventory := checked.inventory) is not None:
                timed(
                    "inventory.csv",
                    f"MySQL {db}.inventory",
                    "LOAD DATA inventory.csv",
                    None,
                    lambda _: mysql.load_inventory(inventory),
                )
        if use_mongo:
            mongo = MongoLoad(settings, replace=replace)
            mongo.begin()
            if (catalog := checked.catalog) is not None:
                target = f"MongoDB {settings.mongo_database}.{settings.mongo_collection}"
                total = len(catalog.documents)
                timed("catalog.json", target, "loading catalog.json", total, lambda a: mongo.load(catalog, a))
        started = time.perf_counter()
        staged = landing.stage(settings.landing_dir, checked.inputs, checked.dataset)
        staging_seconds = time.perf_counter() - started
        if mysql is not None:
            mysql.commit()
    except BaseException:
        if mysql is not None:
            mysql.rollback()
        if mongo is not None:
            mongo.rollback()
        landing.discard(staged)
        raise
    finally:
        if mysql is not None:
            mysql.close()
    try:
        if mongo is not None:
            mongo.commit()
    except Exception as exc:
        landing.discard(staged)
        raise LoadError(
            "MySQL is loaded but swapping in the catalog failed; run the load again with --replace"
            f" ({_describe(settings, exc)})"
        ) from exc
    finally:
        if mongo is not None:
            mongo.close()
    record = records.new_record(checked.dataset, replaced=replace)
    landing.publish(settings.landing_dir, staged, replace=replace, load=record.as_dict())
    # last: each source records the load only once all of it is in place (records.py)
    if use_mysql:
        records.write_mysql(settings, record)
    if use_mongo:
        records.write_mongo(settings, record)
    share = staging_seconds / max(1, sum(i.path.stat().st_size for i in checked.inputs))
    for item in checked.inputs:
        seconds = share * item.path.stat().st_size
        loaded.append(Loaded(item.path.name, f"landing/{item.path.name}", item.rows, seconds))
    return loaded


@contextmanager
def load_lock(settings: Settings) -> Iterator[None]:
    """One load at a time into these sources: a MySQL named lock, held by a connection of its own for
    the whole write (a killed load's lock goes with its connection)."""
    from softcart.core.connections import mysql_connect, mysql_database

    conn = mysql_connect(settings, with_database=False)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT GET_LOCK(%s, 0)", (f"softcart.load.{mysql_database(settings)}",))
            row = cur.fetchone()
        if not row or row[0] != 1:
            raise LoadError("another `softcart load` is writing these sources; try again when it ends")
        yield
    finally:
        conn.close()


def remove_leftovers(settings: Settings, *, mongo: bool) -> None:
    """The staging tables and collection of a load that was killed (``*__softcart_new``/``_old``):
    removed before this load starts (safe under :func:`load_lock`: no other load is running)."""
    from softcart.core.connections import mongo_client, mysql_connect, mysql_database
    from softcart.load.mongo_target import NEW as MONGO_NEW
    from softcart.load.mysql_target import NEW, OLD, TABLES

    database = mysql_database(settings)
    names = [f"{t}{suffix}" for t in TABLES for suffix in (NEW, OLD)]
    conn = mysql_connect(settings, with_database=False)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name IN %s",
                (database, names),
            )
            for (name,) in cur.fetchall():
                cur.execute(f"DROP TABLE `{database}`.`{name}`")
    finally:
        conn.close()
    if not mongo:
        return
    client = mongo_client(settings)
    try:
        client[settings.mongo_database].drop_collection(settings.mongo_collection + MONGO_NEW)
    finally:
        client.close()


def load_dataset(settings: Settings, dataset: Path, *, replace: bool, console: Console) -> list[Loaded]:
    with _progress(console) as progress:
        checked = check_dataset(dataset, progress)
        try:
            return write_dataset(settings, checked, replace, progress)
        except LoadError:
            raise
        except Exception as exc:  # a server that is down, a refused statement: say which and stop
            raise LoadError(_describe(settings, exc)) from exc


def _describe(settings: Settings, exc: Exception) -> str:
    import pymysql
    from pymongo.errors import PyMongoError, ServerSelectionTimeoutError

    if isinstance(exc, pymysql.err.OperationalError) and exc.args and exc.args[0] in (2002, 2003):
        hint = "is `softcart up` running?" if settings.is_managed("mysql") else "check SOFTCART_MYSQL_URL"
        return f"cannot reach MySQL at {settings.mysql.redacted} ({hint})"
    if isinstance(exc, pymysql.err.MySQLError):
        return f"MySQL at {settings.mysql.redacted}: {exc}"
    if isinstance(exc, ServerSelectionTimeoutError):
        hint = "is `softcart up` running?" if settings.is_managed("mongo") else "check SOFTCART_MONGO_URL"
        return f"cannot reach MongoDB at {settings.mongo.redacted} ({hint})"
    if isinstance(exc, PyMongoError):
        return f"MongoDB at {settings.mongo.redacted}: {str(exc).splitlines()[0][:300]}"
    return f"{type(exc).__name__}: {exc}"


def summary_table(loaded: list[Loaded], replace: bool) -> Table:
    mode = "replaced" if replace else "appended"
    table = Table(title=f"softcart load ({mode})")
    table.add_column("file")
    table.add_column("target")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("rows/s", justify="right")
    for item in loaded:
        database = not item.target.startswith("landing/")
        rate = f"{item.rows_per_second:,.0f}" if database and item.seconds >= 0.001 else ""
        table.add_row(item.file, item.target, f"{item.rows:,}", f"{item.seconds:.2f}", rate)
    return table


def main(settings: Settings, dataset: Path, replace: bool = False) -> int:
    console = Console()
    try:
        loaded = load_dataset(settings, dataset, replace=replace, console=console)
    except LoadError as exc:
        console.print(f"[bold red]load failed:[/] {exc}", highlight=False)
        console.print("[red]nothing was written: the sources and the landing folder are as they were[/]")
        return 1
    console.print(summary_table(loaded, replace))
    return 0
