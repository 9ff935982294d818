"""``kill -9`` at seeded random moments of load, ingest, dbt, export and a whole ``softcart run``:
after each kill the data is whole (the state before or after the killed command, never a mix), and
the next run of the same command ends with exactly the sources' rows (counted by faults.py's own
queries from the dataset files on)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from softcart.core.settings import Settings
from tests.fault.faults import (
    SOURCE_STREAMS,
    file_catalog,
    file_sales,
    kill_at,
    lake_agrees,
    lake_oltp,
    marts_oltp,
    mongo_catalog,
    mysql_sales,
    ok,
    one_clear_line,
    pg_row,
    raw_catalog,
    raw_sales,
    rng_for,
    rounds,
    runs_left_running,
    softcart_process,
    timed,
)

# a dbt selection that builds fct_sales and what the export reads (the whole `dbt build` in the bench)
DBT_ARGS = (
    os.environ.get("SOFTCART_FAULT_DBT")
    or "build --select +mart_sales --exclude-resource-type test --exclude-resource-type unit_test"
).split()
# the steps of the killed `softcart run` (all of them in the bench: SOFTCART_FAULT_RUN_STEPS=all)
RUN_STEPS = os.environ.get("SOFTCART_FAULT_RUN_STEPS") or "up,load,ingest,reconcile"
SMALL_BATCHES = {"SOFTCART_INGEST_BATCH_ROWS": "500"}  # many commits' worth of moments to die in


def _run_args(dataset: Path) -> list[str]:
    steps = [] if RUN_STEPS == "all" else [a for s in RUN_STEPS.split(",") for a in ("--step", s)]
    return ["run", "--dataset", str(dataset), *steps]


@pytest.mark.parametrize("round_no", rounds("load"))
def test_load_killed_leaves_one_whole_dataset(
    isolated: Settings, datasets: tuple[Path, Path], round_no: int
) -> None:
    a, b = datasets
    seconds = timed(isolated, "load", str(a))
    killed = kill_at(
        softcart_process(isolated, "load", str(b), "--replace"),
        rng_for("load", round_no).uniform(0.05, 1.2) * seconds,
    )
    one_clear_line(killed.output)
    assert mysql_sales(isolated) in (file_sales(a), file_sales(b))
    assert mongo_catalog(isolated) in (file_catalog(a), file_catalog(b))
    ok(isolated, "load", str(b), "--replace")  # the lock went with the process; leftovers are removed
    assert mysql_sales(isolated) == file_sales(b)
    assert mongo_catalog(isolated) == file_catalog(b)


@pytest.mark.parametrize("round_no", rounds("ingest"))
def test_ingest_killed_then_rerun_is_exact(
    isolated: Settings, datasets: tuple[Path, Path], round_no: int
) -> None:
    a, b = datasets
    ok(isolated, "load", str(a))
    seconds = timed(isolated, "ingest", *SOURCE_STREAMS, **SMALL_BATCHES)
    ok(isolated, "load", str(b), "--replace")
    moment = rng_for("ingest", round_no).uniform(0.05, 1.2) * seconds
    killed = kill_at(softcart_process(isolated, "ingest", *SOURCE_STREAMS, **SMALL_BATCHES), moment)
    one_clear_line(killed.output)
    assert raw_sales(isolated) in (file_sales(a), file_sales(b))  # all of a run or nothing of it
    ok(isolated, "ingest", *SOURCE_STREAMS, **SMALL_BATCHES)
    assert raw_sales(isolated) == mysql_sales(isolated) == file_sales(b)
    assert raw_catalog(isolated) == mongo_catalog(isolated) == file_catalog(b)
    assert runs_left_running(isolated) == 0  # the killed run is marked abandoned


@dataclass
class Built:
    """A warehouse with marts, shared by the dbt and export rounds (a dbt build is the costly part)."""

    settings: Settings
    dbt_seconds: float


@pytest.fixture(scope="module")
def built(isolated_module: Settings, datasets: tuple[Path, Path]) -> Built:
    settings = isolated_module
    ok(settings, "load", str(datasets[0]))
    ok(settings, "ingest")
    return Built(settings, timed(settings, "dbt", *DBT_ARGS))


@pytest.mark.parametrize("round_no", rounds("dbt"))
def test_dbt_killed_then_rerun_is_exact(built: Built, datasets: tuple[Path, Path], round_no: int) -> None:
    settings = built.settings
    before = marts_oltp(settings)
    new = datasets[(round_no + 1) % 2]  # B, A, B, ...: the sources change every round
    ok(settings, "load", str(new), "--replace")
    ok(settings, "ingest")
    moment = rng_for("dbt", round_no).uniform(0.05, 1.0) * built.dbt_seconds
    killed = kill_at(softcart_process(settings, "dbt", *DBT_ARGS), moment)
    one_clear_line(killed.output)
    expected = file_sales(new)[0], file_sales(new)[3]
    assert marts_oltp(settings) in (before, expected)  # each model is replaced whole
    ok(settings, "dbt", *DBT_ARGS)
    assert marts_oltp(settings) == expected


@pytest.mark.parametrize("round_no", rounds("export"))
def test_export_killed_leaves_the_lake_agreeing_with_its_manifest(built: Built, round_no: int) -> None:
    settings = built.settings
    rng = rng_for("export", round_no)
    seconds = timed(settings, "export")
    before = lake_oltp(settings)
    # sales of a random year change: their partitions are rewritten by the killed export
    year = rng.choice([2019, 2020, 2021, 2022])
    pg_row(
        settings,
        "with u as (update marts.fct_sales f set quantity = quantity + 1 from marts.dim_date d"
        f" where d.date_key = f.date_key and d.year = {year} and f.source_system = 'oltp' returning 1)"
        " select count(*) from u",
    )
    after = marts_oltp(settings)
    killed = kill_at(softcart_process(settings, "export"), rng.uniform(0.05, 1.2) * seconds)
    one_clear_line(killed.output)
    lake_agrees(settings)  # at this instant: every file the manifest names is whole and counted right
    assert lake_oltp(settings) in (before, after)
    ok(settings, "export")
    lake_agrees(settings)
    assert lake_oltp(settings) == after


@pytest.mark.parametrize("round_no", rounds("run"))
def test_softcart_run_killed_then_rerun_is_exact(
    isolated: Settings, datasets: tuple[Path, Path], round_no: int
) -> None:
    a, b = datasets
    seconds = timed(isolated, *_run_args(a))
    killed = kill_at(
        softcart_process(isolated, *_run_args(b)), rng_for("run", round_no).uniform(0.05, 1.1) * seconds
    )
    one_clear_line(killed.output)
    assert mysql_sales(isolated) in (file_sales(a), file_sales(b))
    assert raw_sales(isolated) in (file_sales(a), file_sales(b))
    ok(isolated, *_run_args(b))
    assert raw_sales(isolated) == mysql_sales(isolated) == file_sales(b)
    assert runs_left_running(isolated) == 0
    if RUN_STEPS == "all":
        assert marts_oltp(isolated) == lake_oltp(isolated) == (file_sales(b)[0], file_sales(b)[3])
        lake_agrees(isolated)
