"""What the export writes: the marts contract (docs/architecture.md) as lake tables.

``sales`` is the wide table the Spark jobs read: ``marts.fct_sales`` with the attributes of its
dimensions, partitioned by the sale's calendar ``year`` and ``month`` (-1 when the date is unknown).
Each dimension is written whole, unpartitioned. ``amount_cents`` (``amount`` × 100 as a bigint) lets
Spark aggregate money exactly and fast: its sums of ``decimal(18, 2)`` overflow into Java
``BigDecimal`` (precision 28), several times slower than sums of longs (docs/spark.md, benchmark). Types are fixed by casts here, so the Parquet schema
does not depend on how dbt happened to type a column.
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


SALES_SELECT = """
select
    f.sale_key::text as sale_key,
    f.source_system::text as source_system,
    f.date_key::integer as date_key,
    d.date_day::date as date_day,
    d.quarter::integer as quarter,
    d.quarter_name::text as quarter_name,
    d.month_name::text as month_name,
    d.day::integer as day,
    d.weekday::integer as weekday,
    d.weekday_name::text as weekday_name,
    f.item_key::bigint as item_key,
    i.item_name::text as item_name,
    i.item_type::text as item_type,
    f.category_key::integer as category_key,
    c.category_name::text as category_name,
    f.country_key::integer as country_key,
    co.country_name::text as country_name,
    f.customer_id::bigint as customer_id,
    f.quantity::integer as quantity,
    f.price::numeric(18, 2) as price,
    f.amount::numeric(18, 2) as amount,
    round(f.amount * 100)::bigint as amount_cents,
    f.sold_at::timestamp as sold_at,
    coalesce(d.year, -1)::integer as year,
    coalesce(d.month, -1)::integer as month
from marts.fct_sales as f
left join marts.dim_date as d on d.date_key = f.date_key
left join marts.dim_item as i on i.item_key = f.item_key
left join marts.dim_category as c on c.category_key = f.category_key
left join marts.dim_country as co on co.country_key = f.country_key
"""

SALES = LakeTable("sales", SALES_SELECT, ("year", "month"), "marts.fct_sales")
DIMENSIONS = tuple(
    LakeTable(name, f"select * from marts.{name}", (), f"marts.{name}")
    for name in ("dim_date", "dim_category", "dim_item", "dim_country")
)
MART_TABLES: tuple[LakeTable, ...] = (SALES, *DIMENSIONS)
REQUIRED_RELATIONS = (
    "marts.fct_sales",
    "marts.dim_date",
    "marts.dim_category",
    "marts.dim_item",
    "marts.dim_country",
)
