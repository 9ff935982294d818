-- Stock on hand per product over time (SCD2 from MySQL inventory's change log): one row per
-- version, valid_from / valid_to from the source's commit times; a deleted product's last
-- version is closed by the delete. The current stock: is_current = 1.
with history as (
    {{ change_log_history(
        source('mysql_sales', 'inventory'), 'product_id', ['on_hand', 'reorder_level']) }}
),

final as (
    select
        cast(product_id as bigint) as product_id,
        cast(on_hand as integer) as on_hand,
        cast(reorder_level as integer) as reorder_level,
        {{ change_log_history_columns() }}
    from history
)

select * from final
