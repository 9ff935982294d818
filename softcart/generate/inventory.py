"""inventory.csv: the shop's stock when the dataset starts, one row per catalog product.

The one definition of the initial stock: the generator writes it for the catalog it generates, and
``softcart simulate`` writes the same for the products it finds when a source's ``inventory`` is
empty (a dataset without ``inventory.csv``, such as the course's files).
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from softcart.generate.formats import csv_lines

COLUMNS = ("product_id", "on_hand", "reorder_level")
ON_HAND = (20, 200)  # units on hand at the start, uniform in this range
REORDER_LEVELS = (5, 10, 20)  # below this the shop reorders


def initial_inventory(product_ids: Iterable[int], seed: int) -> list[tuple[int, int, int]]:
    """(product_id, on_hand, reorder_level) for every product, by ascending id: deterministic from
    the seed and the set of ids."""
    rng = random.Random(f"inventory:{seed}")  # noqa: S311 (test data, not a secret)
    return [(p, rng.randint(*ON_HAND), rng.choice(REORDER_LEVELS)) for p in sorted(set(product_ids))]


def inventory_lines(product_ids: np.ndarray, seed: int) -> bytes:
    """inventory.csv's rows (no header), each ending with "\\n"."""
    rows = initial_inventory((int(p) for p in product_ids), seed)
    columns = zip(*rows, strict=True) if rows else ((), (), ())
    return csv_lines([pa.array(list(c), pa.int64()) for c in columns])
