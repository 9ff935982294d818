-- The course's materialized query table on Db2: total sales per country over every sale of
-- marts.fct_sales (all source systems, see docs/warehouse.md), summed from the monthly aggregate
-- fact marts.fct_sales_monthly, deferred refresh.
-- `softcart dbt build --target db2` creates and refreshes the same MQT through the `summary_table`
-- materialization; this is the statement pair by hand (tests/dbt keeps its SELECT equal to the
-- model's).
CREATE TABLE reporting.total_sales_per_country AS (
    SELECT
        CAST(countries.country_name AS VARCHAR(100)) AS country,
        CAST(SUM(sales.total_sales) AS DECIMAL(18, 2)) AS total_sales
    FROM marts.fct_sales_monthly AS sales
    LEFT JOIN marts.dim_country AS countries
        ON sales.country_key = countries.country_key
    GROUP BY countries.country_name
) DATA INITIALLY DEFERRED REFRESH DEFERRED;

REFRESH TABLE reporting.total_sales_per_country;
