-- The course's searchterms.csv: one search a line, with its date.
with source as (
    select * from {{ source('files', 'searchterms') }}
),

final as (
    select
        cast("_line" as bigint) as line_number,
        {{ date_from_parts(
            'cast(year as integer)', 'cast(month as integer)', 'cast(day as integer)') }} as search_date,
        cast(lower(trim(searchterm)) as varchar(200)) as search_term,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
