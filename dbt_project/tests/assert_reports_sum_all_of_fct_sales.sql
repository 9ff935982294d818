-- Every report sums the whole of fct_sales, all source systems together (they are separate sales
-- channels, not copies of one another): each report's grand total and number of sale lines equal
-- the fact's. Returns the reports that differ.
with fact as (
    select
        coalesce(sum(amount), 0) as total_sales,
        count(*) as sale_count
    from {{ ref('fct_sales') }}
),

report_totals as (
    select
        'total_sales_per_country' as report,
        coalesce(sum(total_sales), 0) as total_sales,
        cast(null as bigint) as sale_count
    from {{ ref('total_sales_per_country') }}
    union all
    select
        'sales_by_country_category, country rows' as report,
        coalesce(sum(total_sales), 0) as total_sales,
        coalesce(sum(sale_count), 0) as sale_count
    from {{ ref('sales_by_country_category') }}
    where grouped_by = 'country'
    union all
    select
        'sales_by_country_category, category rows' as report,
        coalesce(sum(total_sales), 0) as total_sales,
        coalesce(sum(sale_count), 0) as sale_count
    from {{ ref('sales_by_country_category') }}
    where grouped_by = 'category'
    union all
    select
        'sales_rollup_year_country, grand total' as report,
        coalesce(sum(total_sales), 0) as total_sales,
        coalesce(sum(sale_count), 0) as sale_count
    from {{ ref('sales_rollup_year_country') }}
    where year_is_total = 1
    union all
    select
        'sales_cube_year_country, grand total' as report,
        coalesce(sum(total_sales), 0) as total_sales,
        coalesce(sum(sale_count), 0) as sale_count
    from {{ ref('sales_cube_year_country') }}
    where year_is_total = 1 and country_is_total = 1
)

select
    report_totals.report,
    report_totals.total_sales,
    report_totals.sale_count,
    fact.total_sales as fact_total_sales,
    fact.sale_count as fact_sale_count
from report_totals
cross join fact
where
    report_totals.total_sales <> fact.total_sales
    or report_totals.sale_count <> fact.sale_count
