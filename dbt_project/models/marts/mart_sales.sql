{{ config(materialized='view') }}
-- The sales facts with their dimensions' attributes, one wide row per sale line: what the Parquet
-- lake's `sales` table holds (`softcart export` selects from this view, softcart/lake/export/tables.py).
-- Partitioned in the lake by the sale's calendar `year` and `month` (-1 when the date is unknown),
-- which come last. `amount_cents` (amount x 100 as a bigint) lets Spark add money exactly and fast:
-- its sums of decimal(18, 2) overflow into Java BigDecimal, several times slower (docs/spark.md).
-- A view: the lake is its only reader, and it reads each changed partition once.

with sales as (
    select * from {{ ref('fct_sales') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

items as (
    select * from {{ ref('dim_item') }}
),

categories as (
    select * from {{ ref('dim_category') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

final as (
    select
        sales.sale_key,
        sales.source_system,
        sales.date_key,
        dates.date_day,
        dates.quarter,
        dates.quarter_name,
        dates.month_name,
        dates.day,
        dates.weekday,
        dates.weekday_name,
        sales.item_key,
        items.item_name,
        items.item_type,
        sales.category_key,
        categories.category_name,
        sales.country_key,
        countries.country_name,
        sales.customer_id,
        sales.quantity,
        cast(sales.price as decimal(18, 2)) as price,
        cast(sales.amount as decimal(18, 2)) as amount,
        cast(round(sales.amount * 100, 0) as bigint) as amount_cents,
        sales.sold_at,
        cast(coalesce(dates.year, -1) as integer) as year,
        cast(coalesce(dates.month, -1) as integer) as month
    from sales
    left join dates on sales.date_key = dates.date_key
    left join items on sales.item_key = items.item_key
    left join categories on sales.category_key = categories.category_key
    left join countries on sales.country_key = countries.country_key
)

select * from final
