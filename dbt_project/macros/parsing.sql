{#-
    A storage size written as text ("16GB", "2TB", "500MB", "16 GB", "1.5TB") in megabytes,
    decimal units (1 TB = 1,000 GB = 1,000,000 MB, as disk makers count). A bare number is read
    as GB. Text without a number gives NULL.
-#}
{% macro size_to_mb(expr) -%}
    cast(
        cast({{ regex_substr(expr, '[0-9]+[.]?[0-9]*') }} as decimal(12, 3))
        * case {{ regex_substr('upper(' ~ expr ~ ')', '[KMGT]B') }}
            when 'TB' then 1000000
            when 'GB' then 1000
            when 'MB' then 1
            when 'KB' then 0.001
            else 1000
        end
        as decimal(15, 3)
    )
{%- endmacro %}

{#- The leading number of a text ("15.6", "15.6 inch", "6") as a decimal; NULL without one. -#}
{% macro leading_number(expr) -%}
    cast({{ regex_substr(expr, '[0-9]+[.]?[0-9]*') }} as decimal(8, 2))
{%- endmacro %}

{#- Audit columns on every mart (GitLab style): when and by which dbt run the row was written. -#}
{% macro audit_columns() -%}
    cast({{ dbt.current_timestamp() }} as timestamp) as dbt_updated_at,
    cast('{{ invocation_id }}' as varchar(64)) as dbt_run_id
{%- endmacro %}

{#- The natural key of an item of the ecommerce.csv history: its category and item name. -#}
{% macro ecommerce_item_natural_key(category_expr, item_expr) -%}
    'ecommerce:' || lower(coalesce({{ category_expr }}, '')) || '/' || lower({{ item_expr }})
{%- endmacro %}

{#- The natural key of a catalog product by its product id (dim_item's; the OLTP sales' lookup). -#}
{% macro catalog_product_natural_key(product_id_expr) -%}
    'catalog:product:' || cast({{ product_id_expr }} as varchar(20))
{%- endmacro %}
