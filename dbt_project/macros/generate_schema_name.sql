{#-
    Models land in exactly the schema their folder names (`staging`, `marts`, `reporting`), with
    no target prefix.

    Why: dbt's default would build `<target schema>_marts` (e.g. `staging_marts`), but the marts
    and reporting schemas are a contract (docs/architecture.md): Spark's export, the dashboards
    and the DB2 production DDL read `marts.*` and `reporting.*` by name, on every target. Isolation
    between environments comes from the database (one PostgreSQL database per run or test, one
    DB2 database per environment), not from schema-name prefixes.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
