-- Ingestion metadata (contract: docs/architecture.md, docs/ingestion.md). Idempotent.

-- one row per `softcart ingest` run; status: running | succeeded | failed | abandoned
-- ("abandoned": the process died (kill -9, power loss) before it could record an outcome;
-- nothing of such a run was published, because rows, marks and this status commit together)
create table if not exists softcart_meta.ingest_runs (
    run_id bigint generated always as identity primary key,
    started_at timestamptz not null default clock_timestamp(),
    ended_at timestamptz,
    status text not null default 'running',
    full_refresh boolean not null default false,
    streams text[] not null default '{}',
    rows_read bigint,
    rows_written bigint,
    rows_rejected bigint,
    error text,
    pid integer,
    constraint ingest_runs_status_check
        check (status in ('running', 'succeeded', 'failed', 'abandoned'))
);

-- one row per stream of a run
create table if not exists softcart_meta.ingest_stream_runs (
    run_id bigint not null references softcart_meta.ingest_runs (run_id),
    stream text not null,
    status text not null,
    rows_read bigint not null default 0,
    rows_written bigint not null default 0,
    rows_rejected bigint not null default 0,
    rows_seeded bigint not null default 0,
    mark_before text,
    mark_after text,
    started_at timestamptz,
    ended_at timestamptz,
    note text,
    primary key (run_id, stream)
);
-- true when the run rebuilt the stream's raw table from scratch (first ingest, --full-refresh, a
-- replaced source, a changed file): the next dbt build rebuilds the incremental models in full
-- (dbt_project/macros/raw_refresh.sql), whoever runs it
alter table softcart_meta.ingest_stream_runs add column if not exists refreshed boolean not null default false;

-- the high-water mark of each stream; updated in the same transaction as the rows it covers
create table if not exists softcart_meta.ingest_state (
    stream text primary key,
    cursor_column text not null,
    mark text,
    seed_mark text,
    run_id bigint,
    updated_at timestamptz not null default clock_timestamp()
);
-- the source's generation the mark belongs to (the newest replacing load, softcart/load/records.py)
alter table softcart_meta.ingest_state add column if not exists generation text;

-- records that could not be landed as declared; the run goes on and counts them
create table if not exists softcart_meta.ingest_rejects (
    reject_id bigint generated always as identity primary key,
    stream text not null,
    key text,
    reason text not null,
    payload jsonb,
    run_id bigint not null,
    rejected_at timestamptz not null default clock_timestamp()
);
create index if not exists ingest_rejects_stream_run on softcart_meta.ingest_rejects (stream, run_id);
