{#-
    A model's memory for sorts and hashes, for its own transaction only (a pre-hook: dbt runs it
    inside the model's transaction, so `set local` ends with it). For a model whose aggregation
    the planner expects to be far larger than it is (bi_sales: 1.4 M groups expected, 34 thousand
    at scale 1), which with the server's default spilled to disk. Db2 sizes its sort heap itself:
    nothing there.
-#}
{% macro softcart_work_mem(size) -%}
    {{ return(adapter.dispatch('softcart_work_mem', 'softcart')(size)) }}
{%- endmacro %}

{% macro default__softcart_work_mem(size) -%}
    {{ return('') }}
{%- endmacro %}

{% macro postgres__softcart_work_mem(size) -%}
    set local work_mem = '{{ size }}'
{%- endmacro %}
