{{ config(materialized='summary_table') }}
-- Total sales per country over every sale of fct_sales (all source systems: they are separate
-- sales channels), the course's total_sales_per_country(country, total_sales): a materialized view
-- on PostgreSQL, a materialized query table (MQT) on Db2, refreshed on every build (materialization
-- `summary_table`, macros/materializations/summary_table.sql), from the monthly aggregate fact.
-- Written as one SELECT without CTEs because a Db2 MQT's fullselect cannot hold a common table
-- expression.
select
    cast(countries.country_name as varchar(100)) as country,
    cast(sum(sales.total_sales) as decimal(18, 2)) as total_sales
from {{ ref('fct_sales_monthly') }} as sales
left join {{ ref('dim_country') }} as countries
    on sales.country_key = countries.country_key
group by countries.country_name
