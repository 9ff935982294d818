-- Every dbt build `softcart run` made, from the run log, typed as its contract
-- (_reporting__models.yml). A view: always current.
with builds as (
    select * from {{ source('softcart_meta', 'warehouse_builds') }}
),

final as (
    select {{ contract_columns('builds') }}
    from builds
)

select * from final
