"""What the export writes: the marts contract (docs/architecture.md) as lake tables.

``sales`` is the wide table the Spark jobs read: the dbt model ``marts.mart_sales`` (``fct_sales``
with the attributes of its dimensions, ``amount_cents`` for exact and fast sums in Spark; its
contract fixes the columns and types, so the Parquet schema is defined there), partitioned by the
sale's calendar ``year`` and ``month`` (-1 when the date is unknown). Each dimension is written
whole, unpartitioned.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LakeTable:
    name: str
    """Folder in the lake."""
    select: str
    """SQL producing the rows (partition columns included, last)."""
    partition_by: tuple[str, ...] = ()
    source: str = ""
    """The mart the rows come from (for messages)."""


# the wide table is a dbt model (dbt_project/models/marts/mart_sales.sql, a view with a contract):
# its columns and types are defined there once
SALES_SELECT = "select * from marts.mart_sales"

SALES = LakeTable("sales", SALES_SELECT, ("year", "month"), "marts.mart_sales")
DIMENSIONS = tuple(
    LakeTable(name, f"select * from marts.{name}", (), f"marts.{name}")
    for name in ("dim_date", "dim_category", "dim_item", "dim_country")
)
MART_TABLES: tuple[LakeTable, ...] = (SALES, *DIMENSIONS)
REQUIRED_RELATIONS = (
    "marts.mart_sales",
    "marts.fct_sales",
    "marts.dim_date",
    "marts.dim_category",
    "marts.dim_item",
    "marts.dim_country",
)
