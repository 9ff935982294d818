"""Change data capture through dbt: hand-written corrections, refunds (deletes), moved keys and
customer moves reach staging and ``marts.fct_sales`` exactly, incrementally, as a full rebuild does;
products removed from the catalog stay in ``marts.dim_item`` (discontinued), their facts keep their item."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ingest.cli import reconcile
from softcart.core.settings import Settings
from softcart.warehouse.dbt_runner import run_dbt
from tests.ingest.ingest_helpers import (
    ingest,
    insert_sales,
    mongo_collection,
    mysql,
    mysql_exec,
    pg_all,
    sales_rows,
)

STREAMS = ("mysql_sales__sales_data", "mysql_sales__customers", "mongo_catalog__electronics")
FACT = (
    "select source_id::bigint, quantity, price, amount, customer_id from marts.fct_sales"
    " where source_system = 'oltp' order by 1"
)
FACT_WHOLE = (
    "select sale_key, source_id, date_key, item_key, category_key, country_key, customer_id, quantity,"
    " price, amount, sale_date, sold_at, ingest_run_id from marts.fct_sales order by sale_key"
)
# the OLTP facts of products 5..8 (removed from the catalog below) with their item as dim_item holds it
REMOVED_FACTS = (
    "select count(*), count(distinct fct.item_key), min(item.is_discontinued), count(item.discontinued_at),"
    " min(item.item_name) from marts.fct_sales as fct left join marts.dim_item as item using (item_key)"
    " where fct.source_system = 'oltp' and fct.source_id::bigint % 1000 + 1 between 5 and 8"
)


def mysql_sales(settings: Settings) -> list[tuple[Any, ...]]:
    conn = mysql(settings)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT rowid, quantity, price, customer_id FROM sales_data ORDER BY rowid")
            rows = cur.fetchall()
    finally:
        conn.close()
    return [
        (r[0], r[1], r[2], None if r[2] is None else Decimal(r[2]) * r[1], r[3]) for r in rows
    ]  # fmt: skip


def build(settings: Settings, *extra: str) -> None:
    """fct_sales and what it reads (models and seeds; the tests are tests/dbt's)."""
    selection = ["--select", "+fct_sales", "--exclude", "test_type:data", "test_type:unit"]
    assert run_dbt(settings, ["build", *selection, *extra]) == 0


def test_changes_reach_staging_and_fct_sales_incrementally(isolated: Settings) -> None:
    mysql_exec(
        isolated, "INSERT INTO customers VALUES " + ", ".join(f"({i}, 'Chile')" for i in range(1, 778))
    )
    insert_sales(isolated, sales_rows(300))  # products 2..301
    catalog = mongo_collection(isolated)
    catalog.insert_many([{"type": "smart phone", "model": f"p{i}", "product_id": i} for i in range(1, 400)])
    assert ingest(isolated, *STREAMS) == 0
    build(isolated)
    assert pg_all(isolated, FACT) == mysql_sales(isolated)
    assert pg_all(isolated, REMOVED_FACTS) == [(4, 4, 0, 0, "p5")]
    # corrections (1/7), refunds (1/11), moved keys (1/13), new sales, a customer who moved
    conn = mysql(isolated)
    with conn.cursor() as cur:
        cur.execute("UPDATE sales_data SET quantity = quantity + 5 WHERE rowid % 7 = 0")
        cur.execute("DELETE FROM sales_data WHERE rowid % 11 = 0")
        cur.execute("UPDATE sales_data SET rowid = rowid + 10000 WHERE rowid % 13 = 0")
        cur.execute("UPDATE customers SET country = 'Peru' WHERE customer_id = 5")
        cur.execute("DELETE FROM customers WHERE customer_id = 6")
    conn.close()
    # the catalog: products 5..8 renamed (captured), then removed: their last image is the renamed one
    catalog.update_many({"product_id": {"$gte": 5, "$lte": 8}}, {"$set": {"model": "last"}})
    assert ingest(isolated, "mongo_catalog__electronics") == 0
    catalog.delete_many({"product_id": {"$gte": 5, "$lte": 8}})
    insert_sales(isolated, sales_rows(20, start=301))
    assert ingest(isolated, *STREAMS) == 0
    assert reconcile(isolated) == 0
    staged = pg_all(isolated, "select sale_id, quantity from staging.stg_mysql_sales__sales order by 1")
    assert staged == [(r[0], r[1]) for r in mysql_sales(isolated)]
    customers = pg_all(
        isolated, "select country_name from staging.stg_mysql_sales__customers where customer_id in (5, 6)"
    )
    assert customers == [("Peru",)]
    build(isolated)  # incremental
    assert pg_all(isolated, FACT) == mysql_sales(isolated)
    # the fact's reconciliation with raw holds after updates and deletes, over every row and over
    # the latest batch (the scheduled build's scope): raw's OLTP rows are the log's current state
    for scope in ("all", "latest_batch"):
        reconciled = ["test", "--select", "assert_fct_sales_reconciles_with_raw"]
        assert run_dbt(isolated, reconciled, {"SOFTCART_DBT_TEST_SCOPE": scope}) == 0, scope
    # the removed products' old facts keep their item (not an orphan key, not -1), discontinued
    assert pg_all(isolated, REMOVED_FACTS) == [(4, 4, 1, 4, "last")]
    assert pg_all(isolated, "select count(*) from marts.dim_item where is_discontinued = 1") == [(4,)]
    incremental = pg_all(isolated, FACT_WHOLE)
    build(isolated, "--full-refresh")
    assert pg_all(isolated, FACT_WHOLE) == incremental
    assert pg_all(isolated, REMOVED_FACTS) == [(4, 4, 1, 4, "last")]
