-- The raw layer as docs/architecture.md specifies it ("The raw layer"), for the dbt tests and the
-- benchmark: `softcart ingest`'s bootstrap creates the same tables in a real run. File columns
-- are text here (the loosest landing); the staging models cast every column, so typed columns
-- work the same.
create schema if not exists raw;

create table if not exists raw.mysql_sales__sales_data (
    rowid bigint primary key,
    product_id bigint,
    customer_id bigint,
    price numeric(12, 2),
    quantity integer,
    "timestamp" timestamp,
    _softcart_run_id bigint,
    _softcart_loaded_at timestamptz
);

create table if not exists raw.mysql_sales__customers (
    customer_id bigint primary key,
    country text,
    _softcart_run_id bigint,
    _softcart_loaded_at timestamptz
);

create table if not exists raw.mongo_catalog__electronics (
    _id text primary key,
    document jsonb,
    type text,
    model text,
    _softcart_run_id bigint,
    _softcart_loaded_at timestamptz
);

create table if not exists raw.files__dim_date (
    dateid text primary key, date text, year text, quarter text, quartername text, month text,
    monthname text, day text, weekday text, weekdayname text,
    _softcart_run_id bigint, _softcart_loaded_at timestamptz
);

create table if not exists raw.files__dim_category (
    categoryid text primary key, category text, _softcart_run_id bigint, _softcart_loaded_at timestamptz
);

create table if not exists raw.files__dim_country (
    countryid text primary key, country text, _softcart_run_id bigint, _softcart_loaded_at timestamptz
);

create table if not exists raw.files__fact_sales (
    orderid text primary key, dateid text, countryid text, categoryid text, amount text,
    _softcart_run_id bigint, _softcart_loaded_at timestamptz
);

create table if not exists raw.files__ecommerce (
    _line bigint primary key, day text, month text, quarter text, year text, category text, item text,
    price text, _softcart_run_id bigint, _softcart_loaded_at timestamptz
);

create table if not exists raw.files__searchterms (
    _line bigint primary key, day text, month text, year text, searchterm text,
    _softcart_run_id bigint, _softcart_loaded_at timestamptz
);

-- as ingest/warehouse.py's create_run_id_index: the incremental models and tests read by run id
create index if not exists mysql_sales__sales_data_run_id_brin on raw.mysql_sales__sales_data using brin (_softcart_run_id);
create index if not exists mysql_sales__customers_run_id_brin on raw.mysql_sales__customers using brin (_softcart_run_id);
create index if not exists mongo_catalog__electronics_run_id_brin on raw.mongo_catalog__electronics using brin (_softcart_run_id);
create index if not exists files__dim_date_run_id_brin on raw.files__dim_date using brin (_softcart_run_id);
create index if not exists files__dim_category_run_id_brin on raw.files__dim_category using brin (_softcart_run_id);
create index if not exists files__dim_country_run_id_brin on raw.files__dim_country using brin (_softcart_run_id);
create index if not exists files__fact_sales_run_id_brin on raw.files__fact_sales using brin (_softcart_run_id);
create index if not exists files__ecommerce_run_id_brin on raw.files__ecommerce using brin (_softcart_run_id);
create index if not exists files__searchterms_run_id_brin on raw.files__searchterms using brin (_softcart_run_id);
