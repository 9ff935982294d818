"""The DAG files: they import cleanly, carry tags, owners, retries and timeouts, and match the project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from softcart.core.settings import PROJECT_ROOT, Settings
from softcart.stack.airflow import airflow_env
from tests.airflow.airflow_testenv import TEST_API_PORT

DAGS = PROJECT_ROOT / "dags"
REPORT_SCRIPT = Path(__file__).with_name("dagbag_report.py")


@pytest.fixture(scope="module")
def dagbag(airflow_settings: Settings, airflow_home: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(REPORT_SCRIPT), str(DAGS)],
        env=airflow_env(airflow_settings, TEST_API_PORT, home=airflow_home),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_every_dag_file_imports_without_errors(dagbag: dict[str, Any]) -> None:
    assert dagbag["import_errors"] == {}
    dag_files = {str(p) for p in DAGS.glob("*.py") if "airflow" in p.read_text()}
    assert dag_files == set(dagbag["files"])
    assert {"process_web_log", "softcart_elt"} <= set(dagbag["dags"])


def test_every_dag_has_tags_owners_retries_and_timeouts(dagbag: dict[str, Any]) -> None:
    for dag_id, dag in dagbag["dags"].items():
        assert dag["tags"], dag_id
        assert dag["tasks"], dag_id
        for task_id, task in dag["tasks"].items():
            where = f"{dag_id}.{task_id}"
            if task["operator"] == "EmptyOperator":
                continue  # Cosmos renders ephemeral dbt models as placeholders that run nothing
            assert task["owner"] not in ("", "airflow"), where
            assert task["retries"] >= 1, where
            assert task["execution_timeout"] and task["execution_timeout"] > 0, where


def test_process_web_log_is_the_course_task(dagbag: dict[str, Any]) -> None:
    dag = dagbag["dags"]["process_web_log"]
    tasks = dag["tasks"]
    assert list(tasks) == ["extract_data", "transform_data", "load_data"]
    assert tasks["transform_data"]["upstream"] == ["extract_data"]
    assert tasks["load_data"]["upstream"] == ["transform_data"]


def test_softcart_elt_renders_the_pipeline_steps(dagbag: dict[str, Any]) -> None:
    from softcart.pipeline import STEPS

    dag = dagbag["dags"]["softcart_elt"]
    tasks = dag["tasks"]
    assert dag["params"] == ["dataset", "scale", "seed"]
    # one task per step of the one pipeline definition, in its order
    assert list(tasks) == [step.name for step in STEPS]
    for before, after in zip(STEPS, STEPS[1:], strict=False):
        assert tasks[after.name]["upstream"] == [before.name]
    for step in STEPS:
        assert tasks[step.name]["bash_command"].split(" --scale")[0].endswith(f"run --step {step.name}")
        if step.touches_sources:
            assert tasks[step.name]["retries"] >= 3 and tasks[step.name]["retry_exponential_backoff"]


def test_unpausing_softcart_elt_starts_no_run_for_a_past_day(dagbag: dict[str, Any]) -> None:
    """Daily, but the first scheduled run after unpausing is the next midnight, not today's 00:00.

    The report asks the serialized DAG (the scheduler's code path) at a fixed 10:00 UTC; with a
    start_date the answer was 00:00 the same day, a run the scheduler starts at once.
    """
    first = dagbag["dags"]["softcart_elt"]["first_run"]
    assert first["timetable"] == "CronTriggerTimetable"
    assert dagbag["dags"]["softcart_elt"]["catchup"] is False
    assert first["now"] == "2026-06-15T10:00:00+00:00"
    assert first["run_after"] == "2026-06-16T00:00:00+00:00"
