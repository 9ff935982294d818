-- One row per customer with a cleaned country name (blank -> NULL), the latest landing wins.
with source as (
    select * from {{ source('mysql_sales', 'customers') }}
),

ranked as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(nullif(trim(country), '') as varchar(100)) as country_name,
        cast("_softcart_loaded_at" as timestamp) as loaded_at,
        row_number() over (
            partition by customer_id
            order by "_softcart_loaded_at" desc, "_softcart_run_id" desc
        ) as landing_rank
    from source
),

final as (
    select
        customer_id,
        country_name,
        loaded_at
    from ranked
    where landing_rank = 1
)

select * from final
