-- Every sales source system in one conformed column list: one row per sale line, with the natural
-- keys (item, category and country names) fct_sales looks its dimension keys up by.
--   oltp:              MySQL sales.sales_data (amount = price x quantity)
--   course_factsales:  the course's FactSales.csv (only an amount: quantity 1, price = amount)
--   ecommerce:         the course's ecommerce.csv (one item a line: quantity 1, amount = price)
-- A view: fct_sales's incremental filter (source_system and ingest_run_id) is pushed through the
-- UNION ALL into each source's staging view and reaches raw's run-id index (every column has the
-- same type in every branch, so PostgreSQL flattens the union and drops the other sources' arms).
with oltp_sales as (
    select * from {{ ref('int_oltp_sales_conformed') }}
),

course_sales as (
    select * from {{ ref('int_course_sales_conformed') }}
),

ecommerce_sales as (
    select * from {{ ref('int_ecommerce_sales_conformed') }}
),

unioned as (
    select * from oltp_sales
    union all
    select * from course_sales
    union all
    select * from ecommerce_sales
)

select * from unioned
