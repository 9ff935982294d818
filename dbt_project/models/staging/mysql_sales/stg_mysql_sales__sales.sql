-- One row per OLTP sale line (MySQL sales.sales_data), typed. The raw key (rowid) is unique:
-- ingest lands each key once (primary key), and the source's `unique` test checks it.
with source as (
    select * from {{ source('mysql_sales', 'sales_data') }}
),

final as (
    select
        cast(rowid as bigint) as sale_id,
        cast(product_id as bigint) as product_id,
        cast(customer_id as bigint) as customer_id,
        cast(price as decimal(12, 2)) as price,
        cast(quantity as integer) as quantity,
        cast("timestamp" as timestamp) as sold_at,
        cast("_softcart_run_id" as bigint) as ingest_run_id,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
