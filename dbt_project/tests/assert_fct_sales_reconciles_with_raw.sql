-- fct_sales holds exactly the sales of the raw layer: per source system, as many sale lines as raw
-- has rows (raw keys are primary keys) and the same total amount (raw: price x quantity,
-- FactSales.csv's amount, ecommerce.csv's price). Returns the source systems that differ.
-- The OLTP sales are a change log (ingest `mode: cdc`): their raw rows are the log's current state
-- (each rowid's latest change, deletes left out: change_log_current_state, the macro staging
-- reads it with), not its events, which count every update and delete once more.
-- Scope (SOFTCART_DBT_TEST_SCOPE, macros/test_scope.sql): every row, or on the scheduled
-- incremental build the rows of the newest ingest run the fact holds and of any later run.
{%- set sources = [
    ('oltp', '(' ~ change_log_current_state(source('mysql_sales', 'sales_data'), 'rowid') ~ ') as current_state',
        'cast(price as decimal(12, 2)) * cast(quantity as integer)'),
    ('course_factsales', source('files', 'fact_sales'), 'cast(amount as decimal(14, 2))'),
    ('ecommerce', source('files', 'ecommerce'), 'cast(price as decimal(12, 2))'),
] %}
{#- latest_batch: per source, the newest ingest run the fact holds (R, an index lookup). Raw rows of
    runs >= R must equal the facts of runs >= R: a newer raw run that never reached the fact, or a
    run that reached it in part, makes the two differ. -#}
{%- set latest_runs = {} %}
{%- if softcart_test_scope() == 'latest_batch' %}
    {%- for system, relation, amount in sources %}
        {%- set newest -%}
            select coalesce(max(ingest_run_id), -1) from {{ ref('fct_sales') }}
            where source_system = '{{ system }}'
        {%- endset %}
        {%- do latest_runs.update({system: softcart_warehouse_value(newest)}) %}
    {%- endfor %}
{%- endif %}

with raw_totals as (
    {%- for system, relation, amount in sources %}
    select
        '{{ system }}' as source_system,
        count(*) as sale_count,
        sum({{ amount }}) as total_amount
    from {{ relation }}
    {%- if softcart_test_scope() == 'latest_batch' %}
    where "_softcart_run_id" >= {{ latest_runs[system] }}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

fact_totals as (
    {%- for system, relation, amount in sources %}
    select
        '{{ system }}' as source_system,
        count(*) as sale_count,
        sum(amount) as total_amount
    from {{ ref('fct_sales') }}
    where
        source_system = '{{ system }}'
        {%- if softcart_test_scope() == 'latest_batch' %}
        and ingest_run_id >= {{ latest_runs[system] }}
        {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

compared as (
    select
        raw_totals.source_system,
        raw_totals.sale_count as raw_sale_count,
        coalesce(fact_totals.sale_count, 0) as fact_sale_count,
        coalesce(raw_totals.total_amount, 0) as raw_total_amount,
        coalesce(fact_totals.total_amount, 0) as fact_total_amount
    from raw_totals
    left join fact_totals
        on raw_totals.source_system = fact_totals.source_system
)

select * from compared
where
    raw_sale_count <> fact_sale_count
    or raw_total_amount <> fact_total_amount
