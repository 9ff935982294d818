-- Total sales by ROLLUP (year, country) over every sale of fct_sales (all source systems: they are
-- separate sales channels): per (year, country), per year (country NULL) and the grand total (both
-- NULL). The *_is_total flags tell a subtotal from a NULL year (unknown date).
with sales as (
    select * from {{ ref('fct_sales') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

final as (
    select
        dates.year,
        countries.country_name as country,
        cast(grouping(dates.year) as smallint) as year_is_total,
        cast(grouping(countries.country_name) as smallint) as country_is_total,
        cast(sum(sales.amount) as decimal(18, 2)) as total_sales,
        cast(count(*) as bigint) as sale_count
    from sales
    left join dates
        on sales.date_key = dates.date_key
    left join countries
        on sales.country_key = countries.country_key
    group by rollup (dates.year, countries.country_name)
)

select * from final
