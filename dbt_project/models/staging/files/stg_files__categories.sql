-- The course's DimCategory.csv: category id and trimmed name.
with source as (
    select * from {{ source('files', 'dim_category') }}
),

final as (
    select
        cast(categoryid as integer) as category_id,
        cast(nullif(trim(category), '') as varchar(100)) as category_name,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
