"""The product catalog: catalog.json documents plus the arrays the sales need (ids, types, prices)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from softcart.generate.world import (
    LAPTOP_DISK,
    LAPTOP_RAM,
    MISSING_DISK,
    MISSING_RAM,
    MISSING_SCREEN,
    PRODUCT_TYPES,
)

FIRST_PRODUCT_ID = 1001


@dataclass(frozen=True)
class Catalog:
    product_id: np.ndarray  # int64, FIRST_PRODUCT_ID.. in document order
    type_index: np.ndarray  # index into PRODUCT_TYPES
    model: list[str]
    list_price: np.ndarray  # int64
    popularity: np.ndarray  # float64, sums to 1: the chance a sale is of this product
    documents: list[dict[str, object]]  # catalog.json's documents, key order as written

    def __len__(self) -> int:
        return len(self.product_id)

    def json_lines(self) -> bytes:
        """catalog.json's lines (``json.dumps`` spacing, like the course's), each ending with "\n"."""
        return "".join(json.dumps(doc) + "\n" for doc in self.documents).encode()


def type_counts(n: int) -> list[int]:
    """Documents per product type: shares of ``n`` by largest remainder, at least one each."""
    shares = np.array([t.share for t in PRODUCT_TYPES])
    raw = shares / shares.sum() * (n - len(PRODUCT_TYPES))
    counts = np.floor(raw).astype(np.int64)
    leftover = (n - len(PRODUCT_TYPES)) - int(counts.sum())
    counts[np.argsort(-(raw - counts), kind="stable")[:leftover]] += 1
    return [int(c) + 1 for c in counts]


def _model_pool(rng: np.random.Generator, prefixes: tuple[str, ...], size: int) -> list[str]:
    """``size`` distinct model names such as "xm23" or "zeta", like the course's catalog."""
    names = list(prefixes) + [f"{p}{k}" for p in prefixes for k in range(1, 100)]
    size = min(size, len(names))
    return [names[i] for i in sorted(rng.choice(len(names), size, replace=False))]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def generate_catalog(rng: np.random.Generator, n_products: int) -> Catalog:
    docs: list[dict[str, object]] = []
    type_index: list[int] = []
    models: list[str] = []
    prices: list[np.ndarray] = []
    popularity: list[np.ndarray] = []
    product_id = FIRST_PRODUCT_ID
    for t_index, (ptype, count) in enumerate(zip(PRODUCT_TYPES, type_counts(n_products), strict=True)):
        pool = _model_pool(rng, ptype.model_prefixes, max(2, count // 6))
        model_pick = rng.integers(0, len(pool), count)
        screen = rng.integers(0, max(1, len(ptype.screen_sizes)), count)
        no_screen = rng.random(count) < MISSING_SCREEN
        ram = rng.integers(0, len(LAPTOP_RAM), count)
        disk = rng.integers(0, len(LAPTOP_DISK), count)
        no_ram = rng.random(count) < MISSING_RAM
        no_disk = rng.random(count) < MISSING_DISK
        low, high = ptype.price_range
        price = rng.integers(low, high + 1, count)
        if ptype.name == "laptop":  # more memory costs more
            price = price + ram * 120
        prices.append(price.astype(np.int64))
        popularity.append(ptype.popularity * rng.lognormal(0.0, 0.8, count))
        for i in range(count):
            doc: dict[str, object] = {"type": ptype.name, "model": pool[model_pick[i]]}
            if ptype.screen_sizes and not no_screen[i]:
                doc["screen size"] = _number(ptype.screen_sizes[screen[i]])
            if ptype.name == "laptop":
                if not no_ram[i]:
                    doc["ram"] = LAPTOP_RAM[ram[i]]
                if not no_disk[i]:
                    doc["hard disk"] = LAPTOP_DISK[disk[i]]
            doc["product_id"] = product_id
            docs.append(doc)
            type_index.append(t_index)
            models.append(str(doc["model"]))
            product_id += 1
    weights = np.concatenate(popularity)
    return Catalog(
        product_id=np.arange(FIRST_PRODUCT_ID, product_id, dtype=np.int64),
        type_index=np.array(type_index, dtype=np.int64),
        model=models,
        list_price=np.concatenate(prices),
        popularity=weights / weights.sum(),
        documents=docs,
    )
