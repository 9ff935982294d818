-- fct_sales holds exactly the sales of the raw layer: per source system, as many sale lines as
-- distinct keys in raw, and the same total amount (raw: price x quantity, FactSales.csv's
-- amount, ecommerce.csv's price). Returns the source systems that differ.
with raw_totals as (
    select
        'oltp' as source_system,
        count(distinct rowid) as sale_count,
        sum(cast(price as decimal(12, 2)) * cast(quantity as integer)) as total_amount
    from {{ source('mysql_sales', 'sales_data') }}
    union all
    select
        'course_factsales' as source_system,
        count(distinct orderid) as sale_count,
        sum(cast(amount as decimal(14, 2))) as total_amount
    from {{ source('files', 'fact_sales') }}
    union all
    select
        'ecommerce' as source_system,
        count(distinct "_line") as sale_count,
        sum(cast(price as decimal(12, 2))) as total_amount
    from {{ source('files', 'ecommerce') }}
),

fact_totals as (
    select
        source_system,
        count(*) as sale_count,
        sum(amount) as total_amount
    from {{ ref('fct_sales') }}
    group by source_system
),

compared as (
    select
        coalesce(raw_totals.source_system, fact_totals.source_system) as source_system,
        coalesce(raw_totals.sale_count, 0) as raw_sale_count,
        coalesce(fact_totals.sale_count, 0) as fact_sale_count,
        coalesce(raw_totals.total_amount, 0) as raw_total_amount,
        coalesce(fact_totals.total_amount, 0) as fact_total_amount
    from raw_totals
    full outer join fact_totals
        on raw_totals.source_system = fact_totals.source_system
)

select * from compared
where
    raw_sale_count <> fact_sale_count
    or raw_total_amount <> fact_total_amount
