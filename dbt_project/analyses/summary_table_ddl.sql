{#-
    The two statements the `summary_table` materialization runs for total_sales_per_country on the
    current target, with the model's SELECT shown as a marker line. tests/dbt compiles this for
    Db2 and checks it as exact text: sqlfluff's db2 dialect cannot parse the MQT clause
    (DATA INITIALLY DEFERRED REFRESH DEFERRED) nor REFRESH TABLE, so they are checked verbatim
    while the model's SELECT itself is parsed.
-#}
{%- set relation = ref('total_sales_per_country') -%}
{{ softcart_create_summary_table_sql(relation, '-- the SELECT of total_sales_per_country --') }};
{{ softcart_refresh_summary_table_sql(relation) }};
