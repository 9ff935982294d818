-- The course's FactSales.csv: one row per order, typed; ids point into the course's dim files.
with source as (
    select * from {{ source('files', 'fact_sales') }}
),

final as (
    select
        cast(orderid as bigint) as order_id,
        cast(dateid as integer) as date_id,
        cast(countryid as integer) as country_id,
        cast(categoryid as integer) as category_id,
        cast(amount as decimal(14, 2)) as amount,
        cast("_softcart_run_id" as bigint) as ingest_run_id,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
