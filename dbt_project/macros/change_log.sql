{#-
    The current state of a change log (a raw table of an ingest stream in `mode: cdc`,
    docs/ingestion.md "Change data capture"): each key's latest change (the highest
    `_softcart_seq`), deleted keys left out. One row per key, as the source holds it now.

    A filter on the key column outside (`where key in (...)`) is pushed into the window by
    PostgreSQL (the key is the only partition column), so reading a few keys reads the
    (key, _softcart_seq) index, not the whole log: that is how fct_sales' incremental build
    stays proportional to the change.
-#}
{% macro change_log_current_state(relation, key_column) -%}
    select ranked.*
    from (
        select
            change_log.*,
            row_number() over (
                partition by change_log.{{ key_column }}
                order by change_log."_softcart_seq" desc
            ) as change_rank
        from {{ relation }} as change_log
    ) as ranked
    where ranked.change_rank = 1 and coalesce(ranked."_softcart_op", 'r') <> 'd'
{%- endmacro %}

{#-
    The keys of a change log changed by the ingest runs after `after_run_id` (any operation: a
    deleted key is among them). Read through the raw table's BRIN index on the run id.
-#}
{% macro change_log_changed_keys(relation, key_column, after_run_id) -%}
    select change_log.{{ key_column }}
    from {{ relation }} as change_log
    where change_log."_softcart_run_id" > {{ after_run_id }}
{%- endmacro %}

{#-
    Type 2 history (SCD2) of a change log, built from the change events, not sampled by
    snapshots: one row per version of each key, valid from the commit time of the change that
    made it until the commit time of the next change of that key (a delete closes the last
    version; a key's current version has valid_to NULL). Versions of the snapshot (`r`) start at
    the snapshot's time: the log knows nothing earlier. The binlog's times are whole seconds, so
    two changes of a key in one second give a version with valid_from = valid_to; `change_seq`
    (the change's `_softcart_seq`) orders and identifies the versions.
-#}
{% macro change_log_history(relation, key_column, columns) -%}
    select
        versions.{{ key_column }},
        {%- for column in columns %}
        versions.{{ column }},
        {%- endfor %}
        versions."_softcart_seq" as change_seq,
        versions.changed_at as valid_from,
        versions.next_changed_at as valid_to,
        cast(case when versions.next_changed_at is null then 1 else 0 end as integer) as is_current
    from (
        select
            change_log.*,
            cast(
                coalesce(change_log."_softcart_committed_at", change_log."_softcart_loaded_at") as timestamp
            ) as changed_at,
            lead(
                cast(
                    coalesce(change_log."_softcart_committed_at", change_log."_softcart_loaded_at")
                    as timestamp
                )
            ) over (
                partition by change_log.{{ key_column }}
                order by change_log."_softcart_seq"
            ) as next_changed_at
        from {{ relation }} as change_log
    ) as versions
    where coalesce(versions."_softcart_op", 'r') <> 'd'
{%- endmacro %}
