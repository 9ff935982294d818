-- The course's materialized query table on Db2: total sales per country (per source system, see
-- docs/warehouse.md), deferred refresh. `softcart dbt build --target db2` creates and refreshes
-- the same MQT through the `summary_table` materialization; this is the statement pair by hand.
CREATE TABLE reporting.total_sales_per_country AS (
    SELECT
        sales.source_system,
        CAST(countries.country_name AS VARCHAR(100)) AS country,
        CAST(SUM(sales.amount) AS DECIMAL(18, 2)) AS total_sales
    FROM marts.fct_sales AS sales
    LEFT JOIN marts.dim_country AS countries
        ON sales.country_key = countries.country_key
    GROUP BY sales.source_system, countries.country_name
) DATA INITIALLY DEFERRED REFRESH DEFERRED;

REFRESH TABLE reporting.total_sales_per_country;
