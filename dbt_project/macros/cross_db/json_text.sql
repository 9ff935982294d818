{#- One key of a JSON document as text (NULL when the key is missing). Keys may hold spaces. -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'softcart')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    ({{ column }} ->> '{{ key }}')
{%- endmacro %}

{#- Db2 11.1.4.4+: JSON_VALUE in lax mode returns NULL for a missing key. -#}
{% macro db2__json_text(column, key) -%}
    cast(json_value({{ column }}, '$."{{ key }}"') as varchar(256))
{%- endmacro %}
