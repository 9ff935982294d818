-- The raw layer on Db2: the same tables and columns as PostgreSQL's `raw` (ingest/streams.yml),
-- filled by load_raw_from_postgres.sh. Column names that Db2 would upper-case or reject unquoted
-- (a leading underscore, the keywords "timestamp" and "date") are created quoted and lower-case,
-- exactly as the dbt models quote them; the others are ordinary (upper-case) identifiers.
-- Generated from ingest/streams.yml, do not edit by hand:
--   python -m ingest.contract db2-ddl > sql_bootstrap/db2/020_raw.sql
CREATE TABLE raw.mysql_sales__sales_data (
    rowid BIGINT,
    product_id BIGINT,
    customer_id BIGINT,
    price DECIMAL(12, 2),
    quantity INTEGER,
    "timestamp" TIMESTAMP,
    "_softcart_op" CHAR(1) NOT NULL,
    "_softcart_seq" BIGINT NOT NULL PRIMARY KEY,
    "_softcart_source_pos" VARCHAR(512),
    "_softcart_committed_at" TIMESTAMP,
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

CREATE TABLE raw.mysql_sales__customers (
    customer_id BIGINT,
    country VARCHAR(200),
    "_softcart_op" CHAR(1) NOT NULL,
    "_softcart_seq" BIGINT NOT NULL PRIMARY KEY,
    "_softcart_source_pos" VARCHAR(512),
    "_softcart_committed_at" TIMESTAMP,
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

CREATE TABLE raw.mysql_sales__inventory (
    product_id BIGINT,
    on_hand INTEGER,
    reorder_level INTEGER,
    updated_at TIMESTAMP,
    "_softcart_op" CHAR(1) NOT NULL,
    "_softcart_seq" BIGINT NOT NULL PRIMARY KEY,
    "_softcart_source_pos" VARCHAR(512),
    "_softcart_committed_at" TIMESTAMP,
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

-- document: JSON text (jsonb in PostgreSQL; read with JSON_VALUE, Db2 11.1.4.4+)
CREATE TABLE raw.mongo_catalog__electronics (
    "_id" VARCHAR(64),
    document CLOB(1M),
    type VARCHAR(200),
    model VARCHAR(200),
    "_softcart_op" CHAR(1) NOT NULL,
    "_softcart_seq" BIGINT NOT NULL PRIMARY KEY,
    "_softcart_source_pos" VARCHAR(512),
    "_softcart_committed_at" TIMESTAMP,
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

CREATE TABLE raw.files__dim_date (
    dateid INTEGER NOT NULL PRIMARY KEY,
    "date" DATE,
    year INTEGER,
    quarter INTEGER,
    quartername VARCHAR(10),
    month INTEGER,
    monthname VARCHAR(20),
    day INTEGER,
    weekday INTEGER,
    weekdayname VARCHAR(20),
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

CREATE TABLE raw.files__dim_category (
    categoryid INTEGER NOT NULL PRIMARY KEY,
    category VARCHAR(100),
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

CREATE TABLE raw.files__dim_country (
    countryid INTEGER NOT NULL PRIMARY KEY,
    country VARCHAR(100),
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

CREATE TABLE raw.files__fact_sales (
    orderid BIGINT NOT NULL PRIMARY KEY,
    dateid INTEGER,
    countryid INTEGER,
    categoryid INTEGER,
    amount DECIMAL(14, 2),
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

CREATE TABLE raw.files__ecommerce (
    "_line" INTEGER NOT NULL PRIMARY KEY,
    day INTEGER,
    month INTEGER,
    quarter INTEGER,
    year INTEGER,
    category VARCHAR(100),
    item VARCHAR(200),
    price DECIMAL(14, 2),
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);

CREATE TABLE raw.files__searchterms (
    "_line" INTEGER NOT NULL PRIMARY KEY,
    day INTEGER,
    month INTEGER,
    year INTEGER,
    searchterm VARCHAR(500),
    "_softcart_run_id" BIGINT,
    "_softcart_loaded_at" TIMESTAMP
);
