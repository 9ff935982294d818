{{
    config(
        materialized='incremental',
        unique_key='sale_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=[
            "{{ fct_sales_remove_deleted(this, 'oltp', source('mysql_sales', 'sales_data'), 'rowid') }}",
        ],
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
-- One row per sale line from every source system, keyed to every dimension: the conformed sales
-- of each source (models/intermediate/int_sales__*) and the dimensions, the keys looked up. A
-- missing attribute (no customer country, a product absent from the catalog, no date) points to
-- the dimension's unknown member -1: every join is a left join, no sale is dropped. date_key is
-- dim_date's smart key (yyyymmdd) derived from the sale's day, not looked up (Kimball: the date
-- dimension's key is meaningful so that facts need no join), so the fact does not wait for
-- dim_date to build; dim_date spans every source's dates and the relationships test holds the
-- two together.
-- Incremental: each source's rows newer than its high-water mark, plus unresolved rows (see
-- macros/incremental_filter.sql); delete+insert on sale_key, so a re-landed row replaces its fact.
-- The filter applies to each source's intermediate view, which PostgreSQL flattens, so it reaches
-- raw's indexes before the view's joins (a union of the three would not let it through).
-- The OLTP sales come from a change log (ingest `mode: cdc`): the facts of the sales changed since
-- the mark are recomputed (a correction), those deleted removed (a refund, a moved key) by the
-- pre-hook; the sales of a customer who moved are recomputed too (the fact joins the customer's
-- current country, as a full rebuild does; the history is the customers' SCD2). The fact follows
-- MySQL's current state exactly.
-- catalog_items reads dim_item itself, not the dim_item CTE: a CTE named twice is materialized,
-- and an incremental build (a few thousand OLTP keys, which the planner guesses at ten:
-- macros/incremental_filter.sql, softcart_key_in) then probed all 5,000 items per sale in a nested
-- loop (7.5 s at scale 1); two plain references are hash-joined.
-- The indexes (PostgreSQL) make each source's high-water mark and the latest batch (the tests'
-- scope on incremental builds, macros/test_scope.sql) index lookups, and the partial index of
-- unresolved facts makes the repair branch one, not a scan of the fact.

with oltp_sales as (
    {{ fct_sales_source_rows(
        ref('int_sales__oltp'), 'oltp',
        change_log=source('mysql_sales', 'sales_data'), change_key='rowid',
        follows=[(source('mysql_sales', 'customers'), 'customer_id')]) }}
),

course_sales as (
    {{ fct_sales_source_rows(ref('int_sales__course'), 'course_factsales') }}
),

ecommerce_sales as (
    {{ fct_sales_source_rows(ref('int_sales__ecommerce'), 'ecommerce') }}
),

catalog_items as (
    select * from {{ ref('dim_item') }}
    where item_source = 'catalog'
),

dim_item as (
    select * from {{ ref('dim_item') }}
),

dim_category as (
    select * from {{ ref('dim_category') }}
),

dim_country as (
    select * from {{ ref('dim_country') }}
),

-- Each source's item or category looked up where it has one: the OLTP sale's catalog item by its
-- bigint product_id, the ecommerce line's item by its natural key, the FactSales.csv row's
-- category by name (the only source that names one); then the union.
sales as (
    select
        oltp_sales.*,
        catalog_items.item_key,
        catalog_items.category_key
    from oltp_sales
    left join catalog_items
        on oltp_sales.product_id = catalog_items.product_id
    union all
    select
        course_sales.*,
        cast(null as bigint) as item_key,
        dim_category.category_key
    from course_sales
    left join dim_category
        on lower(course_sales.category_name) = lower(dim_category.category_name)
    union all
    select
        ecommerce_sales.*,
        dim_item.item_key,
        dim_item.category_key
    from ecommerce_sales
    left join dim_item
        on ecommerce_sales.item_natural_key = dim_item.item_natural_key
),

final as (
    select
        cast(sales.sale_key as varchar(64)) as sale_key,
        cast(sales.source_system as varchar(20)) as source_system,
        cast(sales.source_id as varchar(20)) as source_id,
        coalesce({{ date_key('sales.sale_date') }}, -1) as date_key,
        coalesce(sales.item_key, -1) as item_key,
        coalesce(sales.category_key, -1) as category_key,
        coalesce(dim_country.country_key, -1) as country_key,
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
    left join dim_country
        on lower(sales.country_name) = lower(dim_country.country_name)
)

select * from final
