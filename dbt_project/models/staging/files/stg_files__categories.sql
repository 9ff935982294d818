-- The course's DimCategory.csv: category id and trimmed name.
with source as (
    select * from {{ source('files', 'dim_category') }}
),

ranked as (
    select
        cast(categoryid as integer) as category_id,
        cast(nullif(trim(category), '') as varchar(100)) as category_name,
        cast("_softcart_loaded_at" as timestamp) as loaded_at,
        row_number() over (
            partition by categoryid
            order by "_softcart_loaded_at" desc, "_softcart_run_id" desc
        ) as landing_rank
    from source
),

final as (
    select
        category_id,
        category_name,
        loaded_at
    from ranked
    where landing_rank = 1
)

select * from final
