-- One row per customer with a cleaned country name (blank -> NULL).
with source as (
    select * from {{ source('mysql_sales', 'customers') }}
),

final as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(nullif(trim(country), '') as varchar(100)) as country_name,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
