{#- The first substring of `expr` matching the POSIX regular expression `pattern` (no groups). -#}
{% macro regex_substr(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_substr', 'softcart')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_substr(expr, pattern) -%}
    substring({{ expr }} from '{{ pattern }}')
{%- endmacro %}

{% macro db2__regex_substr(expr, pattern) -%}
    regexp_substr({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- True when `expr` matches `pattern` (a predicate, for WHERE and CASE WHEN). -#}
{% macro regex_like(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_like', 'softcart')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_like(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro db2__regex_like(expr, pattern) -%}
    regexp_like({{ expr }}, '{{ pattern }}')
{%- endmacro %}
