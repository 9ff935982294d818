"""A production warehouse for the dbt tests: built and recorded as `softcart run` records it."""

from __future__ import annotations

from pathlib import Path

import psycopg

from softcart.core.settings import Settings
from softcart.generate import generate_dataset
from softcart.warehouse.build_plan import plan_build, record_build
from softcart.warehouse.dbt_runner import read_run_results, run_dbt
from softcart.warehouse.raw_loader import create_raw_tables, load_dataset


def connect(settings: Settings) -> psycopg.Connection:
    pg = settings.postgres
    return psycopg.connect(host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database)


def build_production(settings: Settings, dataset_dir: Path) -> Settings:
    """Raw from a small generated dataset (scale 0.002), then the models and seed built and the
    build recorded with its manifest (build_plan.record_build, as the pipeline's dbt step does;
    the tests are left to the test that needs them)."""
    generate_dataset(dataset_dir, 0.002, 5, progress=False)
    with connect(settings) as conn:
        create_raw_tables(conn)
        load_dataset(conn, dataset_dir, run_id=1)
    assert run_dbt(settings, ["build", "--exclude-resource-type", "test", "unit_test"]) == 0
    record_build(settings, plan_build(settings), read_run_results(settings).invocation_id)
    return settings
