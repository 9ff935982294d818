{#-
    Db2 table and incremental materializations (override ibm-dbt-db2 1.0.0's).

    Target: Db2 only (`adapter='db2'`); on PostgreSQL dbt-postgres's own `table` and
    `incremental` build every model. Remove these once ibm-dbt-db2 keeps a model's CTEs.

    Why: ibm-dbt-db2 1.0.0 builds a table from a model with CTEs by cutting the SQL at its last
    SELECT (`create table ... as (select * from final) with data`), which drops every CTE and
    fails on Db2. Db2 accepts a common table expression in CREATE VIEW, so these build through a
    view: CREATE VIEW <model>__dbt_src AS <model SQL>; CREATE TABLE <model> (contract columns);
    INSERT INTO <model> SELECT * FROM the view; DROP VIEW. One statement per call (the Db2
    driver runs one statement at a time).

    Incremental: the new rows are first copied into <model>__dbt_new (the view's filter reads the
    target itself, so it must be evaluated before the target changes), then
    DELETE ... WHERE <unique_key> IN (new keys) and INSERT (delete+insert, as on PostgreSQL).
-#}

{% macro softcart_db2_relation(suffix, type) -%}
    {{ return(api.Relation.create(
        database=this.database, schema=this.schema, identifier=this.identifier ~ suffix, type=type)) }}
{%- endmacro %}

{% macro softcart_db2_drop_if_exists(relation) -%}
    {%- set existing = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if existing is not none -%}
        {% do adapter.drop_relation(existing) %}
    {%- endif -%}
{%- endmacro %}

{#- CREATE TABLE for `relation` with the contract's columns, else shaped like `source_view`. -#}
{% macro softcart_db2_create_table_sql(relation, source_view, use_contract) -%}
    {%- if use_contract -%}
create table {{ relation }} {{ get_table_columns_and_constraints() }}
    {%- else -%}
create table {{ relation }} as (select * from {{ source_view }}) with no data
    {%- endif -%}
{%- endmacro %}

{#- The column list of INSERT ... SELECT: the contract's columns by name, else all in order. -#}
{% macro softcart_db2_column_list() -%}
    {%- if config.get('contract').enforced -%}
        {{ return(model['columns'].keys() | join(', ')) }}
    {%- endif -%}
    {{ return('*') }}
{%- endmacro %}

{% macro softcart_db2_insert_sql(target_relation, from_relation) -%}
    {%- set columns = softcart_db2_column_list() -%}
    {%- if columns == '*' -%}
insert into {{ target_relation }} select * from {{ from_relation }}
    {%- else -%}
insert into {{ target_relation }} ({{ columns }}) select {{ columns }} from {{ from_relation }}
    {%- endif -%}
{%- endmacro %}

{% macro softcart_db2_build_table(target_relation, source_view, sql) -%}
    {%- set use_contract = config.get('contract').enforced -%}
    {%- if use_contract -%}
        {#- checked against the view: Db2 would not take the model's WITH inside a subquery -#}
        {{ get_assert_columns_equivalent('select * from ' ~ source_view) }}
    {%- endif -%}
    {% call statement('create_table') -%}
        {{ softcart_db2_create_table_sql(target_relation, source_view, use_contract) }}
    {%- endcall %}
    {% call statement('main') -%}
        {{ softcart_db2_insert_sql(target_relation, source_view) }}
    {%- endcall %}
{%- endmacro %}

{% materialization table, adapter='db2' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set source_view = softcart_db2_relation('__dbt_src', 'view') -%}
    {{ run_hooks(pre_hooks) }}
    {{ softcart_db2_drop_if_exists(source_view) }}
    {% call statement('create_source_view') -%}
        create view {{ source_view }} as {{ sql }}
    {%- endcall %}
    {{ softcart_db2_drop_if_exists(target_relation) }}
    {{ softcart_db2_build_table(target_relation, source_view, sql) }}
    {% do adapter.drop_relation(source_view) %}
    {% call statement('commit_table', auto_begin=False) -%}
        commit
    {%- endcall %}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{% materialization incremental, adapter='db2' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_relation(this) -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- set source_view = softcart_db2_relation('__dbt_src', 'view') -%}
    {%- set new_rows = softcart_db2_relation('__dbt_new', 'table') -%}
    {{ run_hooks(pre_hooks) }}
    {{ softcart_db2_drop_if_exists(source_view) }}
    {{ softcart_db2_drop_if_exists(new_rows) }}
    {% call statement('create_source_view') -%}
        create view {{ source_view }} as {{ sql }}
    {%- endcall %}
    {%- if existing_relation is none or should_full_refresh() -%}
        {{ softcart_db2_drop_if_exists(target_relation) }}
        {{ softcart_db2_build_table(target_relation, source_view, sql) }}
    {%- else -%}
        {% call statement('create_new_rows') -%}
            create table {{ new_rows }} as (select * from {{ source_view }}) with no data
        {%- endcall %}
        {% call statement('fill_new_rows') -%}
            insert into {{ new_rows }} select * from {{ source_view }}
        {%- endcall %}
        {%- if unique_key %}
        {% call statement('delete_replaced') -%}
            delete from {{ target_relation }}
            where {{ unique_key }} in (select {{ unique_key }} from {{ new_rows }})
        {%- endcall %}
        {%- endif %}
        {% call statement('main') -%}
            {{ softcart_db2_insert_sql(target_relation, new_rows) }}
        {%- endcall %}
        {% do adapter.drop_relation(new_rows) %}
    {%- endif -%}
    {% do adapter.drop_relation(source_view) %}
    {% call statement('commit_incremental', auto_begin=False) -%}
        commit
    {%- endcall %}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
