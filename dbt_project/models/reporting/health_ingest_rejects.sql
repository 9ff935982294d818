-- Rows rejected by ingestion, per stream and reason, from the run log. A view: always current.
with rejects as (
    select * from {{ source('softcart_meta', 'ingest_rejects') }}
),

final as (
    select
        cast(stream as varchar(100)) as stream,
        cast(reason as varchar(500)) as reason,
        cast(count(*) as bigint) as rejected_rows,
        cast(max(rejected_at) as timestamp) as last_rejected_at,
        cast(max(run_id) as bigint) as last_run_id
    from rejects
    group by stream, reason
)

select * from final
