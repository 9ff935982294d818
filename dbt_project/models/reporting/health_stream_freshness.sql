-- Freshness per ingestion stream, from the run log: the latest run that read it, when rows of it
-- last landed, and the rows landed and rejected over all runs. A view: always current.
with stream_runs as (
    select * from {{ source('softcart_meta', 'ingest_stream_runs') }}
),

runs as (
    select * from {{ source('softcart_meta', 'ingest_runs') }}
),

final as (
    select
        cast(stream_runs.stream as varchar(100)) as stream,
        cast(max(stream_runs.run_id) as bigint) as last_run_id,
        cast(max(runs.started_at) as timestamp) as last_run_at,
        cast(max(case when stream_runs.rows_written > 0 then runs.ended_at end) as timestamp)
            as last_landed_at,
        cast(sum(stream_runs.rows_written) as bigint) as rows_written,
        cast(sum(stream_runs.rows_rejected) as bigint) as rows_rejected
    from stream_runs
    inner join runs on stream_runs.run_id = runs.run_id
    group by stream_runs.stream
)

select * from final
