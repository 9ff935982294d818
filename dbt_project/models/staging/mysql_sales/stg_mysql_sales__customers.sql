-- One row per customer as MySQL holds it now (the change log's latest change per customer_id,
-- customers deleted at the source left out), with a cleaned country name (blank -> NULL).
with source as (
    {{ change_log_current_state(source('mysql_sales', 'customers'), 'customer_id') }}
),

final as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(nullif(trim(country), '') as varchar(100)) as country_name,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
