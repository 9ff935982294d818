"""The Spark sales job's four reports in SQL, for its peers in bench/bench_spark.py (DuckDB).

Not a definition of the reports: they are defined in dbt (``dbt_project/models/reporting/``), and
computed from the lake by the Spark job (``spark/jobs/sales.py``, the DataFrame API), whose results
tests/pipeline/test_softcart_run.py holds equal to dbt's relations. This file is what the benchmark
needs to run the same work on another engine: ``AGGREGATES``, each report straight over a table (or
view) named ``sales`` (DuckDB's best way, and the reference the bench checks the job's output
against), and ``CELLS`` + ``FROM_CELLS``, the job's one-pass plan. tests/spark/test_spark_jobs.py
runs both on the exported lake and requires the job's results, row for row.
"""

from __future__ import annotations

# The reference SQL: each aggregate straight over a table (or view) named ``sales``. DuckDB runs
# these texts in bench/bench_spark.py and its results must equal the job's.
# exact money from integer cents: a sum of longs, turned into decimal on the few result rows
TOTAL = "cast(cast(sum(amount_cents) as decimal(20, 0)) / 100 as decimal(18, 2))"
AVERAGE = "cast(avg(amount_cents) / 100 as decimal(18, 2))"
# the warehouse reports an unknown date as a NULL year; the lake's partition says -1
BY_YEAR = "(select nullif(year, -1) as year, country_name, amount_cents from sales) as s"

# The same columns and grouping as dbt_project/models/reporting/*.sql, so the two can be compared
# row for row (the *_is_total flags tell a subtotal from a NULL year or country).
AGGREGATES: dict[str, str] = {
    "total_sales_per_country": f"""
        select country_name as country, {TOTAL} as total_sales
        from sales
        group by country_name
    """,
    "sales_by_country_category": f"""
        select
            country_name as country,
            category_name as category,
            case when grouping(country_name) = 0 then 'country' else 'category' end as grouped_by,
            {TOTAL} as total_sales,
            count(*) as sale_count
        from sales
        group by grouping sets ((country_name), (category_name))
    """,
    "sales_rollup_year_country": f"""
        select
            year,
            country_name as country,
            cast(grouping(year) as smallint) as year_is_total,
            cast(grouping(country_name) as smallint) as country_is_total,
            {TOTAL} as total_sales,
            count(*) as sale_count
        from {BY_YEAR}
        group by rollup (year, country_name)
    """,
    "sales_cube_year_country": f"""
        select
            year,
            country_name as country,
            cast(grouping(year) as smallint) as year_is_total,
            cast(grouping(country_name) as smallint) as country_is_total,
            {AVERAGE} as average_sales,
            {TOTAL} as total_sales,
            count(*) as sale_count
        from {BY_YEAR}
        group by cube (year, country_name)
    """,
}

# The job's plan in SQL (spark/jobs/sales.py: ``cells``, then ``aggregates``): ONE pass over
# ``sales`` to (year, country, category) cells with the sum of cents and the count, the names
# joined from the dimensions (views ``dim_country`` and ``dim_category``), then each report from the
# cells (a view named CELLS_VIEW). What DuckDB runs as "the same plan".
CELLS_VIEW = "sales_cells"
CELLS = """
    select
        cells.year,
        countries.country_name,
        categories.category_name,
        cells.cents,
        cells.sale_count
    from (
        select
            nullif(year, -1) as year,
            country_key,
            category_key,
            sum(amount_cents) as cents,
            count(*) as sale_count
        from sales
        group by 1, 2, 3
    ) as cells
    left join dim_country as countries
        on cells.country_key = countries.country_key
    left join dim_category as categories
        on cells.category_key = categories.category_key
"""
_CELL_TOTAL = "cast(cast(sum(cents) as decimal(20, 0)) / 100 as decimal(18, 2))"
_CELL_AVERAGE = "cast(sum(cents) / sum(sale_count) / 100 as decimal(18, 2))"
FROM_CELLS: dict[str, str] = {
    "total_sales_per_country": f"""
        select country_name as country, {_CELL_TOTAL} as total_sales
        from {CELLS_VIEW}
        group by country_name
    """,
    "sales_by_country_category": f"""
        select
            country_name as country,
            category_name as category,
            case when grouping(country_name) = 0 then 'country' else 'category' end as grouped_by,
            {_CELL_TOTAL} as total_sales,
            sum(sale_count) as sale_count
        from {CELLS_VIEW}
        group by grouping sets ((country_name), (category_name))
    """,
    "sales_rollup_year_country": f"""
        select
            year,
            country_name as country,
            cast(grouping(year) as smallint) as year_is_total,
            cast(grouping(country_name) as smallint) as country_is_total,
            {_CELL_TOTAL} as total_sales,
            sum(sale_count) as sale_count
        from {CELLS_VIEW}
        group by rollup (year, country_name)
    """,
    "sales_cube_year_country": f"""
        select
            year,
            country_name as country,
            cast(grouping(year) as smallint) as year_is_total,
            cast(grouping(country_name) as smallint) as country_is_total,
            {_CELL_AVERAGE} as average_sales,
            {_CELL_TOTAL} as total_sales,
            sum(sale_count) as sale_count
        from {CELLS_VIEW}
        group by cube (year, country_name)
    """,
}
