-- The course's searchterms.csv: one search a line, with its date.
with source as (
    select * from {{ source('files', 'searchterms') }}
),

ranked as (
    select
        cast("_line" as bigint) as line_number,
        {{ date_from_parts(
            'cast(year as integer)', 'cast(month as integer)', 'cast(day as integer)') }} as search_date,
        cast(lower(trim(searchterm)) as varchar(200)) as search_term,
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
        search_date,
        search_term,
        loaded_at
    from ranked
    where landing_rank = 1
)

select * from final
