-- Where each customer lived over time (SCD2 from MySQL customers' change log): one row per
-- version, valid_from / valid_to from the source's commit times; a deleted customer's last
-- version is closed by the delete. Blank countries become NULL, as in staging.
with history as (
    {{ change_log_history(source('mysql_sales', 'customers'), 'customer_id', ['country']) }}
),

final as (
    select
        cast(customer_id as bigint) as customer_id,
        cast(change_seq as bigint) as change_seq,
        cast(nullif(trim(country), '') as varchar(100)) as country_name,
        cast(valid_from as timestamp) as valid_from,
        cast(valid_to as timestamp) as valid_to,
        cast(is_current as integer) as is_current,
        {{ audit_columns() }}
    from history
)

select * from final
