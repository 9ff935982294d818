-- The course's DimDate.csv: only the id -> calendar date mapping is kept (FactSales.csv refers to
-- dateid); every attribute of a date is recomputed in dim_date, because the file's Quarter is
-- wrong on the quarter-end dates.
with source as (
    select * from {{ source('files', 'dim_date') }}
),

final as (
    select
        cast(dateid as integer) as date_id,
        cast("date" as date) as date_day,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
