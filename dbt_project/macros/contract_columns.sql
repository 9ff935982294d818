{#-
    The model's contract as its projection: `cast(<column> as <data_type>) as <column>` for each
    column of the model's YAML, in its order. For the models that only type a table's columns
    (the health views over softcart_meta): the names and types are written once, in the contract.
    `relation`: the import CTE the columns come from. dbt parses a model before it knows the
    columns (an empty projection then, never run).
-#}
{% macro contract_columns(relation) -%}
    {%- for column in model.columns.values() %}
    cast({{ relation }}.{{ column.name }} as {{ column.data_type }}) as {{ column.name }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
