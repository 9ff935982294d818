{#-
    Models land in exactly the schema their folder names (`staging`, `marts`, `reporting`), with
    no target prefix; a CI run (`softcart dbt-ci`) prefixes them with its own throwaway name.

    Why: dbt's default would build `<target schema>_marts` (e.g. `staging_marts`), but the marts
    and reporting schemas are a contract (docs/architecture.md): Spark's export, the dashboards
    and the DB2 production DDL read `marts.*` and `reporting.*` by name, on every target. Isolation
    between environments comes from the database (one PostgreSQL database per run or test, one
    DB2 database per environment), not from schema-name prefixes.

    The one exception is `SOFTCART_DBT_SCHEMA_PREFIX` (set by softcart/warehouse/dbt_ci.py only):
    a CI run builds its changed models into `<prefix>_marts`, ... of the production database, so
    that `--defer` reads every unchanged parent from production, and drops them afterwards.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('SOFTCART_DBT_SCHEMA_PREFIX', '') | trim -%}
    {%- set schema = (target.schema if custom_schema_name is none else custom_schema_name) | trim -%}
    {%- if prefix -%}
        {{ prefix }}_{{ schema }}
    {%- else -%}
        {{ schema }}
    {%- endif -%}
{%- endmacro %}
