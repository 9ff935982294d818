"""How many rows each file gets at a given scale."""

from __future__ import annotations

import math
from dataclasses import dataclass

# scale 1: one million OLTP sales rows; the other files grow with the scale, within floors that
# keep tiny datasets (scale 0.001) useful: every product type, a few hundred searches and log lines
SALES_PER_SCALE = 1_000_000
FACTS_PER_SCALE = 300_000  # the course's FactSales.csv: about 300,000 rows
ECOMMERCE_PER_SCALE = 70_000  # the course's ecommerce.csv: 68,003 rows
PRODUCTS_PER_SCALE = 5_000
CUSTOMERS_PER_SCALE = 100_000
SEARCHES_PER_SCALE = 10_000
LOG_LINES_PER_SCALE = 10_000

MIN_SALES = 100
MIN_FACTS = 100
MIN_ECOMMERCE = 100
MIN_PRODUCTS = 40
MIN_CUSTOMERS = 50
MIN_SEARCHES = 300
MIN_LOG_LINES = 300

# a guard against typos such as --scale 1000 (a billion rows)
MAX_SCALE = 100.0


@dataclass(frozen=True)
class Sizes:
    sales: int
    facts: int
    ecommerce: int
    products: int
    customers: int
    searches: int
    log_lines: int


def sizes_for(scale: float) -> Sizes:
    """Row counts for ``scale``; raises ValueError for a scale that is not in (0, MAX_SCALE]."""
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"--scale must be a positive number, got {scale!r}")
    if scale > MAX_SCALE:
        raise ValueError(
            f"--scale must be at most {MAX_SCALE:g} (that is {MAX_SCALE:,.0f} million sales rows)"
        )

    def n(per_scale: int, floor: int) -> int:
        return max(floor, round(per_scale * scale))

    return Sizes(
        sales=n(SALES_PER_SCALE, MIN_SALES),
        facts=n(FACTS_PER_SCALE, MIN_FACTS),
        ecommerce=n(ECOMMERCE_PER_SCALE, MIN_ECOMMERCE),
        products=n(PRODUCTS_PER_SCALE, MIN_PRODUCTS),
        customers=n(CUSTOMERS_PER_SCALE, MIN_CUSTOMERS),
        searches=n(SEARCHES_PER_SCALE, MIN_SEARCHES),
        log_lines=n(LOG_LINES_PER_SCALE, MIN_LOG_LINES),
    )
