-- The course's FactSales.csv in the conformed column list of every sales source
-- (int_sales_unioned): its date, country and category ids resolved through the course's DimDate,
-- DimCountry and DimCategory files. A line is an amount, not an item: quantity 1, price = amount,
-- no item. An id missing from its file stays NULL here; fct_sales maps it to the unknown member.
with sales as (
    select * from {{ ref('stg_files__sales') }}
),

dates as (
    select * from {{ ref('stg_files__dates') }}
),

countries as (
    select * from {{ ref('stg_files__countries') }}
),

categories as (
    select * from {{ ref('stg_files__categories') }}
),

final as (
    select
        cast('course_factsales:' || cast(sales.order_id as varchar(20)) as varchar(64)) as sale_key,
        cast('course_factsales' as varchar(20)) as source_system,
        cast(sales.order_id as varchar(20)) as source_id,
        dates.date_day as sale_date,
        cast(null as timestamp) as sold_at,
        cast(null as varchar(300)) as item_natural_key,
        categories.category_name,
        countries.country_name,
        cast(null as bigint) as customer_id,
        cast(1 as integer) as quantity,
        cast(sales.amount as decimal(12, 2)) as price,
        sales.amount,
        sales.ingest_run_id,
        sales.loaded_at
    from sales
    left join dates
        on sales.date_id = dates.date_id
    left join countries
        on sales.country_id = countries.country_id
    left join categories
        on sales.category_id = categories.category_id
)

select * from final
