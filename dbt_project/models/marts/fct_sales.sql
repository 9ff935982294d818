{{
    config(
        materialized='incremental',
        unique_key='sale_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{{ softcart_unresolved_facts_index(this) }}",
            "{{ softcart_analyze(this) }}",
        ],
        indexes=[
            {'columns': ['source_system', 'ingest_run_id']},
            {'columns': ['dbt_updated_at']},
            {'columns': ['date_key']},
        ],
    )
}}
-- One row per sale line from every source system (int_sales_unioned), keyed to every dimension.
-- A missing attribute (no customer country, a product absent from the catalog, no date) points to
-- the dimension's unknown member -1: every join is a left join, no sale is dropped. date_key is
-- dim_date's smart key (yyyymmdd) derived from the sale's day, not looked up (Kimball: the date
-- dimension's key is meaningful so that facts need no join), so the fact does not wait for
-- dim_date; the relationships test holds the two together. The category is the item's, else the
-- one the source names (FactSales.csv has no item).
-- Incremental: each source's rows newer than its high-water mark, plus unresolved rows (see
-- macros/incremental_filter.sql); delete+insert on sale_key, so a re-landed row replaces its fact.
-- The indexes (PostgreSQL) make each source's high-water mark and the latest batch (the tests'
-- scope on incremental builds, macros/test_scope.sql) index lookups, and the partial index of
-- unresolved facts makes the repair branch one, not a scan of the fact.

with sales as (
    {{ fct_sales_incremental_rows(ref('int_sales_unioned')) }}
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

final as (
    select
        sales.sale_key,
        sales.source_system,
        sales.source_id,
        coalesce({{ date_key('sales.sale_date') }}, -1) as date_key,
        coalesce(items.item_key, -1) as item_key,
        coalesce(items.category_key, categories.category_key, -1) as category_key,
        coalesce(countries.country_key, -1) as country_key,
        sales.customer_id,
        cast(sales.quantity as integer) as quantity,
        cast(sales.price as decimal(12, 2)) as price,
        cast(sales.amount as decimal(14, 2)) as amount,
        sales.sale_date,
        sales.sold_at,
        sales.ingest_run_id,
        sales.loaded_at as source_loaded_at,
        {{ audit_columns() }}
    from sales
    left join items
        on sales.item_natural_key = items.item_natural_key
    left join categories
        on lower(sales.category_name) = lower(categories.category_name)
    left join countries
        on lower(sales.country_name) = lower(countries.country_name)
)

select * from final
