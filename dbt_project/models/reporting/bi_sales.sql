-- The BI server's sales table (Superset's dataset `bi_sales`, softcart/dashboards/): the sales
-- facts added up per source system, month, category, country and item, with the sums every measure
-- of the dashboards derives from. The measures themselves (revenue, sales count, average order
-- value) are defined once, in this model's YAML (`meta.metrics`), and become the dataset's metrics.
-- A few thousand rows, whatever the number of sales: every chart reads this, never the fact.
-- The facts are added up by integer keys first (month, item label, category, country: `cells`, a
-- few tens of thousands of rows at scale 1), and the names are joined to the cells, not to every
-- sale: grouping 1.37 M wide rows by their names sorted them on disk (3.7-3.9 s at scale 1; the
-- planner expects as many groups as rows). The fact meets the item labels in a hash join on
-- dim_item's key: `item_labels` is read once (PostgreSQL inlines it and sees dim_item's statistics),
-- and `labels` numbers the same labels from dim_item on its own; read twice, `item_labels` became a
-- materialized CTE without statistics, and the planner sorted the 1.37 M facts on disk to
-- merge-join them (1.6-1.9 s against 0.9-1.0 s at scale 1). A sale whose attribute is unknown counts
-- under "Unknown"; year and month NULL and month_key -1 = no date.
-- Its aggregation gets 64 MB of work_mem (macros/work_mem.sql): the planner expects a group per
-- fact, and with the default 4 MB the hash aggregate spilled 59 MB to disk (0.2 s of its 1.2 s).
{{ config(pre_hook="{{ softcart_work_mem('64MB') }}") }}
{#- an item's label: by its type when it has one (the catalog's "smart phone", the ecommerce items'
    lower-cased names), else by its name #}
{%- set item_label = "coalesce(nullif(item_type, ''), nullif(item_name, ''), 'Unknown')" %}

with sales as (
    select * from {{ ref('fct_sales') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

categories as (
    select * from {{ ref('dim_category') }}
),

countries as (
    select * from {{ ref('dim_country') }}
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

-- a month per yyyymm of the days (the unknown day -1: month -1)
months as (
    select distinct
        {{ month_key('date_key') }} as month_id,
        year,
        quarter,
        month,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start
    from dates
),

cells as (
    select
        sales.source_system,
        {{ month_key('sales.date_key') }} as month_id,
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

labelled as (
    select
        cells.source_system,
        cells.revenue,
        cells.sale_count,
        cells.priced_sale_count,
        nullif(coalesce(months.year, -1), -1) as year,
        months.quarter,
        nullif(coalesce(months.month, -1), -1) as month,
        months.month_start,
        coalesce(categories.category_name, 'Unknown') as category_name,
        coalesce(countries.country_name, 'Unknown') as country_name,
        coalesce(labels.item_label, 'Unknown') as item_label
    from cells
    left join months
        on cells.month_id = months.month_id
    left join labels
        on cells.label_id = labels.label_id
    left join categories
        on cells.category_key = categories.category_key
    left join countries
        on cells.country_key = countries.country_key
),

final as (
    select
        cast(source_system as varchar(20)) as source_system,
        cast(coalesce(year * 100 + month, -1) as integer) as month_key,
        cast(year as integer) as year,
        cast(quarter as integer) as quarter,
        cast(month as integer) as month,
        month_start,
        cast(category_name as varchar(100)) as category_name,
        cast(country_name as varchar(100)) as country_name,
        cast(item_label as varchar(200)) as item_label,
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        cast(sum(sale_count) as bigint) as sale_count,
        cast(sum(priced_sale_count) as bigint) as priced_sale_count
    from labelled
    group by
        source_system, year, quarter, month, month_start, category_name, country_name, item_label
)

select * from final
