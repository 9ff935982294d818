-- The course's FactSales.csv: one row per order, typed; ids point into the course's dim files.
with source as (
    select * from {{ source('files', 'fact_sales') }}
),

ranked as (
    select
        cast(orderid as bigint) as order_id,
        cast(dateid as integer) as date_id,
        cast(countryid as integer) as country_id,
        cast(categoryid as integer) as category_id,
        cast(amount as decimal(14, 2)) as amount,
        cast("_softcart_run_id" as bigint) as ingest_run_id,
        cast("_softcart_loaded_at" as timestamp) as loaded_at,
        row_number() over (
            partition by orderid
            order by "_softcart_loaded_at" desc, "_softcart_run_id" desc
        ) as landing_rank
    from source
),

final as (
    select
        order_id,
        date_id,
        country_id,
        category_id,
        amount,
        ingest_run_id,
        loaded_at
    from ranked
    where landing_rank = 1
)

select * from final
