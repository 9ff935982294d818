-- One row per OLTP sale line (MySQL sales.sales_data), typed, the latest landing of each rowid.
with source as (
    select * from {{ source('mysql_sales', 'sales_data') }}
),

ranked as (
    select
        cast(rowid as bigint) as sale_id,
        cast(product_id as bigint) as product_id,
        cast(customer_id as bigint) as customer_id,
        cast(price as decimal(12, 2)) as price,
        cast(quantity as integer) as quantity,
        cast("timestamp" as timestamp) as sold_at,
        cast("_softcart_run_id" as bigint) as ingest_run_id,
        cast("_softcart_loaded_at" as timestamp) as loaded_at,
        row_number() over (
            partition by rowid
            order by "_softcart_loaded_at" desc, "_softcart_run_id" desc
        ) as landing_rank
    from source
),

final as (
    select
        sale_id,
        product_id,
        customer_id,
        price,
        quantity,
        sold_at,
        ingest_run_id,
        loaded_at
    from ranked
    where landing_rank = 1
)

select * from final
