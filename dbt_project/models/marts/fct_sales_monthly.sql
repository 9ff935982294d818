{{
    config(
        materialized='incremental',
        unique_key='month_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ softcart_analyze(this) }}",
    )
}}
-- The sales facts aggregated to one row per month, country and category (an aggregate fact
-- table, Kimball's "aggregate navigation"): sum, count and count of known amounts, so that every
-- report (sums, counts, averages) derives from a few thousand rows instead of every sale line.
-- Incremental: the months that hold a sale fct_sales (re)wrote since this table's last build are
-- recomputed whole from fct_sales (delete+insert on month_key), so a replaced or repaired fact is
-- counted once. A build adding 1 % new sales of the latest days touches one or two months.
-- month_key = yyyymm of the sale's day; -1 for sales without a date.

{%- set touched_months -%}
    select distinct case when date_key = -1 then -1 else date_key / 100 end as month_key
    from {{ ref('fct_sales') }}
    where dbt_updated_at > (
        select coalesce(max(dbt_updated_at), cast('1900-01-01 00:00:00' as timestamp))
        from {{ this }}
    )
{%- endset %}

with sales as (
    select
        date_key,
        country_key,
        category_key,
        amount,
        case when date_key = -1 then -1 else date_key / 100 end as month_key
    from {{ ref('fct_sales') }}
    {%- if softcart_is_incremental() %}
    -- the touched months as one range of date keys: the fact's date_key index reads just those days
    where
        date_key >= (
            select min(case when touched.month_key = -1 then -1 else touched.month_key * 100 end)
            from ({{ touched_months }}) as touched
        )
        and date_key <= (
            select max(case when touched.month_key = -1 then -1 else touched.month_key * 100 + 99 end)
            from ({{ touched_months }}) as touched
        )
    {%- endif %}
),

final as (
    select
        cast(sales.month_key as integer) as month_key,
        cast(case when sales.month_key = -1 then null else sales.month_key / 100 end as integer) as year,
        cast(case when sales.month_key = -1 then null else mod(sales.month_key, 100) end as integer)
            as month,
        sales.country_key,
        sales.category_key,
        cast(sum(sales.amount) as decimal(18, 2)) as total_sales,
        cast(count(*) as bigint) as sale_count,
        cast(count(sales.amount) as bigint) as amount_count,
        {{ audit_columns() }}
    from sales
    {%- if softcart_is_incremental() %}
    where sales.month_key in (select touched.month_key from ({{ touched_months }}) as touched)
    {%- endif %}
    group by sales.month_key, sales.country_key, sales.category_key
)

select * from final
