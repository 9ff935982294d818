-- Every report sums the whole of fct_sales, all source systems together (they are separate sales
-- channels, not copies of one another): each report's grand total and number of sale lines equal
-- the fact's, and so do the monthly aggregate fact's. Returns the reports that differ.
-- Scope (SOFTCART_DBT_TEST_SCOPE, macros/test_scope.sql): on the scheduled incremental build the
-- reports are held to fct_sales_monthly, and fct_sales_monthly to fct_sales month by month for
-- the months this build rewrote (the others were checked when they were written): the same proof,
-- reading the new days of the fact through its date_key index instead of all of it.
{%- set latest_batch = softcart_test_scope() == 'latest_batch' %}
with fact as (
    select
        {%- if latest_batch %}
        coalesce(sum(total_sales), 0) as total_sales,
        coalesce(sum(sale_count), 0) as sale_count
    from {{ ref('fct_sales_monthly') }}
        {%- else %}
        coalesce(sum(amount), 0) as total_sales,
        count(*) as sale_count
    from {{ ref('fct_sales') }}
        {%- endif %}
),

report_totals as (
    select
        'fct_sales_monthly' as report,
        coalesce(sum(total_sales), 0) as total_sales,
        coalesce(sum(sale_count), 0) as sale_count
    from {{ ref('fct_sales_monthly') }}
    union all
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
        'bi_sales' as report,
        coalesce(sum(revenue), 0) as total_sales,
        coalesce(sum(sale_count), 0) as sale_count
    from {{ ref('bi_sales') }}
    union all
    select
        'sales_cube_year_country, grand total' as report,
        coalesce(sum(total_sales), 0) as total_sales,
        coalesce(sum(sale_count), 0) as sale_count
    from {{ ref('sales_cube_year_country') }}
    where year_is_total = 1 and country_is_total = 1
),

report_mismatches as (
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
)
{%- if latest_batch %},

rewritten_months as (
    select
        month_key,
        coalesce(sum(total_sales), 0) as total_sales,
        sum(sale_count) as sale_count
    from {{ ref('fct_sales_monthly') }}
    where {{ softcart_latest_batch_filter('dbt_updated_at', ref('fct_sales_monthly')) }}
    group by month_key
),

rewritten_range as (
    select
        min({{ month_first_date_key('month_key') }}) as first_date_key,
        max({{ month_last_date_key('month_key') }}) as last_date_key
    from rewritten_months
),

fact_months as (
    select
        {{ month_key('date_key') }} as month_key,
        coalesce(sum(amount), 0) as total_sales,
        count(*) as sale_count
    from {{ ref('fct_sales') }}
    where
        date_key >= (select rewritten_range.first_date_key from rewritten_range)
        and date_key <= (select rewritten_range.last_date_key from rewritten_range)
    group by {{ month_key('date_key') }}
),

month_mismatches as (
    select
        'fct_sales_monthly, month ' || cast(rewritten_months.month_key as varchar(7)) as report,
        rewritten_months.total_sales,
        rewritten_months.sale_count,
        coalesce(fact_months.total_sales, 0) as fact_total_sales,
        coalesce(fact_months.sale_count, 0) as fact_sale_count
    from rewritten_months
    left join fact_months
        on rewritten_months.month_key = fact_months.month_key
    where
        rewritten_months.total_sales <> coalesce(fact_months.total_sales, 0)
        or rewritten_months.sale_count <> coalesce(fact_months.sale_count, 0)
)

select * from report_mismatches
union all
select * from month_mismatches
{%- else %}

select * from report_mismatches
{%- endif %}
