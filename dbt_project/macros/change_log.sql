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
