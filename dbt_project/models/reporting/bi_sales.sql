-- The BI server's sales table (Superset's dataset `bi_sales`, dashboards/): the sales facts added
-- up per source system, month, category, country and item, with the sums every measure of the
-- dashboards derives from. The measures themselves (revenue, sales count, average order value)
-- are defined once, in this model's YAML (`meta.metrics`), and become the dataset's metrics.
-- A few thousand rows, whatever the number of sales: every chart reads this, never the fact.
-- Every join is a left join: a sale whose attribute is unknown counts under "Unknown".
with sales as (
    select * from {{ ref('fct_sales') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

items as (
    select * from {{ ref('dim_item') }}
),

categories as (
    select * from {{ ref('dim_category') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

labelled as (
    select
        sales.source_system,
        sales.amount,
        dates.year,
        dates.quarter,
        dates.month,
        cast({{ dbt.date_trunc('month', 'dates.date_day') }} as date) as month_start,
        coalesce(categories.category_name, 'Unknown') as category_name,
        coalesce(countries.country_name, 'Unknown') as country_name,
        -- an item by its type when it has one (the catalog's "smart phone", the ecommerce
        -- items' lower-cased names), else by its name
        coalesce(nullif(items.item_type, ''), nullif(items.item_name, ''), 'Unknown') as item_label
    from sales
    left join dates on sales.date_key = dates.date_key
    left join items on sales.item_key = items.item_key
    left join categories on sales.category_key = categories.category_key
    left join countries on sales.country_key = countries.country_key
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
        cast(sum(amount) as decimal(18, 2)) as revenue,
        cast(count(*) as bigint) as sale_count,
        cast(count(amount) as bigint) as priced_sale_count
    from labelled
    group by
        source_system, year, quarter, month, month_start, category_name, country_name, item_label
)

select * from final
