#!/usr/bin/env bash
# Copy the raw layer from the PostgreSQL staging warehouse into Db2's `raw` schema, so that
# `softcart dbt build --target db2` builds the production star schema from the same rows.
#
#   PG_URL=postgresql://softcart@127.0.0.1:15432/softcart \
#   DB2_DATABASE=SOFTCART DB2_USER=db2inst1 DB2_PASSWORD=... \
#   sql_bootstrap/db2/load_raw_from_postgres.sh [work dir]
#
# Needs `psql` and the Db2 command line processor `db2` (a Db2 client, or run it inside the Db2
# Community Edition container where the CLP is installed; see docs/warehouse.md). Each table is
# exported with psql's \copy as CSV and loaded with Db2 LOAD ... REPLACE (a full copy per run:
# the incremental work happens in dbt, whose fct_sales high-water mark reads _softcart_loaded_at).
set -euo pipefail

: "${PG_URL:?set PG_URL to the PostgreSQL warehouse URL}"
: "${DB2_DATABASE:?}" "${DB2_USER:?}" "${DB2_PASSWORD:?}"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"

ts="to_char(_softcart_loaded_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
cts="to_char(_softcart_committed_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"  # change logs
declare -A exports=(
  [mysql_sales__sales_data]="rowid, product_id, customer_id, price, quantity, to_char(\"timestamp\", 'YYYY-MM-DD HH24:MI:SS.US'), _softcart_op, _softcart_seq, _softcart_source_pos, $cts, _softcart_run_id, $ts"
  [mysql_sales__customers]="customer_id, country, _softcart_op, _softcart_seq, _softcart_source_pos, $cts, _softcart_run_id, $ts"
  [mysql_sales__inventory]="product_id, on_hand, reorder_level, to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US'), _softcart_op, _softcart_seq, _softcart_source_pos, $cts, _softcart_run_id, $ts"
  [mongo_catalog__electronics]="_id, document::text, type, model, _softcart_op, _softcart_seq, _softcart_source_pos, $cts, _softcart_run_id, $ts"
  [files__dim_date]="dateid, date, year, quarter, quartername, month, monthname, day, weekday, weekdayname, _softcart_run_id, $ts"
  [files__dim_category]="categoryid, category, _softcart_run_id, $ts"
  [files__dim_country]="countryid, country, _softcart_run_id, $ts"
  [files__fact_sales]="orderid, dateid, countryid, categoryid, amount, _softcart_run_id, $ts"
  [files__ecommerce]="_line, day, month, quarter, year, category, item, price, _softcart_run_id, $ts"
  [files__searchterms]="_line, day, month, year, searchterm, _softcart_run_id, $ts"
)

db2 connect to "$DB2_DATABASE" user "$DB2_USER" using "$DB2_PASSWORD" >/dev/null
for table in "${!exports[@]}"; do
  file="$work/$table.del"
  psql "$PG_URL" -q -c "\\copy (select ${exports[$table]} from raw.$table) to '$file' with (format csv)"
  # DELPRIORITYCHAR: a newline inside a quoted field is data, as in PostgreSQL's CSV. Catalog
  # documents travel inline (DEL keeps inline LOBs up to 32 KB; the catalog's are < 1 KB).
  db2 "LOAD FROM $file OF DEL MODIFIED BY DELPRIORITYCHAR TIMESTAMPFORMAT=\"YYYY-MM-DD HH:MM:SS.UUUUUU\" REPLACE INTO raw.$table NONRECOVERABLE" >/dev/null
  echo "raw.$table: $(wc -l <"$file") rows"
done
db2 connect reset >/dev/null
