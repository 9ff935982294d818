-- The star schema on Db2 (docs/architecture.md, "The marts"), with its keys declared. dbt builds
-- these tables itself from the models' enforced contracts (same columns and types); this file is
-- the reviewed production DDL, for a DBA who creates them ahead of dbt, and the reference for
-- Db2-side tools. Unknown members use key -1 in every dimension.
CREATE TABLE marts.dim_date (
    date_key INTEGER NOT NULL PRIMARY KEY,
    date_day DATE,
    year INTEGER,
    quarter INTEGER,
    quarter_name VARCHAR(7),
    month INTEGER,
    month_name VARCHAR(9),
    day INTEGER,
    weekday INTEGER,
    weekday_name VARCHAR(9),
    dbt_updated_at TIMESTAMP,
    dbt_run_id VARCHAR(64)
);

CREATE TABLE marts.dim_category (
    category_key INTEGER NOT NULL PRIMARY KEY,
    category_name VARCHAR(100) NOT NULL,
    course_category_id INTEGER,
    dbt_updated_at TIMESTAMP,
    dbt_run_id VARCHAR(64)
);

CREATE TABLE marts.dim_country (
    country_key INTEGER NOT NULL PRIMARY KEY,
    country_name VARCHAR(100) NOT NULL,
    course_country_id INTEGER,
    dbt_updated_at TIMESTAMP,
    dbt_run_id VARCHAR(64)
);

CREATE TABLE marts.dim_item (
    item_key BIGINT NOT NULL PRIMARY KEY,
    item_name VARCHAR(200),
    item_type VARCHAR(100),
    category_key INTEGER NOT NULL REFERENCES marts.dim_category (category_key),
    category_name VARCHAR(100),
    item_source VARCHAR(20),
    item_natural_key VARCHAR(300) NOT NULL,
    product_id BIGINT,
    document_id VARCHAR(64),
    screen_size_inches DECIMAL(8, 2),
    ram_gb DECIMAL(12, 3),
    hard_disk_gb DECIMAL(12, 3),
    dbt_updated_at TIMESTAMP,
    dbt_run_id VARCHAR(64)
);

CREATE TABLE marts.fct_sales (
    sale_key VARCHAR(64) NOT NULL PRIMARY KEY,
    source_system VARCHAR(20) NOT NULL,
    source_id VARCHAR(20),
    date_key INTEGER NOT NULL REFERENCES marts.dim_date (date_key),
    item_key BIGINT NOT NULL REFERENCES marts.dim_item (item_key),
    category_key INTEGER NOT NULL REFERENCES marts.dim_category (category_key),
    country_key INTEGER NOT NULL REFERENCES marts.dim_country (country_key),
    customer_id BIGINT,
    quantity INTEGER,
    price DECIMAL(12, 2),
    amount DECIMAL(14, 2),
    sale_date DATE,
    sold_at TIMESTAMP,
    ingest_run_id BIGINT,
    source_loaded_at TIMESTAMP,
    dbt_updated_at TIMESTAMP,
    dbt_run_id VARCHAR(64)
);

CREATE INDEX marts.fct_sales_date ON marts.fct_sales (date_key);
CREATE INDEX marts.fct_sales_country ON marts.fct_sales (country_key);
CREATE INDEX marts.fct_sales_batch ON marts.fct_sales (dbt_updated_at);
CREATE INDEX marts.fct_sales_run ON marts.fct_sales (source_system, ingest_run_id);

-- the sales facts aggregated per month, country and category (the reports read it)
CREATE TABLE marts.fct_sales_monthly (
    month_key INTEGER NOT NULL,
    year INTEGER,
    month INTEGER,
    country_key INTEGER NOT NULL REFERENCES marts.dim_country (country_key),
    category_key INTEGER NOT NULL REFERENCES marts.dim_category (category_key),
    total_sales DECIMAL(18, 2),
    sale_count BIGINT,
    amount_count BIGINT,
    dbt_updated_at TIMESTAMP,
    dbt_run_id VARCHAR(64),
    PRIMARY KEY (month_key, country_key, category_key)
);

-- Type 2 histories built from the change logs (ingest `mode: cdc`): one row per version.
CREATE TABLE marts.inventory_history (
    product_id BIGINT NOT NULL,
    change_seq BIGINT NOT NULL PRIMARY KEY,
    on_hand INTEGER,
    reorder_level INTEGER,
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP,
    is_current INTEGER,
    dbt_updated_at TIMESTAMP,
    dbt_run_id VARCHAR(64)
);

CREATE TABLE marts.customers_history (
    customer_id BIGINT NOT NULL,
    change_seq BIGINT NOT NULL PRIMARY KEY,
    country_name VARCHAR(100),
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP,
    is_current INTEGER,
    dbt_updated_at TIMESTAMP,
    dbt_run_id VARCHAR(64)
);
