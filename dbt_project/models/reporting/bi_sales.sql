-- The BI server's sales table (Superset's dataset `bi_sales`, softcart/dashboards/): the sales
-- facts added up per source system, month, category, country and item, with the sums every measure
-- of the dashboards derives from. The measures themselves (revenue, sales count, average order
-- value) are defined once, in this model's YAML (`meta.metrics`), and become the dataset's metrics.
-- A few thousand rows, whatever the number of sales: every chart reads this, never the fact.
-- Made from the aggregate fact fct_sales_monthly_by_item (the sales already added up per month,
-- item label, category and country by key), with the names joined to its rows: a change to a
-- dimension rebuilds this table from those rows, not from every sale line. A sale whose attribute
-- is unknown counts under "Unknown"; year and month NULL and month_key -1 = no date.
with cells as (
    select * from {{ ref('fct_sales_monthly_by_item') }}
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
        cells.item_label
    from cells
    left join months
        on cells.month_key = months.month_id
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
