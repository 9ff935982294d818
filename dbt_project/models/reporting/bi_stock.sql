-- The BI server's stock table (Superset's dataset `bi_stock`, the stock dashboard): the daily stock
-- of fct_stock_daily with each product's item and category (dim_item, the catalog's products) and
-- a flag for the latest day, the "now" of the dashboard's figures. The measures (units on hand,
-- products out of stock, stockout days, products to reorder) are defined once, in this model's
-- YAML (`meta.metrics`), and become the dataset's metrics.
with stock as (
    select * from {{ ref('fct_stock_daily') }}
),

items as (
    select
        product_id,
        item_name,
        item_type,
        category_name
    from {{ ref('dim_item') }}
    where item_source = 'catalog' and product_id is not null
),

latest as (
    select max(stock_date) as latest_date
    from stock
),

final as (
    select
        stock.stock_date,
        stock.product_id,
        cast(coalesce(items.item_name, 'Unknown') as varchar(200)) as item_name,
        cast(coalesce(nullif(items.item_type, ''), 'unknown') as varchar(100)) as item_type,
        cast(coalesce(items.category_name, 'Unknown') as varchar(100)) as category_name,
        stock.on_hand,
        stock.reorder_level,
        stock.is_stockout,
        stock.is_out_of_stock,
        stock.needs_reorder,
        cast(case when stock.stock_date = latest.latest_date then 1 else 0 end as smallint) as is_latest_day
    from stock
    cross join latest
    left join items
        on stock.product_id = items.product_id
)

select * from final
