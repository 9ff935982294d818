-- Every dbt build `softcart run` made, from the run log. A view: always current.
with builds as (
    select * from {{ source('softcart_meta', 'warehouse_builds') }}
),

final as (
    select
        cast(build_id as bigint) as build_id,
        cast(kind as varchar(20)) as kind,
        cast(ingest_run_id as bigint) as ingest_run_id,
        cast(finished_at as timestamp) as finished_at
    from builds
)

select * from final
