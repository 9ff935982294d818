{#-
    Materialization `summary_table`: a stored, refreshable summary of the marts.
      PostgreSQL: a MATERIALIZED VIEW created WITH NO DATA, then REFRESH MATERIALIZED VIEW.
      Db2:        a materialized query table (MQT)
                  `CREATE TABLE ... AS (...) DATA INITIALLY DEFERRED REFRESH DEFERRED`, then
                  `REFRESH TABLE ...` (the course's production-warehouse task).
    One model, one materialization; the dialects differ only in the dispatched macros below.

    Why a custom one (both targets): Db2 needs it, ibm-dbt-db2 1.0.0 has no MQT (nor materialized
    view) materialization; dbt-postgres's own `materialized_view` would do on PostgreSQL, but the
    model would then need a different `materialized` per target. One custom materialization keeps
    one model config.
    Every build drops and recreates the object (so a changed SELECT always takes effect), then
    refreshes it. The model's contract (column names and types) is asserted before anything is
    created, as dbt does for tables.
-#}
{% materialization summary_table, default %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type=softcart_summary_table_relation_type()) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if config.get('contract').enforced -%}
        {{ get_assert_columns_equivalent(sql) }}
    {%- endif -%}

    {%- if existing_relation is not none -%}
        {{ adapter.drop_relation(existing_relation) }}
    {%- endif -%}

    {% call statement('main') -%}
        {{ softcart_create_summary_table_sql(target_relation, sql) }}
    {%- endcall %}

    {% call statement('refresh') -%}
        {{ softcart_refresh_summary_table_sql(target_relation) }}
    {%- endcall %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{% macro softcart_summary_table_relation_type() -%}
    {{ return(adapter.dispatch('softcart_summary_table_relation_type', 'softcart')()) }}
{%- endmacro %}

{% macro default__softcart_summary_table_relation_type() -%}
    {{ return('materialized_view') }}
{%- endmacro %}

{#- For dbt, an MQT is a table: it is listed, dropped and documented as one. -#}
{% macro db2__softcart_summary_table_relation_type() -%}
    {{ return('table') }}
{%- endmacro %}


{% macro softcart_create_summary_table_sql(relation, sql) -%}
    {{ return(adapter.dispatch('softcart_create_summary_table_sql', 'softcart')(relation, sql)) }}
{%- endmacro %}

{% macro default__softcart_create_summary_table_sql(relation, sql) -%}
create materialized view {{ relation }} as (
{{ sql }}
) with no data
{%- endmacro %}

{% macro db2__softcart_create_summary_table_sql(relation, sql) -%}
CREATE TABLE {{ relation }} AS (
{{ sql }}
) DATA INITIALLY DEFERRED REFRESH DEFERRED
{%- endmacro %}


{% macro softcart_refresh_summary_table_sql(relation) -%}
    {{ return(adapter.dispatch('softcart_refresh_summary_table_sql', 'softcart')(relation)) }}
{%- endmacro %}

{% macro default__softcart_refresh_summary_table_sql(relation) -%}
refresh materialized view {{ relation }}
{%- endmacro %}

{% macro db2__softcart_refresh_summary_table_sql(relation) -%}
REFRESH TABLE {{ relation }}
{%- endmacro %}
