{#-
    The current state of a change log (a raw table of an ingest stream in `mode: cdc`,
    docs/ingestion.md "Change data capture"): each key's latest change (no later change of the
    key exists), deleted keys left out. One row per key, as the source holds it now.

    Written as an anti-join (NOT EXISTS a later change), not as row_number() over the key: a
    `key in (...)` from outside (fct_sales' changed keys) is pushed into a view of this form and
    becomes an index nested loop over the (key, _softcart_seq) index, reading the few changed
    keys; the window form cannot take a join filter and ranks the whole log on every incremental
    build. Portable to Db2.

    Only a change row (c, u, d) can be a later change: a snapshot read (r) never comes after
    another row of its key. Ingestion lands a snapshot into an emptied change log (the streams'
    `_snapshot` truncate the table first), one row per key (the source's primary key; a seeded
    stream's snapshot reads the keys after the seed's), and every change row after it. So the
    anti-join's inner side is the change rows alone, a few beside the snapshot's millions: the
    current state of 1 M sales in 0.2 s instead of 0.85 s. Were that ever broken, two rows of a
    key would both be current: the staging models' unique tests on the key fail (a test in
    tests/dbt/test_dbt_warehouse.py breaks it on purpose), and fct_sales' primary key refuses
    the second row.
-#}
{% macro change_log_current_state(relation, key_column) -%}
    select change_log.*
    from {{ relation }} as change_log
    where
        coalesce(change_log."_softcart_op", 'r') <> 'd'
        and not exists (
            select 1
            from {{ relation }} as later
            where
                later.{{ key_column }} = change_log.{{ key_column }}
                and later."_softcart_seq" > change_log."_softcart_seq"
                and later."_softcart_op" <> 'r'
        )
{%- endmacro %}

{#-
    Every key a change log ever held, with its last known image: each key's latest change that
    is not a delete (no later insert, update or snapshot row of the key exists), and, when the
    key was deleted after that image (it is gone from the source now), `removed_at`, the commit
    time of its last delete; NULL for a key the source still holds. A delete row carries no
    image, so a removed key keeps the image of the change before its delete: what a type 1
    dimension keeps of a member the source no longer has (dim_item's discontinued products).
-#}
{% macro change_log_last_images(relation, key_column) -%}
    select
        change_log.*,
        removals.removed_at
    from {{ relation }} as change_log
    left join (
        select
            deletes.{{ key_column }} as removed_key,
            max(deletes."_softcart_seq") as removed_seq,
            max(
                cast(coalesce(deletes."_softcart_committed_at", deletes."_softcart_loaded_at") as timestamp)
            ) as removed_at
        from {{ relation }} as deletes
        where deletes."_softcart_op" = 'd'
        group by deletes.{{ key_column }}
    ) as removals
        on
            change_log.{{ key_column }} = removals.removed_key
            and change_log."_softcart_seq" < removals.removed_seq
    where
        coalesce(change_log."_softcart_op", 'r') <> 'd'
        and not exists (
            select 1
            from {{ relation }} as later
            where
                later.{{ key_column }} = change_log.{{ key_column }}
                and later."_softcart_seq" > change_log."_softcart_seq"
                and coalesce(later."_softcart_op", 'r') <> 'd'
        )
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
        cast(versions."_softcart_seq" as bigint) as change_seq,
        cast(versions.changed_at as timestamp) as valid_from,
        cast(versions.next_changed_at as timestamp) as valid_to,
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

{#- The version columns of a change_log_history, typed, and the audit columns: the projection
    every SCD2 model ends with (after its key and its own columns). -#}
{% macro change_log_history_columns() -%}
    change_seq,
    valid_from,
    valid_to,
    is_current,
    {{ audit_columns() }}
{%- endmacro %}
