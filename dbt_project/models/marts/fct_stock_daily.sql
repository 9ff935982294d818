-- Stock on hand per product and day (a periodic snapshot fact), from the versions of
-- inventory_history (the change events of MySQL inventory): one row per product and calendar
-- day (UTC) from the day the log first knew the product until today (var stock_as_of), or until
-- the day it was deleted. The day's close is its last version; a stockout is a day on which the
-- product was at 0 at any moment (a sale took the last unit), even when a restock came later.
with versions as (
    select
        product_id,
        change_seq,
        on_hand,
        reorder_level,
        valid_from,
        valid_to
    from {{ ref('inventory_history') }}
),

bounds as (
    select
        cast(min(valid_from) as date) as first_day,
        cast({{ var('stock_as_of', 'current_date') }} as date) as last_day
    from versions
),

digits as (
    select digit
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d (digit)
),

-- 0 .. 9999: the days of up to 27 years
day_offsets as (
    select ones.digit + 10 * tens.digit + 100 * hundreds.digit + 1000 * thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
),

days as (
    select
        {{ add_days('bounds.first_day', 'day_offsets.day_offset') }} as stock_date,
        cast({{ add_days('bounds.first_day', 'day_offsets.day_offset') }} as timestamp) as day_start,
        cast({{ add_days('bounds.first_day', 'day_offsets.day_offset + 1') }} as timestamp) as day_end
    from bounds
    cross join day_offsets
    where {{ add_days('bounds.first_day', 'day_offsets.day_offset') }} <= bounds.last_day
),

-- every version that held at some moment of a day
day_versions as (
    select
        days.stock_date,
        versions.product_id,
        versions.on_hand,
        versions.reorder_level,
        row_number() over (
            partition by versions.product_id, days.stock_date
            order by versions.change_seq desc
        ) as latest_first,
        min(versions.on_hand) over (partition by versions.product_id, days.stock_date) as min_on_hand,
        sum(case when versions.valid_from >= days.day_start then 1 else 0 end)
            over (partition by versions.product_id, days.stock_date) as changes
    from versions
    inner join days
        on
            versions.valid_from < days.day_end
            and (versions.valid_to is null or versions.valid_to > days.day_start)
),

final as (
    select
        stock_date,
        {{ date_key('stock_date') }} as date_key,
        cast(product_id as bigint) as product_id,
        cast(on_hand as integer) as on_hand,
        cast(min_on_hand as integer) as min_on_hand,
        cast(reorder_level as integer) as reorder_level,
        cast(changes as integer) as changes,
        cast(case when min_on_hand = 0 then 1 else 0 end as smallint) as is_stockout,
        cast(case when on_hand = 0 then 1 else 0 end as smallint) as is_out_of_stock,
        cast(case when on_hand <= reorder_level then 1 else 0 end as smallint) as needs_reorder,
        {{ audit_columns() }}
    from day_versions
    where latest_first = 1
)

select * from final
