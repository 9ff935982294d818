{#-
    Test scope: what rows the data tests of the big tables read.

      * every row when the environment variable SOFTCART_DBT_TEST_SCOPE is `all` or unset (the
        default: `dbt build`, `dbt test`, CI), and
      * only the latest batch, the rows holding the table's greatest `<column>`, when it is
        `latest_batch` (the scheduled incremental build, softcart/warehouse/build_plan.py): for
        fct_sales the rows this build wrote (`dbt_updated_at`), for raw and staging the rows of
        the latest ingestion run (`_softcart_run_id`, `ingest_run_id`).

    The generic tests say so in their own `where:` config (the YAML of fct_sales,
    fct_sales_monthly and the sales' raw and staging keys), with dbt's own get_where_subquery:
    `{{ {'all': '', 'latest_batch': '<column> >= (select max(<column>) from <table>)'}[env_var(...)] }}`.
    dbt renders a test's config at parse time, without the project's macros, hence the expression
    there instead of a macro call (an unknown scope fails the parse: no such key); and a
    sub-select rather than a literal (nothing can be read at parse time), which PostgreSQL runs
    as an InitPlan through the table's index (an index scan of the batch on 1.4 M facts).
    The singular tests, compiled at run time, use the macros below.

    What a batch-scoped test cannot see across batches is guaranteed elsewhere: raw keys are
    primary keys (ingest), fct_sales has a primary key on sale_key (its contract), and the
    reconciliation and report-total tests still compare whole tables' sums.

    An environment variable, not a dbt var: a changed `--vars` makes dbt re-parse the whole
    project (8 s here); a changed environment variable re-parses only the YAML entries that read it.
-#}

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
