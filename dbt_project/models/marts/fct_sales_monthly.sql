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
-- counted once; the months of OLTP sales refunded, moved or re-dated since (the change log's
-- before-images) are recomputed too. A build adding 1 % new sales of the latest days touches one
-- or two months.
-- month_key = yyyymm of the sale's day; -1 for sales without a date.

-- fct_sales is read in two places without an import CTE: PostgreSQL would materialize a CTE read
-- twice, the whole fact, instead of reading the touched days through the date_key index.

with
{%- if softcart_is_incremental() %}

touched_months as (
    -- the months holding a fact written after this table's last build (evaluated once: the CTE
    -- is read twice, so PostgreSQL materializes it)
    select distinct {{ month_key('date_key') }} as month_key
    from {{ ref('fct_sales') }}
    where dbt_updated_at > (
        select coalesce(max(dbt_updated_at), cast('1900-01-01 00:00:00' as timestamp))
        from {{ this }}
    )
    union
    -- the months an OLTP sale changed since left or lost a fact (a refund, a moved key, a changed
    -- date): every version's day of the sales whose change landed after this table's last build
    -- (the raw change log keeps the before-images)
    select distinct
        {{ month_key('coalesce(' ~ date_key('cast(versions."timestamp" as date)') ~ ', -1)') }} as month_key
    from {{ source('mysql_sales', 'sales_data') }} as versions
    where versions.rowid in (
        select changed.rowid
        from {{ source('mysql_sales', 'sales_data') }} as changed
        where
            changed."_softcart_op" in ('u', 'd')
            and cast(changed."_softcart_loaded_at" as timestamp) > (
                select coalesce(max(dbt_updated_at), cast('1900-01-01 00:00:00' as timestamp))
                from {{ this }}
            )
    )
),

touched_range as (
    select
        min({{ month_first_date_key('month_key') }}) as first_date_key,
        max({{ month_last_date_key('month_key') }}) as last_date_key
    from touched_months
),
{%- endif %}

sales as (
    select
        date_key,
        country_key,
        category_key,
        amount,
        {{ month_key('date_key') }} as month_key
    from {{ ref('fct_sales') }}
    {%- if softcart_is_incremental() %}
    -- the touched months as one range of date keys: the fact's date_key index reads just those days
    where
        date_key >= (select touched_range.first_date_key from touched_range)
        and date_key <= (select touched_range.last_date_key from touched_range)
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
    where sales.month_key in (select touched_months.month_key from touched_months)
    {%- endif %}
    group by sales.month_key, sales.country_key, sales.category_key
)

select * from final
