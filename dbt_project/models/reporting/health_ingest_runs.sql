-- Every ingestion run, from the run log. A view: always current.
with runs as (
    select * from {{ source('softcart_meta', 'ingest_runs') }}
),

final as (
    select
        cast(run_id as bigint) as run_id,
        cast(status as varchar(20)) as status,
        cast(started_at as timestamp) as started_at,
        cast(ended_at as timestamp) as ended_at,
        cast(rows_read as bigint) as rows_read,
        cast(rows_written as bigint) as rows_written,
        cast(rows_rejected as bigint) as rows_rejected,
        cast(error as varchar(2000)) as error
    from runs
)

select * from final
