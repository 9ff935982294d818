-- The course's DimCountry.csv: country id and trimmed name.
with source as (
    select * from {{ source('files', 'dim_country') }}
),

ranked as (
    select
        cast(countryid as integer) as country_id,
        cast(nullif(trim(country), '') as varchar(100)) as country_name,
        cast("_softcart_loaded_at" as timestamp) as loaded_at,
        row_number() over (
            partition by countryid
            order by "_softcart_loaded_at" desc, "_softcart_run_id" desc
        ) as landing_rank
    from source
),

final as (
    select
        country_id,
        country_name,
        loaded_at
    from ranked
    where landing_rank = 1
)

select * from final
