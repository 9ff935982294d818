{#- Day of week with Sunday = 1 .. Saturday = 7 (the course's DimDate convention). -#}
{% macro weekday_sunday_1(date_expr) -%}
    {{ return(adapter.dispatch('weekday_sunday_1', 'softcart')(date_expr)) }}
{%- endmacro %}

{% macro default__weekday_sunday_1(date_expr) -%}
    cast(extract(dow from {{ date_expr }}) as integer) + 1
{%- endmacro %}

{% macro db2__weekday_sunday_1(date_expr) -%}
    dayofweek({{ date_expr }})
{%- endmacro %}

{#- A date from year, month and day numbers. -#}
{% macro date_from_parts(year, month, day) -%}
    {{ return(adapter.dispatch('date_from_parts', 'softcart')(year, month, day)) }}
{%- endmacro %}

{% macro default__date_from_parts(year, month, day) -%}
    make_date({{ year }}, {{ month }}, {{ day }})
{%- endmacro %}

{% macro db2__date_from_parts(year, month, day) -%}
    date(
        digits(cast({{ year }} as decimal(4, 0)))
        || '-' || digits(cast({{ month }} as decimal(2, 0)))
        || '-' || digits(cast({{ day }} as decimal(2, 0)))
    )
{%- endmacro %}

{#- `date_expr` plus `days` days, as a date. -#}
{% macro add_days(date_expr, days) -%}
    {{ return(adapter.dispatch('add_days', 'softcart')(date_expr, days)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, days) -%}
    cast({{ date_expr }} + cast({{ days }} as integer) as date)
{%- endmacro %}

{% macro db2__add_days(date_expr, days) -%}
    ({{ date_expr }} + {{ days }} days)
{%- endmacro %}

{#- The yyyymmdd integer key of a date (NULL stays NULL). -#}
{% macro date_key(date_expr) -%}
    cast(
        extract(year from {{ date_expr }}) * 10000
        + extract(month from {{ date_expr }}) * 100
        + extract(day from {{ date_expr }})
        as integer
    )
{%- endmacro %}

{#- The yyyymm month key of a yyyymmdd date key; the unknown date -1 stays -1. -#}
{% macro month_key(date_key_expr) -%}
    case when {{ date_key_expr }} = -1 then -1 else {{ date_key_expr }} / 100 end
{%- endmacro %}

{#- The first and last date key of a month key's days (-1: the unknown date, -1). -#}
{% macro month_first_date_key(month_key_expr) -%}
    case when {{ month_key_expr }} = -1 then -1 else {{ month_key_expr }} * 100 end
{%- endmacro %}

{% macro month_last_date_key(month_key_expr) -%}
    case when {{ month_key_expr }} = -1 then -1 else {{ month_key_expr }} * 100 + 99 end
{%- endmacro %}

{#- The FROM clause a constant SELECT needs (Db2 has no FROM-less SELECT). -#}
{% macro from_dummy() -%}
    {{ return(adapter.dispatch('from_dummy', 'softcart')()) }}
{%- endmacro %}

{% macro default__from_dummy() -%}{%- endmacro %}

{% macro db2__from_dummy() -%}
    from sysibm.sysdummy1
{%- endmacro %}
