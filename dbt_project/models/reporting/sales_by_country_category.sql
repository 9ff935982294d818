-- Total sales by GROUPING SETS (country, category) (the course's production-warehouse report),
-- over every sale of fct_sales (all source systems: they are separate sales channels): one row
-- per country (category NULL) and one row per category (country NULL). Aggregated from the
-- monthly aggregate fact fct_sales_monthly, which holds the same sums and counts per cell.
with sales as (
    select * from {{ ref('fct_sales_monthly') }}
),

countries as (
    select * from {{ ref('dim_country') }}
),

categories as (
    select * from {{ ref('dim_category') }}
),

final as (
    select
        countries.country_name as country,
        categories.category_name as category,
        cast(
            case when grouping(countries.country_name) = 0 then 'country' else 'category' end
            as varchar(10)
        ) as grouped_by,
        cast(sum(sales.total_sales) as decimal(18, 2)) as total_sales,
        cast(sum(sales.sale_count) as bigint) as sale_count
    from sales
    left join countries
        on sales.country_key = countries.country_key
    left join categories
        on sales.category_key = categories.category_key
    group by grouping sets (countries.country_name, categories.category_name)
)

select * from final
