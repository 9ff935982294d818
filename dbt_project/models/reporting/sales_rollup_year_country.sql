-- Total sales by ROLLUP (year, country) over every sale of fct_sales (all source systems: they are
-- separate sales channels): per (year, country), per year (country NULL) and the grand total (both
-- NULL). The *_is_total flags tell a subtotal from a NULL year (unknown date). Aggregated from the
-- monthly aggregate fact fct_sales_monthly.
with sales as (
    select * from {{ ref('fct_sales_monthly') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

final as (
    select
        sales.year,
        countries.country_name as country,
        cast(grouping(sales.year) as smallint) as year_is_total,
        cast(grouping(countries.country_name) as smallint) as country_is_total,
        cast(sum(sales.total_sales) as decimal(18, 2)) as total_sales,
        cast(sum(sales.sale_count) as bigint) as sale_count
    from sales
    left join countries
        on sales.country_key = countries.country_key
    group by rollup (sales.year, countries.country_name)
)

select * from final
