-- The BI server's sales table (Superset's dataset `bi_sales`, dashboards/): the sales facts added
-- up per source system, month, category, country and item, with the sums every measure of the
-- dashboards derives from. The measures themselves (revenue, sales count, average order value)
-- are defined once, in this model's YAML (`meta.metrics`), and become the dataset's metrics.
-- A few thousand rows, whatever the number of sales: every chart reads this, never the fact.
-- From mart_sales, the facts with their dimensions' attributes (every join a left join there: a
-- sale whose attribute is unknown counts under "Unknown"; year and month -1 = no date).
with sales as (
    select * from {{ ref('mart_sales') }}
),

labelled as (
    select
        source_system,
        amount,
        nullif(year, -1) as year,
        quarter,
        nullif(month, -1) as month,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        coalesce(category_name, 'Unknown') as category_name,
        coalesce(country_name, 'Unknown') as country_name,
        -- an item by its type when it has one (the catalog's "smart phone", the ecommerce
        -- items' lower-cased names), else by its name
        coalesce(nullif(item_type, ''), nullif(item_name, ''), 'Unknown') as item_label
    from sales
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
