-- Where each customer lived over time (SCD2 from MySQL customers' change log): one row per
-- version, valid_from / valid_to from the source's commit times; a deleted customer's last
-- version is closed by the delete. Blank countries become NULL, as in staging.
with history as (
    {{ change_log_history(source('mysql_sales', 'customers'), 'customer_id', ['country']) }}
),

final as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(nullif(trim(country), '') as varchar(100)) as country_name,
        {{ change_log_history_columns() }}
    from history
)

select * from final
