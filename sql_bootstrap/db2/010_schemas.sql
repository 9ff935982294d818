-- SoftCart production warehouse on IBM Db2 (11.5+): schemas. Run once per database, e.g.
--   db2 connect to SOFTCART user db2inst1 && db2 -tvf 010_schemas.sql
-- dbt (`softcart dbt build --target db2`) writes to exactly these schemas (generate_schema_name).
CREATE SCHEMA raw;
CREATE SCHEMA staging;
CREATE SCHEMA marts;
CREATE SCHEMA reporting;
