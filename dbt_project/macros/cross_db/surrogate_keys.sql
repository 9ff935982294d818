{#-
    Surrogate keys derived from a dimension's natural key (a text expression).

    Derived, not numbered: the same natural key gets the same key in every run, whatever order
    members arrive in, so the incremental fact never points at a renumbered member. Keys are
    non-negative; -1 is reserved for the unknown member. A collision would fail the dimension's
    `unique` test. PostgreSQL uses the first bits of md5, Db2 its built-in HASH4/HASH8, so keys
    are stable within a target but differ between targets (they are never compared across).
-#}
{% macro int_key(natural_key) -%}
    {{ return(adapter.dispatch('int_key', 'softcart')(natural_key)) }}
{%- endmacro %}

{% macro default__int_key(natural_key) -%}
    (('x' || substr(md5({{ natural_key }}), 1, 8))::bit(32)::integer & 2147483647)
{%- endmacro %}

{% macro db2__int_key(natural_key) -%}
    bitand(hash4({{ natural_key }}, 1), 2147483647)
{%- endmacro %}

{% macro bigint_key(natural_key) -%}
    {{ return(adapter.dispatch('bigint_key', 'softcart')(natural_key)) }}
{%- endmacro %}

{% macro default__bigint_key(natural_key) -%}
    (('x' || substr(md5({{ natural_key }}), 1, 16))::bit(64)::bigint & 9223372036854775807)
{%- endmacro %}

{% macro db2__bigint_key(natural_key) -%}
    bitand(hash8({{ natural_key }}), 9223372036854775807)
{%- endmacro %}
