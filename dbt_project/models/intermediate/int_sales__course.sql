-- The course's FactSales.csv conformed to the fact's grain and columns: its date, country and
-- category ids resolved through the course's own dimension files (DimDate, DimCountry,
-- DimCategory). The file carries an amount only: quantity 1, price = amount, no item.
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
        'course_factsales:' || cast(sales.order_id as varchar(20)) as sale_key,
        'course_factsales' as source_system,
        sales.order_id as source_id,
        dates.date_day as sale_date,
        cast(null as timestamp) as sold_at,
        cast(null as bigint) as product_id,
        cast(null as varchar(300)) as item_natural_key,
        categories.category_name,
        countries.country_name,
        cast(null as bigint) as customer_id,
        1 as quantity,
        sales.amount as price,
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
