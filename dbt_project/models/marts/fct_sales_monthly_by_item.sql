-- The sales facts added up per source system, month, item label, category and country, with the
-- sums every sales measure derives from: the aggregate fact the BI table bi_sales is made of (as
-- fct_sales_monthly is the reports'). A table of its own because it is the one costly step of
-- bi_sales (every sale line read, joined to its item's label, grouped) and it reads no date,
-- category or country dimension: a change to one of those (a month's name, say) rebuilds bi_sales
-- from these few thousand rows, not from every sale line again.
-- The facts are added up by integer keys first (month, item label number, category, country:
-- `cells`): grouping 1.37 M wide rows by their names sorted them on disk (3.7-3.9 s at scale 1;
-- the planner expects as many groups as rows). The fact meets the item labels in a hash join on
-- dim_item's key: `item_labels` is read once (PostgreSQL inlines it and sees dim_item's
-- statistics), and `labels` numbers the same labels from dim_item on its own; read twice,
-- `item_labels` became a materialized CTE without statistics, and the planner sorted the 1.37 M
-- facts on disk to merge-join them (1.6-1.9 s against 0.9-1.0 s at scale 1). The aggregation gets
-- 64 MB of work_mem (macros/work_mem.sql): with the default 4 MB it spilled 59 MB to disk.
-- month_key = yyyymm of the sale's day; -1 for sales without a date.
{{ config(pre_hook="{{ softcart_work_mem('64MB') }}") }}
{#- an item's label: by its type when it has one (the catalog's "smart phone", the ecommerce items'
    lower-cased names), else by its name #}
{%- set item_label = "coalesce(nullif(item_type, ''), nullif(item_name, ''), 'Unknown')" %}

with sales as (
    select * from {{ ref('fct_sales') }}
),

-- each item's label numbered (read once, by `cells`)
item_labels as (
    select
        item_key,
        dense_rank() over (order by item_label) as label_id
    from (
        select
            item_key,
            {{ item_label }} as item_label
        from {{ ref('dim_item') }}
    ) as labelled_items
),

-- the same numbers, one per label
labels as (
    select
        item_label,
        dense_rank() over (order by item_label) as label_id
    from (
        select distinct {{ item_label }} as item_label
        from {{ ref('dim_item') }}
    ) as distinct_labels
),

cells as (
    select
        sales.source_system,
        {{ month_key('sales.date_key') }} as month_key,
        item_labels.label_id,
        sales.category_key,
        sales.country_key,
        sum(sales.amount) as revenue,
        count(*) as sale_count,
        count(sales.amount) as priced_sale_count
    from sales
    left join item_labels
        on sales.item_key = item_labels.item_key
    group by
        sales.source_system,
        {{ month_key('sales.date_key') }},
        item_labels.label_id,
        sales.category_key,
        sales.country_key
),

-- a sale of an item dim_item lacks counts under "Unknown", with the unknown item's sales
labelled as (
    select
        cells.source_system,
        cells.month_key,
        coalesce(labels.item_label, 'Unknown') as item_label,
        cells.category_key,
        cells.country_key,
        cells.revenue,
        cells.sale_count,
        cells.priced_sale_count
    from cells
    left join labels
        on cells.label_id = labels.label_id
),

final as (
    select
        cast(source_system as varchar(20)) as source_system,
        cast(month_key as integer) as month_key,
        cast(item_label as varchar(200)) as item_label,
        category_key,
        country_key,
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        cast(sum(sale_count) as bigint) as sale_count,
        cast(sum(priced_sale_count) as bigint) as priced_sale_count,
        {{ audit_columns() }}
    from labelled
    group by source_system, month_key, item_label, category_key, country_key
)

select * from final
