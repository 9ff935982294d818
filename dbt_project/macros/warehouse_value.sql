{#-
    The value of a one-value query (`sql`, e.g. `select max(x) from t`) for a compiled model or test:
    the SQL literal read from the warehouse when this invocation runs SQL against one, else the
    sub-select `(sql)` itself.

    A literal lets the planner see how few rows pass a filter (raw's BRIN index on the run id, the
    fact's B-tree on dbt_updated_at); a parameter from a sub-select gets a generic estimate. The
    sub-select is used where no answer may be asked for: at parse time, in `dbt compile` and
    `dbt docs` (nothing runs), and when `softcart_assume_incremental` is set (the offline Db2
    compile, `--no-populate-cache` against no server). The one place this is decided.
-#}
{% macro softcart_warehouse_value(sql) -%}
    {%- if softcart_may_query_warehouse() -%}
        {%- set value = run_query(sql).columns[0].values()[0] -%}
        {{ return(softcart_sql_literal(value)) }}
    {%- endif -%}
    {{ return('(' ~ sql ~ ')') }}
{%- endmacro %}

{% macro softcart_may_query_warehouse() -%}
    {{ return(
        execute
        and flags.WHICH not in ['parse', 'compile', 'docs']
        and var('softcart_assume_incremental', none) is none
    ) }}
{%- endmacro %}

{#- A SQL literal of a value read back from the warehouse (NULL, a number or a timestamp). -#}
{% macro softcart_sql_literal(value) -%}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is number -%}
        {{ return(value | string) }}
    {%- endif -%}
    {{ return("cast('" ~ value ~ "' as timestamp)") }}
{%- endmacro %}
