-- Warehouse schemas. Applied by ingest.bootstrap.apply_warehouse_schemas (idempotent).
-- The raw tables themselves are created from ingest/streams.yml (one declaration, no drift).
create schema if not exists raw;
create schema if not exists softcart_meta;
