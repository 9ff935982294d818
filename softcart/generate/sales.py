"""The world's sales, through three sales channels, one file each.

The three files hold different sales (so a warehouse that adds them up counts each sale once),
made by the same process from the same catalog, customers and calendar:

* ``oltpdata.csv``: the web shop's OLTP log, one line per sale, ascending timestamps.
* ``FactSales.csv``: the partner marketplaces' sales as the course's warehouse keeps them, one
  fact per sale line: ``orderid`` 1.., ``dateid`` = DimDate id of the sale's day,
  ``countryid`` = the customer's country, ``categoryid`` = the product type's category,
  ``amount`` = price × quantity.
* ``ecommerce.csv``: the mobile app's ECOMMERCE_YEAR sales, for the dashboards: ``category`` and
  ``item`` of the product's type, ``price`` = price × quantity (the line's total).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from softcart.generate.calendar import EPOCH, day_dates, day_parts
from softcart.generate.catalog import Catalog
from softcart.generate.customers import Customers
from softcart.generate.formats import csv_lines
from softcart.generate.sampling import weighted_indices
from softcart.generate.world import N_DAYS, PRODUCT_TYPES

SECONDS_PER_DAY = 86_400
CHUNK_ROWS = 500_000

# the shape of demand: growth per year, a Black-Friday-to-Christmas peak, busier weekends,
# quiet nights
YEAR_GROWTH = {2019: 1.0, 2020: 1.25, 2021: 1.4, 2022: 1.5}
MONTH_SEASON = (0.85, 0.8, 0.9, 0.9, 0.95, 0.95, 0.9, 0.95, 1.0, 1.05, 1.35, 1.6)
WEEKEND_LIFT = 1.2
HOUR_WEIGHTS = (
    0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.0, 1.1, 1.2,
    1.3, 1.2, 1.1, 1.1, 1.2, 1.3, 1.5, 1.7, 1.8, 1.6, 1.1, 0.6,
)  # fmt: skip
QUANTITY_WEIGHTS = (0.55, 0.2, 0.12, 0.08, 0.05)  # 1..5 items per line
DISCOUNT_SHARE = 0.12  # lines sold 5-30 % below list price


@dataclass(frozen=True)
class Sales:
    seconds: np.ndarray  # int64 seconds since FIRST_DAY 00:00:00, ascending
    product: np.ndarray  # index into the catalog
    customer: np.ndarray  # index into the customers
    price: np.ndarray  # int64 unit price
    quantity: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.seconds)

    def day(self, part: slice) -> np.ndarray:
        """Day index (0 = FIRST_DAY) of the lines in ``part``."""
        return self.seconds[part] // SECONDS_PER_DAY


def day_weights() -> np.ndarray:
    """Relative demand of each day of the world."""
    dates = day_dates()
    years, months, _ = day_parts(np.arange(N_DAYS))
    weekday = (dates.astype(np.int64) + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    weights = np.array([YEAR_GROWTH[int(y)] for y in years]) * np.take(MONTH_SEASON, months - 1)
    weights = weights * np.where(weekday >= 5, WEEKEND_LIFT, 1.0)
    return weights / weights.sum()


def year_day_weights(year: int) -> np.ndarray:
    """Relative demand of each day of the world, zero outside ``year``."""
    years, _, _ = day_parts(np.arange(N_DAYS))
    weights = np.where(years == year, day_weights(), 0.0)
    return weights / weights.sum()


def generate_sales(
    rng: np.random.Generator,
    n_sales: int,
    catalog: Catalog,
    customers: Customers,
    days: np.ndarray | None = None,
) -> Sales:
    """``n_sales`` sale lines in time order; ``days``: demand per day (default: day_weights())."""
    per_day = rng.multinomial(n_sales, day_weights() if days is None else days)
    day = np.repeat(np.arange(N_DAYS, dtype=np.int64), per_day)
    hours = np.array(HOUR_WEIGHTS)
    hour = weighted_indices(rng, hours, n_sales)
    seconds = np.sort(day * SECONDS_PER_DAY + hour * 3600 + rng.integers(0, 3600, n_sales))
    product = weighted_indices(rng, catalog.popularity, n_sales)
    customer = weighted_indices(rng, customers.activity, n_sales)
    quantity = weighted_indices(rng, np.array(QUANTITY_WEIGHTS), n_sales) + 1
    discount = np.where(rng.random(n_sales) < DISCOUNT_SHARE, rng.uniform(0.05, 0.30, n_sales), 0.0)
    price = np.maximum(1, np.rint(catalog.list_price[product] * (1.0 - discount))).astype(np.int64)
    return Sales(seconds=seconds, product=product, customer=customer, price=price, quantity=quantity)


def _chunks(n: int) -> Iterator[slice]:
    for start in range(0, n, CHUNK_ROWS):
        yield slice(start, min(n, start + CHUNK_ROWS))


def _timestamps(seconds: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' strings (arrow's cast is ~20x faster than strftime)."""
    stamps = EPOCH.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    return pc.cast(pa.array(stamps), pa.string())


def oltp_chunks(sales: Sales, catalog: Catalog, customers: Customers) -> Iterator[tuple[bytes, int]]:
    """oltpdata.csv: ``product_id,customer_id,price,quantity,timestamp``."""
    for part in _chunks(len(sales)):
        columns = [
            pa.array(catalog.product_id[sales.product[part]]),
            pa.array(customers.customer_id[sales.customer[part]]),
            pa.array(sales.price[part]),
            pa.array(sales.quantity[part]),
            _timestamps(sales.seconds[part]),
        ]
        yield csv_lines(columns), part.stop - part.start


def _category_ids(catalog: Catalog) -> np.ndarray:
    """categoryid of each catalog product."""
    per_type = np.array([t.category_id for t in PRODUCT_TYPES], dtype=np.int64)
    return per_type[catalog.type_index]


def fact_sales_chunks(facts: Sales, catalog: Catalog, customers: Customers) -> Iterator[tuple[bytes, int]]:
    """FactSales.csv: ``orderid,dateid,countryid,categoryid,amount``, one per sale line."""
    category_id = _category_ids(catalog)
    for part in _chunks(len(facts)):
        columns = [
            pa.array(np.arange(part.start + 1, part.stop + 1, dtype=np.int64)),
            pa.array(facts.day(part) + 1),
            pa.array(customers.country_index[facts.customer[part]] + 1),
            pa.array(category_id[facts.product[part]]),
            pa.array(facts.price[part] * facts.quantity[part]),
        ]
        yield csv_lines(columns), part.stop - part.start


def ecommerce_chunks(orders: Sales, catalog: Catalog) -> Iterator[tuple[bytes, int]]:
    """ecommerce.csv: ``day,month,quarter,year,category,item,price``, one per sale line."""
    categories = pa.array([t.category for t in PRODUCT_TYPES])
    items = pa.array([t.item for t in PRODUCT_TYPES])
    for part in _chunks(len(orders)):
        year, month, day = day_parts(orders.day(part))
        types = pa.array(catalog.type_index[orders.product[part]])
        columns = [
            pa.array(day),
            pa.array(month),
            pa.array((month - 1) // 3 + 1),
            pa.array(year),
            categories.take(types),
            items.take(types),
            pa.array(orders.price[part] * orders.quantity[part]),
        ]
        yield csv_lines(columns), part.stop - part.start
