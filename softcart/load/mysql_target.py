"""Writing checked files into MySQL ``sales``: bulk ``LOAD DATA LOCAL INFILE`` inside one transaction.

Append (the default) loads into the live tables and commits once at the end, so a failure rolls
everything back. ``--replace`` loads into fresh copies (``<table>__softcart_new``, made with
``CREATE TABLE ... LIKE``) and swaps them in with one atomic ``RENAME TABLE``: the old rows stay
visible until the swap, and the auto-increment restarts at 1 like ``TRUNCATE``.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pymysql

from softcart.core.connections import mysql_connect
from softcart.core.settings import Settings
from softcart.load.customers_csv import CustomersCsv
from softcart.load.errors import LoadError, located
from softcart.load.inventory_csv import COLUMNS as INVENTORY_COLUMNS
from softcart.load.inventory_csv import InventoryCsv
from softcart.load.sales_csv import COLUMNS as SALES_CSV_COLUMNS
from softcart.load.sales_csv import SalesCsv
from softcart.load.sales_dump import SalesDump

TABLES = ("sales_data", "customers", "inventory")
NEW, OLD = "__softcart_new", "__softcart_old"
_DUPLICATE = re.compile(r"Duplicate entry '([^']*)'")
_LOCAL_INFILE_REFUSED = {1148, 2068, 3948}
_KEYS = {"customers.csv": ("customers", "customer_id"), "inventory.csv": ("inventory", "product_id")}


def _write_tsv(path: Path, rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write("\t".join("\\N" if v is None else str(v) for v in row))
            out.write("\n")


class MysqlLoad:
    def __init__(self, settings: Settings, *, replace: bool) -> None:
        self.settings = settings
        self.replace = replace
        self.conn = mysql_connect(settings)
        self.tmp = tempfile.TemporaryDirectory(prefix="softcart-load-")
        self._started = False

    def table(self, name: str) -> str:
        return f"`{name}{NEW if self.replace else ''}`"

    def begin(self) -> None:
        with self.conn.cursor() as cur:
            if self.replace:
                for name in TABLES:  # DDL commits implicitly: done before the transaction starts
                    cur.execute(f"DROP TABLE IF EXISTS `{name}{NEW}`")
                    cur.execute(f"CREATE TABLE `{name}{NEW}` LIKE `{name}`")
            cur.execute("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE'")
            cur.execute("SET SESSION time_zone = '+00:00'")
        self.conn.begin()
        self._started = True

    def _load(self, file: str, statement: str, path: Path, expected: int) -> list[tuple[Any, ...]]:
        """Run one LOAD DATA; return its warnings (none expected) after checking the row count."""
        with self.conn.cursor() as cur:
            try:
                loaded = cur.execute(statement, (str(path),))
            except pymysql.err.OperationalError as exc:
                if exc.args and exc.args[0] in _LOCAL_INFILE_REFUSED:
                    raise LoadError(
                        f"{file}: the MySQL server refuses LOAD DATA LOCAL INFILE ({exc.args[1]}); "
                        "enable it with SET GLOBAL local_infile = 1 (the local stack starts with --local-infile=1)"
                    ) from None
                raise
            except pymysql.err.IntegrityError as exc:
                return [("Error", exc.args[0], exc.args[1])]
            cur.execute("SHOW WARNINGS LIMIT 10")
            warnings = list(cur.fetchall())
        if not warnings and loaded != expected:
            warnings = [("Error", 0, f"{loaded} rows loaded, {expected} expected")]
        return warnings

    def load_sales_csv(self, parsed: SalesCsv) -> int:
        name = parsed.text.name
        path = parsed.path
        lines = parsed.text.lines
        if not parsed.text.normalized:  # BOM or CRLF: hand the server a plain LF copy
            path = Path(self.tmp.name) / "oltpdata.csv"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
        ignore = "IGNORE 1 LINES" if parsed.has_header else ""
        columns = ", ".join(f"`{c}`" for c in SALES_CSV_COLUMNS)
        statement = (
            f"LOAD DATA LOCAL INFILE %s INTO TABLE {self.table('sales_data')} CHARACTER SET utf8mb4 "
            f"FIELDS TERMINATED BY ',' ESCAPED BY '' LINES TERMINATED BY '\\n' {ignore} ({columns})"
        )
        warnings = self._load(name, statement, path, parsed.rows)
        if warnings:
            raise self._warning_error(name, warnings, None)
        return parsed.rows

    def load_sales_dump(self, parsed: SalesDump) -> int:
        path = Path(self.tmp.name) / "sales_dump.tsv"
        _write_tsv(path, parsed.rows)
        columns = ", ".join(f"`{c}`" for c in parsed.columns)
        statement = (
            f"LOAD DATA LOCAL INFILE %s INTO TABLE {self.table('sales_data')} CHARACTER SET utf8mb4 "
            f"FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({columns})"
        )
        warnings = self._load(parsed.path.name, statement, path, len(parsed.rows))
        if warnings:
            raise self._warning_error(parsed.path.name, warnings, parsed.line_of_rowid)
        return len(parsed.rows)

    def load_customers(self, parsed: CustomersCsv) -> int:
        path = Path(self.tmp.name) / "customers.tsv"
        _write_tsv(path, parsed.rows)
        statement = (
            f"LOAD DATA LOCAL INFILE %s INTO TABLE {self.table('customers')} CHARACTER SET utf8mb4 "
            "FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' (`customer_id`, `country`)"
        )
        warnings = self._load(parsed.path.name, statement, path, len(parsed.rows))
        if warnings:
            by_id = {cid: line for (cid, _), line in zip(parsed.rows, parsed.lines, strict=True)}
            raise self._warning_error(parsed.path.name, warnings, lambda v: by_id.get(v))
        return len(parsed.rows)

    def load_inventory(self, parsed: InventoryCsv) -> int:
        path = Path(self.tmp.name) / "inventory.tsv"
        _write_tsv(path, parsed.rows)
        columns = ", ".join(f"`{c}`" for c in INVENTORY_COLUMNS)
        statement = (
            f"LOAD DATA LOCAL INFILE %s INTO TABLE {self.table('inventory')} CHARACTER SET utf8mb4 "
            f"FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({columns})"
        )
        warnings = self._load(parsed.path.name, statement, path, len(parsed.rows))
        if warnings:
            by_id = {row[0]: line for row, line in zip(parsed.rows, parsed.lines, strict=True)}
            raise self._warning_error(parsed.path.name, warnings, lambda v: by_id.get(v))
        return len(parsed.rows)

    def _warning_error(self, file: str, warnings: list[tuple[Any, ...]], line_of: Any) -> LoadError:
        message = str(warnings[0][2])
        duplicate = _DUPLICATE.search(message)
        if duplicate and line_of is not None:
            key = duplicate.group(1)
            line = line_of(int(key)) if key.isdigit() else None
            what, field = _KEYS.get(file, ("sales_data", "rowid"))
            return located(
                file, line, field, f"{key} is already in {what} (load with --replace, or remove those rows)"
            )
        more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
        return LoadError(f"{file}: MySQL rejected the data: {message}{more}")

    def commit(self) -> None:
        self.conn.commit()
        if self.replace:
            with self.conn.cursor() as cur:
                renames = ", ".join(
                    f"`{t}` TO `{t}{OLD}`, `{t}{NEW}` TO `{t}`" for t in TABLES
                )  # one statement: atomic
                cur.execute(f"DROP TABLE IF EXISTS {', '.join(f'`{t}{OLD}`' for t in TABLES)}")
                cur.execute(f"RENAME TABLE {renames}")
                cur.execute(f"DROP TABLE {', '.join(f'`{t}{OLD}`' for t in TABLES)}")

    def rollback(self) -> None:
        try:
            if self._started:
                self.conn.rollback()
            if self.replace:
                with self.conn.cursor() as cur:
                    cur.execute(f"DROP TABLE IF EXISTS {', '.join(f'`{t}{NEW}`' for t in TABLES)}")
        except pymysql.err.MySQLError:
            pass

    def close(self) -> None:
        with contextlib.suppress(pymysql.err.Error):
            self.conn.close()
        self.tmp.cleanup()
