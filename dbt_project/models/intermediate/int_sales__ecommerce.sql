-- The course's ecommerce.csv history conformed to the fact's grain and columns: one item a line
-- (quantity 1, amount = price), the item's natural key (dim_item's), no country.
with sales as (
    select * from {{ ref('stg_files__ecommerce_sales') }}
),

final as (
    select
        'ecommerce:' || cast(sales.line_number as varchar(20)) as sale_key,
        'ecommerce' as source_system,
        sales.line_number as source_id,
        sales.sale_date,
        cast(null as timestamp) as sold_at,
        cast(null as bigint) as product_id,
        {{ ecommerce_item_natural_key('sales.category_name', 'sales.item_name') }} as item_natural_key,
        cast(null as varchar(100)) as category_name,
        cast(null as varchar(100)) as country_name,
        cast(null as bigint) as customer_id,
        1 as quantity,
        sales.price,
        sales.price as amount,
        sales.ingest_run_id,
        sales.loaded_at
    from sales
)

select * from final
