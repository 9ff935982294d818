-- The course's ecommerce.csv: one sold item a line, with its date built from day/month/year.
with source as (
    select * from {{ source('files', 'ecommerce') }}
),

ranked as (
    select
        cast("_line" as bigint) as line_number,
        {{ date_from_parts(
            'cast(year as integer)', 'cast(month as integer)', 'cast(day as integer)') }} as sale_date,
        cast(nullif(trim(category), '') as varchar(100)) as category_name,
        cast(nullif(trim(item), '') as varchar(200)) as item_name,
        cast(price as decimal(12, 2)) as price,
        cast("_softcart_run_id" as bigint) as ingest_run_id,
        cast("_softcart_loaded_at" as timestamp) as loaded_at,
        row_number() over (
            partition by "_line"
            order by "_softcart_loaded_at" desc, "_softcart_run_id" desc
        ) as landing_rank
    from source
),

final as (
    select
        line_number,
        sale_date,
        category_name,
        item_name,
        price,
        ingest_run_id,
        loaded_at
    from ranked
    where landing_rank = 1
)

select * from final
