-- The dbt builds `softcart run` made of this warehouse (softcart/warehouse/build_plan.py): the next run
-- plans a full, incremental or no build from the newest row. Kept in the warehouse it describes, so a
-- replaced or purged warehouse can never be mistaken for one already built. Idempotent.
create table if not exists softcart_meta.warehouse_builds (
    build_id bigint generated always as identity primary key,
    kind text not null,
    -- sha256 of the dbt project's and profiles' files: a change means a full build
    fingerprint text not null,
    -- the newest successful ingest run the build covers (-1: none)
    ingest_run_id bigint not null,
    dbt_invocation_id text,
    finished_at timestamptz not null default clock_timestamp(),
    constraint warehouse_builds_kind_check check (kind in ('full', 'incremental'))
);

-- the manifest.json of that build (dbt's whole project as built): the production state `softcart
-- dbt-ci` defers to (--state) and `softcart docs` shows; NULL for builds recorded before it was kept
alter table softcart_meta.warehouse_builds add column if not exists manifest jsonb;
