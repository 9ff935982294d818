"""A live shop's workload against the sources: ``softcart simulate``.

Realistic transactions, each committed on its own (MySQL) or as one document write (MongoDB):

* ``sale``: a new ``sales_data`` row and its product's ``inventory.on_hand`` decremented, in ONE
  MySQL transaction (``SELECT ... FOR UPDATE`` on the stock row; no stock: rolled back, counted
  as ``stockout``);
* ``restock``: a delivery, ``on_hand`` up;
* ``correction``: a sale's quantity corrected, the stock adjusted by the difference, one transaction;
* ``refund``: a sale deleted, its units back in stock, one transaction;
* ``customer_move``: a customer's country changed;
* ``catalog_edit``: a product document's model renamed (MongoDB);
* ``catalog_remove``: a product document deleted (MongoDB).

Deterministic from the seed: the same seed against the same starting state commits the same
transactions. The initial state of ``inventory`` is the generated dataset's ``inventory.csv``
(``softcart load``); when the table is empty (a dataset without it, such as the course's files) the
simulator writes the same initial stock (:func:`softcart.generate.inventory.initial_inventory`) for
every product the sales and the catalog name.

Library code: returns a :class:`SimulationResult` (committed counts per kind, rows changed per
table); ``softcart.simulate.cli`` prints it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from softcart.core.connections import mongo_client, mysql_connect
from softcart.core.settings import Settings
from softcart.generate.inventory import initial_inventory

KINDS = {
    "sale": 50,
    "restock": 10,
    "correction": 12,
    "refund": 8,
    "customer_move": 8,
    "catalog_edit": 8,
    "catalog_remove": 4,
}
COUNTRIES = ("Chile", "Peru", "Spain", "Mali", "Japan", "Canada", "India", "Norway")


@dataclass
class SimulationResult:
    seed: int
    committed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    stockouts: int = 0  # sales rolled back for lack of stock
    skipped: int = 0  # nothing to act on (no sale to refund, no document left to edit)
    # rows changed per table and operation: {"sales_data": {"c": 3, "u": 1, "d": 2}, ...}
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    initial_inventory: int = 0  # rows of inventory written at the start (it was empty)
    seconds: float = 0.0

    @property
    def transactions(self) -> int:
        return sum(self.committed.values())

    def count(self, table: str, op: str, n: int = 1) -> None:
        per = self.changes.setdefault(table, {"c": 0, "u": 0, "d": 0})
        per[op] += n


class Shop:
    """The sources as the simulator sees them: one MySQL connection, one MongoDB collection."""

    def __init__(self, settings: Settings) -> None:
        self.mysql = mysql_connect(settings)
        self.mongo = mongo_client(settings)
        self.catalog = self.mongo[settings.mongo_database][settings.mongo_collection]

    def close(self) -> None:
        self.mysql.close()
        self.mongo.close()

    def one(self, query: str, args: Any = None) -> Any:
        with self.mysql.cursor() as cur:
            cur.execute(query, args)
            row = cur.fetchone()
        return row[0] if row else None

    def column(self, query: str) -> list[Any]:
        with self.mysql.cursor() as cur:
            cur.execute(query)
            return [r[0] for r in cur.fetchall()]


def _product_ids(shop: Shop) -> list[int]:
    ids = shop.column("SELECT DISTINCT product_id FROM sales_data")
    ids += [
        int(d["product_id"])
        for d in shop.catalog.find({"product_id": {"$type": "number"}}, {"product_id": 1})
    ]
    return ids or list(range(1, 101))


def ensure_inventory(shop: Shop, seed: int, result: SimulationResult) -> None:
    """Write the initial stock when ``inventory`` is empty (one transaction)."""
    if shop.one("SELECT COUNT(*) FROM inventory"):
        return
    rows = initial_inventory(_product_ids(shop), seed)
    with shop.mysql.cursor() as cur:
        cur.executemany(
            "INSERT INTO inventory (product_id, on_hand, reorder_level) VALUES (%s, %s, %s)", rows
        )
    shop.mysql.commit()
    result.initial_inventory = len(rows)
    result.count("inventory", "c", len(rows))


def _pick_key(shop: Shop, rng: random.Random, table: str, key: str) -> int | None:
    """A random existing key (the first at or after a random point of the key range)."""
    lo, hi = None, None
    with shop.mysql.cursor() as cur:
        cur.execute(f"SELECT MIN({key}), MAX({key}) FROM {table}")  # noqa: S608 (fixed names)
        lo, hi = cur.fetchone() or (None, None)
    if lo is None or hi is None:
        return None
    point = rng.randint(int(lo), int(hi))
    return shop.one(f"SELECT {key} FROM {table} WHERE {key} >= %s ORDER BY {key} LIMIT 1", (point,))  # noqa: S608


def _sale(shop: Shop, rng: random.Random, result: SimulationResult, customers: list[int]) -> bool:
    product = _pick_key(shop, rng, "inventory", "product_id")
    if product is None or not customers:
        result.skipped += 1
        return False
    quantity = rng.randint(1, 5)
    price = f"{rng.randint(500, 200_000) / 100:.2f}"
    with shop.mysql.cursor() as cur:
        cur.execute("SELECT on_hand FROM inventory WHERE product_id = %s FOR UPDATE", (product,))
        (on_hand,) = cur.fetchone()
        if on_hand < quantity:
            shop.mysql.rollback()
            result.stockouts += 1
            return False
        cur.execute(
            "INSERT INTO sales_data (product_id, customer_id, price, quantity, `timestamp`)"
            " VALUES (%s, %s, %s, %s, UTC_TIMESTAMP())",
            (product, rng.choice(customers), price, quantity),
        )
        cur.execute("UPDATE inventory SET on_hand = on_hand - %s WHERE product_id = %s", (quantity, product))
    shop.mysql.commit()
    result.count("sales_data", "c")
    result.count("inventory", "u")
    return True


def _restock(shop: Shop, rng: random.Random, result: SimulationResult) -> bool:
    product = _pick_key(shop, rng, "inventory", "product_id")
    if product is None:
        result.skipped += 1
        return False
    with shop.mysql.cursor() as cur:
        cur.execute(
            "UPDATE inventory SET on_hand = on_hand + %s WHERE product_id = %s",
            (rng.randint(10, 100), product),
        )
    shop.mysql.commit()
    result.count("inventory", "u")
    return True


def _correction_or_refund(shop: Shop, rng: random.Random, result: SimulationResult, refund: bool) -> bool:
    rowid = _pick_key(shop, rng, "sales_data", "rowid")
    if rowid is None:
        result.skipped += 1
        return False
    with shop.mysql.cursor() as cur:
        cur.execute("SELECT product_id, quantity FROM sales_data WHERE rowid = %s FOR UPDATE", (rowid,))
        product, quantity = cur.fetchone()
        new = 0 if refund else rng.choice([q for q in range(1, 6) if q != quantity] or [quantity + 1])
        if refund:
            cur.execute("DELETE FROM sales_data WHERE rowid = %s", (rowid,))
        else:
            cur.execute("UPDATE sales_data SET quantity = %s WHERE rowid = %s", (new, rowid))
        # the units come back to (or go out of) stock; a product without a stock row is left alone
        stocked = cur.execute(
            "UPDATE inventory SET on_hand = GREATEST(on_hand + %s, 0) WHERE product_id = %s",
            (quantity - new, product),
        )
    shop.mysql.commit()
    result.count("sales_data", "d" if refund else "u")
    if stocked:
        result.count("inventory", "u")
    return True


def _customer_move(shop: Shop, rng: random.Random, result: SimulationResult) -> bool:
    customer = _pick_key(shop, rng, "customers", "customer_id")
    if customer is None:
        result.skipped += 1
        return False
    with shop.mysql.cursor() as cur:
        country = rng.choice(COUNTRIES)
        changed = cur.execute("UPDATE customers SET country = %s WHERE customer_id = %s", (country, customer))
    shop.mysql.commit()
    if changed:
        result.count("customers", "u")
    return True


def _catalog(shop: Shop, rng: random.Random, result: SimulationResult, remove: bool) -> bool:
    ids = [d["_id"] for d in shop.catalog.find({}, {"_id": 1}).sort("_id", 1).limit(1000)]
    if not ids:
        result.skipped += 1
        return False
    target = rng.choice(ids)
    if remove:
        shop.catalog.delete_one({"_id": target})
        result.count("catalog", "d")
    else:
        shop.catalog.update_one({"_id": target}, {"$set": {"model": f"model {rng.randint(1, 10**6)}"}})
        result.count("catalog", "u")
    return True


def simulate(
    settings: Settings,
    seed: int,
    rate: float,
    count: int | None = None,
    duration: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Run transactions at ``rate`` per second (0: as fast as possible) until ``count`` have been
    attempted or ``duration`` seconds have passed."""
    if count is None and duration is None:
        raise ValueError("give a count or a duration")
    rng = random.Random(seed)  # noqa: S311 (a workload, not a secret)
    result = SimulationResult(seed)
    shop = Shop(settings)
    started = time.monotonic()
    try:
        ensure_inventory(shop, seed, result)
        customers = [int(c) for c in shop.column("SELECT customer_id FROM customers ORDER BY customer_id")]
        kinds, weights = list(KINDS), list(KINDS.values())
        attempted = 0
        while (count is None or attempted < count) and (
            duration is None or time.monotonic() - started < duration
        ):
            kind = rng.choices(kinds, weights)[0]
            if kind == "sale":
                done = _sale(shop, rng, result, customers)
            elif kind == "restock":
                done = _restock(shop, rng, result)
            elif kind in ("correction", "refund"):
                done = _correction_or_refund(shop, rng, result, refund=kind == "refund")
            elif kind == "customer_move":
                done = _customer_move(shop, rng, result)
            else:
                done = _catalog(shop, rng, result, remove=kind == "catalog_remove")
            if done:
                result.committed[kind] += 1
            attempted += 1
            if progress:
                progress(1)
            if rate > 0:
                pause = started + attempted / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
    finally:
        shop.close()
    result.seconds = time.monotonic() - started
    return result
