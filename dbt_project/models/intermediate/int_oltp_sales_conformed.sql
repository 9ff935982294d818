-- The OLTP sales (MySQL sales.sales_data) in the conformed column list of every sales source
-- (int_sales_unioned): the customer's country, the catalog product's natural key (dim_item's),
-- amount = price x quantity. A missing customer, country or product stays NULL here; fct_sales
-- maps it to the unknown member.
with sales as (
    select * from {{ ref('stg_mysql_sales__sales') }}
),

customers as (
    select * from {{ ref('stg_mysql_sales__customers') }}
),

final as (
    select
        cast('oltp:' || cast(sales.sale_id as varchar(20)) as varchar(64)) as sale_key,
        cast('oltp' as varchar(20)) as source_system,
        cast(sales.sale_id as varchar(20)) as source_id,
        cast(sales.sold_at as date) as sale_date,
        sales.sold_at,
        cast({{ catalog_product_natural_key('sales.product_id') }} as varchar(300)) as item_natural_key,
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
