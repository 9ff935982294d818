{#-
    Test scope: what rows the data tests of the big tables read.

    A data test whose `where` config is `__latest_batch__:<column>` reads
      * every row when the environment variable SOFTCART_DBT_TEST_SCOPE is `all` or unset (the
        default: `dbt build`, `dbt test`, CI), and
      * only the latest batch, the rows holding the table's greatest `<column>`, when it is
        `latest_batch` (the scheduled incremental build, softcart/dbt_runner.py): for fct_sales
        the rows this build wrote (`dbt_updated_at`), for raw and staging the rows of the latest
        ingestion run (`_softcart_run_id`, `ingest_run_id`).

    dbt's documented way to keep the tests of large tables proportional to the change (the `where`
    config with a placeholder, resolved by overriding `get_where_subquery`). What a batch-scoped test
    cannot see across batches is guaranteed elsewhere: raw keys are primary keys (ingest), fct_sales
    has a primary key on sale_key (its contract), and the reconciliation and report-total tests
    still compare whole tables' sums.

    An environment variable, not a dbt var: a changed `--vars` makes dbt re-parse the whole
    project (8 s here), while this variable is read only when a test is compiled.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = softcart_resolve_test_scope(where, relation) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- `where` with its `__latest_batch__:<column>` placeholder (if any) resolved for `relation`. -#}
{% macro softcart_resolve_test_scope(where, relation) -%}
    {%- set marker = '__latest_batch__:' -%}
    {%- if marker not in where -%}
        {{ return(where) }}
    {%- endif -%}
    {%- set column = where.split(marker)[1].split(' ')[0] -%}
    {{ return(where.replace(marker ~ column, softcart_latest_batch_filter(column, relation))) }}
{%- endmacro %}

{#- A condition keeping the latest batch of `relation` by `column`, or every row (scope `all`). -#}
{% macro softcart_latest_batch_filter(column, relation) -%}
    {%- set scope = softcart_test_scope() -%}
    {%- if scope == 'all' -%}
        {{ return('1 = 1') }}
    {%- elif scope == 'latest_batch' -%}
        {#- >= the greatest value is = it (and safe should a timestamp come back truncated) -#}
        {{ return(column ~ ' >= ' ~ softcart_latest_value(column, relation)) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "SOFTCART_DBT_TEST_SCOPE must be 'all' or 'latest_batch', got '" ~ scope ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- all | latest_batch: the scope of the big tables' data tests (see above). -#}
{% macro softcart_test_scope() -%}
    {{ return(env_var('SOFTCART_DBT_TEST_SCOPE', 'all')) }}
{%- endmacro %}

{#- The greatest `column` of `relation`: a literal when a warehouse answers (NULL, which matches
    nothing, for an empty table), else the sub-select (macros/warehouse_value.sql). -#}
{% macro softcart_latest_value(column, relation) -%}
    {{ return(softcart_warehouse_value('select max(' ~ column ~ ') from ' ~ relation)) }}
{%- endmacro %}
