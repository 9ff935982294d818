-- One row per OLTP sale line as MySQL sales.sales_data holds it now, typed. Raw is a change log
-- (ingest `mode: cdc`): each rowid's latest change, refunded (deleted) sales left out; a sale
-- whose rowid moved is a delete of the old key and an insert of the new one.
-- ingest_run_id: the run that landed the sale's latest change (fct_sales' high-water mark).
with source as (
    {{ change_log_current_state(source('mysql_sales', 'sales_data'), 'rowid') }}
),

final as (
    select
        cast(rowid as bigint) as sale_id,
        cast(product_id as bigint) as product_id,
        cast(customer_id as bigint) as customer_id,
        cast(price as decimal(12, 2)) as price,
        cast(quantity as integer) as quantity,
        cast("timestamp" as timestamp) as sold_at,
        cast("_softcart_run_id" as bigint) as ingest_run_id,
        cast("_softcart_loaded_at" as timestamp) as loaded_at
    from source
)

select * from final
