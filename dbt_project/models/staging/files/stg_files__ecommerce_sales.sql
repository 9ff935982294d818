-- The course's ecommerce.csv: one sold item a line, with its date built from day/month/year.
with source as (
    select * from {{ source('files', 'ecommerce') }}
),

final as (
    select
        cast("_line" as bigint) as line_number,
        {{ date_from_parts(
            'cast(year as integer)', 'cast(month as integer)', 'cast(day as integer)') }} as sale_date,
        cast(nullif(trim(category), '') as varchar(100)) as category_name,
        cast(nullif(trim(item), '') as varchar(200)) as item_name,
        cast(price as decimal(12, 2)) as price,
        cast("_softcart_run_id" as bigint) as ingest_run_id,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
