-- Every dimension the fact points to has its unknown member (-1), so a fact with a missing
-- attribute always finds a row. Returns the dimensions that lack it.
with members as (
    select 'dim_date' as dimension, count(*) as unknown_rows
    from {{ ref('dim_date') }} where date_key = -1
    union all
    select 'dim_item' as dimension, count(*) as unknown_rows
    from {{ ref('dim_item') }} where item_key = -1
    union all
    select 'dim_category' as dimension, count(*) as unknown_rows
    from {{ ref('dim_category') }} where category_key = -1
    union all
    select 'dim_country' as dimension, count(*) as unknown_rows
    from {{ ref('dim_country') }} where country_key = -1
)

select * from members
where unknown_rows <> 1
