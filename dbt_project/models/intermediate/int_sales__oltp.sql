-- The OLTP sales (MySQL sales.sales_data, as it holds them now) conformed to the fact's grain
-- and columns: amount = price x quantity, the customer's current country, the catalog product's
-- id (bigint; the fact finds the catalog item by it, not by dim_item's text natural key). One row
-- per sale line; `source_id` keeps the source's own key and type, so the fact's incremental filter
-- on it reaches raw's (key, _softcart_seq) index.
with sales as (
    select * from {{ ref('stg_mysql_sales__sales') }}
),

customers as (
    select * from {{ ref('stg_mysql_sales__customers') }}
),

final as (
    select
        'oltp:' || cast(sales.sale_id as varchar(20)) as sale_key,
        'oltp' as source_system,
        sales.sale_id as source_id,
        cast(sales.sold_at as date) as sale_date,
        sales.sold_at,
        sales.product_id,
        cast(null as varchar(300)) as item_natural_key,
        cast(null as varchar(100)) as category_name,
        customers.country_name,
        sales.customer_id,
        sales.quantity,
        sales.price,
        cast(sales.price * sales.quantity as decimal(14, 2)) as amount,
        sales.ingest_run_id,
        sales.loaded_at
    from sales
    left join customers
        on sales.customer_id = customers.customer_id
)

select * from final
