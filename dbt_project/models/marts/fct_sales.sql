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
-- One row per sale line from every source system, keyed to every dimension. A missing attribute
-- (no customer country, a product absent from the catalog, no date) points to the dimension's
-- unknown member -1: every join is a left join, no sale is dropped. date_key is dim_date's smart
-- key (yyyymmdd) derived from the sale's day, not looked up (Kimball: the date dimension's key is
-- meaningful so that facts need no join), so the fact does not wait for dim_date to build;
-- dim_date spans every source's dates and the relationships test holds the two together.
--   oltp:              MySQL sales.sales_data (amount = price x quantity)
--   course_factsales:  the course's FactSales.csv (only an amount: quantity 1, price = amount)
--   ecommerce:         the course's ecommerce.csv (one item a line: quantity 1, amount = price)
-- Incremental: each source's rows newer than its high-water mark, plus unresolved rows (see
-- macros/incremental_filter.sql); delete+insert on sale_key, so a re-landed row replaces its fact.
-- The OLTP sales come from a change log (ingest `mode: cdc`): the facts of the sales changed since
-- the mark are recomputed (a correction), those deleted removed (a refund, a moved key) by the
-- pre-hook; the sales of a customer who moved are recomputed too (the fact joins the customer's
-- current country, as a full rebuild does; the history is the customers' SCD2). The fact follows
-- MySQL's current state exactly.
-- The indexes (PostgreSQL) make each source's high-water mark and the latest batch (the tests'
-- scope on incremental builds, macros/test_scope.sql) index lookups, and the partial index of
-- unresolved facts makes the repair branch one, not a scan of the fact.

with oltp_sales as (
    {{ fct_sales_source_rows(
        ref('stg_mysql_sales__sales'), 'oltp', 'sale_id', fct_sales_repairable_keys()['oltp'],
        change_log=source('mysql_sales', 'sales_data'), change_key='rowid',
        follows=[(source('mysql_sales', 'customers'), 'customer_id')]) }}
),

course_sales as (
    {{ fct_sales_source_rows(
        ref('stg_files__sales'), 'course_factsales', 'order_id',
        fct_sales_repairable_keys()['course_factsales']) }}
),

ecommerce_sales as (
    {{ fct_sales_source_rows(ref('stg_files__ecommerce_sales'), 'ecommerce', 'line_number', []) }}
),

customers as (
    select * from {{ ref('stg_mysql_sales__customers') }}
),

course_dates as (
    select * from {{ ref('stg_files__dates') }}
),

course_countries as (
    select * from {{ ref('stg_files__countries') }}
),

course_categories as (
    select * from {{ ref('stg_files__categories') }}
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

oltp_facts as (
    select
        'oltp:' || cast(oltp_sales.sale_id as varchar(20)) as sale_key,
        'oltp' as source_system,
        cast(oltp_sales.sale_id as varchar(20)) as source_id,
        cast(oltp_sales.sold_at as date) as sale_date,
        oltp_sales.sold_at,
        dim_item.item_key,
        dim_item.category_key,
        customers.country_name,
        oltp_sales.customer_id,
        oltp_sales.quantity,
        oltp_sales.price,
        oltp_sales.price * oltp_sales.quantity as amount,
        oltp_sales.ingest_run_id,
        oltp_sales.loaded_at
    from oltp_sales
    left join dim_item
        on
            oltp_sales.product_id = dim_item.product_id
            and dim_item.item_source = 'catalog'
    left join customers
        on oltp_sales.customer_id = customers.customer_id
),

course_facts as (
    select
        'course_factsales:' || cast(course_sales.order_id as varchar(20)) as sale_key,
        'course_factsales' as source_system,
        cast(course_sales.order_id as varchar(20)) as source_id,
        course_dates.date_day as sale_date,
        cast(null as timestamp) as sold_at,
        cast(-1 as bigint) as item_key,
        dim_category.category_key,
        course_countries.country_name,
        cast(null as bigint) as customer_id,
        1 as quantity,
        course_sales.amount as price,
        course_sales.amount,
        course_sales.ingest_run_id,
        course_sales.loaded_at
    from course_sales
    left join course_dates
        on course_sales.date_id = course_dates.date_id
    left join course_countries
        on course_sales.country_id = course_countries.country_id
    left join course_categories
        on course_sales.category_id = course_categories.category_id
    left join dim_category
        on lower(course_categories.category_name) = lower(dim_category.category_name)
),

ecommerce_facts as (
    select
        'ecommerce:' || cast(ecommerce_sales.line_number as varchar(20)) as sale_key,
        'ecommerce' as source_system,
        cast(ecommerce_sales.line_number as varchar(20)) as source_id,
        ecommerce_sales.sale_date,
        cast(null as timestamp) as sold_at,
        dim_item.item_key,
        dim_item.category_key,
        cast(null as varchar(100)) as country_name,
        cast(null as bigint) as customer_id,
        1 as quantity,
        ecommerce_sales.price,
        ecommerce_sales.price as amount,
        ecommerce_sales.ingest_run_id,
        ecommerce_sales.loaded_at
    from ecommerce_sales
    left join dim_item
        on dim_item.item_natural_key = {{ ecommerce_item_natural_key(
            'ecommerce_sales.category_name', 'ecommerce_sales.item_name') }}
),

all_facts as (
    select * from oltp_facts
    union all
    select * from course_facts
    union all
    select * from ecommerce_facts
),

final as (
    select
        cast(all_facts.sale_key as varchar(64)) as sale_key,
        cast(all_facts.source_system as varchar(20)) as source_system,
        cast(all_facts.source_id as varchar(20)) as source_id,
        coalesce({{ date_key('all_facts.sale_date') }}, -1) as date_key,
        coalesce(all_facts.item_key, -1) as item_key,
        coalesce(all_facts.category_key, -1) as category_key,
        coalesce(dim_country.country_key, -1) as country_key,
        all_facts.customer_id,
        cast(all_facts.quantity as integer) as quantity,
        cast(all_facts.price as decimal(12, 2)) as price,
        cast(all_facts.amount as decimal(14, 2)) as amount,
        all_facts.sale_date,
        all_facts.sold_at,
        all_facts.ingest_run_id,
        all_facts.loaded_at as source_loaded_at,
        {{ audit_columns() }}
    from all_facts
    left join dim_country
        on lower(all_facts.country_name) = lower(dim_country.country_name)
)

select * from final
