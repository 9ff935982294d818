"""The Db2 production target without a Db2 server: every model compiles for `--target db2`, the
compiled SQL parses with sqlfluff's db2 dialect, and the Db2-only statements sqlfluff cannot parse
(the MQT clause, REFRESH TABLE) are checked as exact text."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import sqlfluff
from sqlfluff.api.simple import APIParsingError

from softcart.core.settings import Settings, load_settings
from softcart.warehouse.dbt_ci import DB2_COMPILE_ARGS
from softcart.warehouse.dbt_runner import run_dbt, target_dir

MODELS = (
    "staging/mysql_sales/stg_mysql_sales__sales",
    "staging/mysql_sales/stg_mysql_sales__customers",
    "staging/mongo_catalog/stg_mongo_catalog__products",
    "staging/files/stg_files__dates",
    "staging/files/stg_files__categories",
    "staging/files/stg_files__countries",
    "staging/files/stg_files__sales",
    "staging/files/stg_files__ecommerce_sales",
    "staging/files/stg_files__search_terms",
    "marts/dim_date",
    "marts/dim_category",
    "marts/dim_country",
    "marts/dim_item",
    "marts/fct_sales",
    "marts/fct_sales_monthly",
    "reporting/sales_by_country_category",
    "reporting/sales_rollup_year_country",
    "reporting/sales_cube_year_country",
    "reporting/total_sales_per_country",
)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def db2_compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`softcart dbt compile --target db2` against a Db2 that does not exist (dummy DB2_* env)."""
    data_dir = tmp_path_factory.mktemp("dbt-db2")
    settings: Settings = load_settings(
        {
            "SOFTCART_DATA_DIR": str(data_dir),
            "DB2_HOST": "127.0.0.1",
            "DB2_PORT": str(unused_port()),
            "DB2_DATABASE": "SOFTCART",
            "DB2_USER": "db2inst1",
            "DB2_PASSWORD": "not-a-secret",
            "PATH": "/usr/bin:/bin",
        }
    )
    # the compile `softcart dbt-ci` runs: --no-populate-cache, and the incremental branch of
    # fct_sales compiled without asking Db2 whether it exists
    code = run_dbt(settings, DB2_COMPILE_ARGS)
    assert code == 0
    return target_dir(settings) / "compiled" / "softcart"


def test_every_model_compiles_for_db2_and_parses(db2_compiled: Path) -> None:
    for model in MODELS:
        sql = (db2_compiled / "models" / f"{model}.sql").read_text()
        try:
            sqlfluff.parse(sql, dialect="db2")
        except APIParsingError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{model}: db2 parse failed: {exc}")
        # PostgreSQL-only syntax must not leak into the Db2 SQL
        for postgres_only in ("->>", "::", "make_date(", "generate_series", "md5("):
            assert postgres_only not in sql, f"{model}: {postgres_only!r} in Db2 SQL"


def test_db2_dialect_macros_are_used(db2_compiled: Path) -> None:
    products = (db2_compiled / "models/staging/mongo_catalog/stg_mongo_catalog__products.sql").read_text()
    assert "json_value(document, '$.\"screen size\"')" in products
    assert "regexp_substr(" in products and "regexp_like(" in products
    dim_date = (db2_compiled / "models/marts/dim_date.sql").read_text()
    assert "dayofweek(date_day)" in dim_date and "from sysibm.sysdummy1" in dim_date
    assert "hash4(" in (db2_compiled / "models/marts/dim_country.sql").read_text()
    fct = (db2_compiled / "models/marts/fct_sales.sql").read_text()
    assert "from marts.fct_sales" in fct  # the incremental filter reads the fact itself
    monthly = (db2_compiled / "models/marts/fct_sales_monthly.sql").read_text()
    assert "from marts.fct_sales_monthly" in monthly  # touched months: facts newer than its last build


def test_singular_tests_parse_for_db2(db2_compiled: Path) -> None:
    for path in sorted((db2_compiled / "tests").glob("*.sql")):
        sqlfluff.parse(path.read_text(), dialect="db2")


def test_mqt_ddl_and_refresh_exact_text(db2_compiled: Path) -> None:
    ddl = (db2_compiled / "analyses" / "summary_table_ddl.sql").read_text()
    assert ddl.strip() == (
        "CREATE TABLE reporting.total_sales_per_country AS (\n"
        "-- the SELECT of total_sales_per_country --\n"
        ") DATA INITIALLY DEFERRED REFRESH DEFERRED;\n"
        "REFRESH TABLE reporting.total_sales_per_country;"
    )
    # and the SELECT the MQT wraps is a single fullselect (an MQT cannot hold a WITH clause)
    select = (db2_compiled / "models/reporting/total_sales_per_country.sql").read_text()
    body = "\n".join(line for line in select.splitlines() if not line.startswith("--")).strip()
    assert body.lower().startswith("select")
    sqlfluff.parse(body, dialect="db2")


BOOTSTRAP = Path(__file__).resolve().parents[2] / "sql_bootstrap" / "db2"


def test_db2_bootstrap_ddl_parses_and_mqt_is_deferred() -> None:
    for name in ("010_schemas.sql", "020_raw.sql", "030_marts.sql"):
        sqlfluff.parse((BOOTSTRAP / name).read_text(), dialect="db2")
    mqt = (BOOTSTRAP / "040_reporting_mqt.sql").read_text()
    code = "\n".join(line for line in mqt.splitlines() if not line.startswith("--"))
    create, refresh = [s.strip() for s in code.split(";") if s.strip()]
    assert create.startswith("CREATE TABLE reporting.total_sales_per_country AS (\n")
    assert create.endswith("\n) DATA INITIALLY DEFERRED REFRESH DEFERRED")
    assert refresh == "REFRESH TABLE reporting.total_sales_per_country"
    inner = create[
        len("CREATE TABLE reporting.total_sales_per_country AS (") : -len(
            ") DATA INITIALLY DEFERRED REFRESH DEFERRED"
        )
    ]
    sqlfluff.parse(inner, dialect="db2")
    assert "source_system" not in inner.lower()  # the course's (country, total_sales), all sources
    # the raw layer on Db2 has every raw table the dbt sources read
    raw = (BOOTSTRAP / "020_raw.sql").read_text()
    sources = (Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging").rglob(
        "_*__sources.yml"
    )
    identifiers = [
        line.split(":", 1)[1].strip()
        for path in sources
        for line in path.read_text().splitlines()
        if line.strip().startswith("identifier:")
    ]
    assert len(identifiers) == 10  # ingest/streams.yml: one raw table per stream
    for identifier in identifiers:
        assert f"CREATE TABLE raw.{identifier} (" in raw


def normalized(sql: str) -> str:
    """Case, whitespace and `--` comment lines ignored."""
    code = " ".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return " ".join(code.lower().split()).replace("( ", "(").replace(" )", ")")


def test_db2_bootstrap_mqt_select_equals_the_model(db2_compiled: Path) -> None:
    """sql_bootstrap/db2/040_reporting_mqt.sql creates the MQT dbt builds, not an older copy."""
    mqt = (BOOTSTRAP / "040_reporting_mqt.sql").read_text()
    create = normalized(mqt).split(";")[0]
    prefix = "create table reporting.total_sales_per_country as ("
    suffix = ") data initially deferred refresh deferred"
    assert create.startswith(prefix) and create.endswith(suffix)
    model = (db2_compiled / "models/reporting/total_sales_per_country.sql").read_text()
    assert create[len(prefix) : -len(suffix)].strip() == normalized(model)
