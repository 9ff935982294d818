{#-
    dbt's should_full_refresh(), plus one rule: an incremental model is rebuilt in full when a raw
    table was rebuilt from scratch after the model's newest row was written.

    Ingestion rebuilds a raw table from scratch on a first ingest, `softcart ingest --full-refresh`,
    a replaced source (reloaded, or its keys went below the mark) and a changed file, and records it
    (`softcart_meta.ingest_stream_runs.refreshed`, in the same transaction as the rows). An
    incremental model built before that holds rows the new raw table may no longer have; appending
    or merging what is new cannot remove them. So whoever runs dbt next (`softcart run`, the Airflow
    DAG, or a plain `dbt build`) gets the full rebuild, and only once: the rebuilt model's rows are
    newer than the refresh. The state is the data itself (the model's `dbt_updated_at` against the
    ingest log), so a build that died halfway is simply planned again.

    An explicit `full_refresh` config (true or false) wins, as in dbt. Only incremental models are
    checked (a seed or view never is), and only on PostgreSQL, the warehouse ingestion writes to:
    elsewhere (Db2, fed from PostgreSQL's raw layer) dbt's own rule applies.
-#}
{% macro should_full_refresh() %}
    {%- set configured = config.get('full_refresh') -%}
    {%- if configured is not none -%}
        {{ return(configured) }}
    {%- endif -%}
    {%- if flags.FULL_REFRESH -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(softcart_raw_refreshed_since_build()) }}
{% endmacro %}

{% macro softcart_raw_refreshed_since_build() -%}
    {%- if not execute or config.get('materialized') != 'incremental' -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(adapter.dispatch('softcart_raw_refreshed_since_build', 'softcart')()) }}
{%- endmacro %}

{% macro default__softcart_raw_refreshed_since_build() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro postgres__softcart_raw_refreshed_since_build() -%}
    {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if existing is none or existing.type != 'table' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set has_log = run_query("select to_regclass('softcart_meta.ingest_stream_runs') is not null") -%}
    {%- if not has_log.columns[0].values()[0] -%}
        {{ return(false) }}  {#- a warehouse no ingest ever wrote to (a test's hand-loaded raw) -#}
    {%- endif -%}
    {%- set check -%}
        select count(*)
        from softcart_meta.ingest_stream_runs as s
        inner join softcart_meta.ingest_runs as r on s.run_id = r.run_id
        where
            r.status = 'succeeded'
            and s.refreshed
            and r.ended_at > (
                select coalesce(max(dbt_updated_at), cast('-infinity' as timestamp)) from {{ this }}
            )
    {%- endset -%}
    {{ return(run_query(check).columns[0].values()[0] | int > 0) }}
{%- endmacro %}
