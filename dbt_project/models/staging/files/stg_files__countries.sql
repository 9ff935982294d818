-- The course's DimCountry.csv: country id and trimmed name.
with source as (
    select * from {{ source('files', 'dim_country') }}
),

final as (
    select
        cast(countryid as integer) as country_id,
        cast(nullif(trim(country), '') as varchar(100)) as country_name,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
