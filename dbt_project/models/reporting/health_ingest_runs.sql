-- Every ingestion run, from the run log, typed as its contract (_reporting__models.yml). A view:
-- always current.
with runs as (
    select * from {{ source('softcart_meta', 'ingest_runs') }}
),

final as (
    select {{ contract_columns('runs') }}
    from runs
)

select * from final
