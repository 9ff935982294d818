-- The course's ecommerce.csv in the conformed column list of every sales source
-- (int_sales_unioned): one item a line (quantity 1, amount = price), the item's natural key
-- (dim_item's, which carries its category); the file names no country.
with sales as (
    select * from {{ ref('stg_files__ecommerce_sales') }}
),

final as (
    select
        cast('ecommerce:' || cast(sales.line_number as varchar(20)) as varchar(64)) as sale_key,
        cast('ecommerce' as varchar(20)) as source_system,
        cast(sales.line_number as varchar(20)) as source_id,
        sales.sale_date,
        cast(null as timestamp) as sold_at,
        cast(
            {{ ecommerce_item_natural_key('sales.category_name', 'sales.item_name') }} as varchar(300)
        ) as item_natural_key,
        cast(null as varchar(100)) as category_name,
        cast(null as varchar(100)) as country_name,
        cast(null as bigint) as customer_id,
        cast(1 as integer) as quantity,
        sales.price,
        cast(sales.price as decimal(14, 2)) as amount,
        sales.ingest_run_id,
        sales.loaded_at
    from sales
)

select * from final
