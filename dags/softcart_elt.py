"""softcart_elt: the platform's pipeline in Apache Airflow.

    load_sources (only when the run's ``dataset`` param names a folder)
      -> ingest: one task per MySQL stream, one per MongoDB stream, one for the file streams
      -> reconcile (every stream's source against its raw table)
      -> dbt (Cosmos task group: one task per model, its tests right after it; seeds too)
      -> export (marts -> Parquet lake) -> spark jobs (search-terms, sales, forecast) -> dashboard

Every task runs the project's ``softcart`` command, so a task does exactly what the command line
does and imports nothing heavy here. At parse time this file reads ``ingest/streams.yml`` (one
small YAML file) and Cosmos renders the dbt project from dbt's ``manifest.json`` when it is newer
than every file of the project (``softcart airflow`` runs ``dbt parse`` before starting, so it is);
otherwise Cosmos runs ``dbt ls`` (about 10 s of CPU; Cosmos caches its output between parses).
Nothing connects to a database.

Params: ``full_refresh`` (rebuild the raw streams and the incremental dbt models from scratch) and
``dataset`` (a dataset folder to load into the sources first; empty: use what the sources hold).

Re-running a failed run is safe: ingestion is idempotent by design (each stream upserts on its
primary key and advances its high-water mark in the same transaction as the rows it landed, so a
task that died re-reads from the last committed mark; nothing is duplicated or lost), dbt models
are rebuilt from ``raw``, and the export, Spark jobs and dashboard replace their outputs
atomically. ``load_sources`` loads a dataset only when the sources do not already hold it (the
same marker as ``softcart run``: ``<data dir>/last_dataset.json``); a load replaces the sources'
contents (``softcart load --replace``) and makes that run's ingest a full refresh, so loading the
same dataset twice never doubles it.

Connections come from the project's settings (``SOFTCART_*`` in the environment of the Airflow
processes: ``softcart airflow`` sets them; see docs/airflow.md).
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
import yaml  # type: ignore[import-untyped]
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, CronTriggerTimetable, Param, TaskGroup, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection

from softcart.dbt_runner import target_dir
from softcart.settings import load_settings

log = logging.getLogger(__name__)
SETTINGS = load_settings()  # pure: reads the environment, no I/O
BIN = Path(sys.executable).parent
SOFTCART = shlex.quote(str(BIN / "softcart"))
DBT = BIN / "dbt"
STREAMS_FILE = SETTINGS.root / "ingest" / "streams.yml"
# written by `dbt parse` (softcart airflow, or `softcart dbt parse`)
MANIFEST = target_dir(SETTINGS) / "manifest.json"

OWNER = "softcart-data"
# a full refresh when asked, or when load_sources just replaced the sources' contents
FULL_REFRESH_FLAG = (
    "{{ '--full-refresh' if params.full_refresh or "
    "(ti.xcom_pull(task_ids='load_sources') or {}).get('full_refresh') else '' }}"
)
DBT_FULL_REFRESH = (
    "{{ params.full_refresh or (ti.xcom_pull(task_ids='load_sources') or {}).get('full_refresh', False) }}"
)

# sources can be briefly unreachable: retry them with exponential backoff
SOURCE_RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay": timedelta(seconds=20),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
}

default_args = {
    "owner": OWNER,
    "email": ["data-team@softcart.example"],
    "email_on_failure": False,
    "email_on_retry": False,
    "retries": 1,
    "retry_delay": timedelta(minutes=1),
    "execution_timeout": timedelta(minutes=30),
}


def ingest_streams(path: Path) -> dict[str, list[str]]:
    """Stream names of ``ingest/streams.yml`` by kind (mysql, mongo, file), in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_kind: dict[str, list[str]] = {"mysql": [], "mongo": [], "file": []}
    for stream in data["streams"]:
        by_kind.setdefault(stream["kind"], []).append(stream["name"])
    return by_kind


def manifest_is_fresh(manifest: Path, project_dir: Path, profiles_dir: Path) -> bool:
    """True when ``manifest`` exists and no file of the dbt project (or its profiles) is newer."""
    if not manifest.is_file():
        return False
    built = manifest.stat().st_mtime
    skip = {"target", "dbt_packages", "logs"}
    for folder in (project_dir, profiles_dir):
        for path in folder.rglob("*"):
            parts = path.relative_to(folder).parts
            # build output and hidden files (dbt's .user.yml, editors' swap files) are not sources
            if skip.intersection(parts[:1]) or any(part.startswith(".") for part in parts):
                continue
            if path.is_file() and path.stat().st_mtime > built:
                return False
    return True


def softcart(*args: str) -> str:
    """A ``softcart`` command line for a BashOperator (arguments may hold Jinja)."""
    return " ".join([SOFTCART, *args])


with DAG(
    dag_id="softcart_elt",
    description="Sources -> raw (ingest) -> dbt warehouse (Cosmos) -> Parquet lake -> Spark -> dashboard",
    default_args=default_args,
    # daily at midnight UTC, and unpausing starts no run for a past day: with a start_date, a DAG
    # unpaused at 10:00 would start today's 00:00 run at once (on top of a manual trigger), since
    # Airflow ignores run_immediately when a start_date is set; without one, the first scheduled
    # run is the next midnight (tests/airflow/test_airflow_dagbag.py asks the timetable)
    schedule=CronTriggerTimetable("@daily", timezone=pendulum.UTC, run_immediately=False),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=3),
    tags=["softcart", "elt", "dbt", "spark"],
    params={
        "full_refresh": Param(
            False, type="boolean", description="Rebuild the raw streams and incremental models from scratch."
        ),
        "dataset": Param(
            "",
            type="string",
            description="A dataset folder to load into the sources first (softcart load --replace); "
            "empty: ingest what the sources hold.",
        ),
    },
    doc_md=__doc__,
) as dag:

    @task(task_id="load_sources", execution_timeout=timedelta(minutes=30), **SOURCE_RETRIES)
    def load_sources(params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Load ``params.dataset`` into the sources unless they already hold exactly that dataset.

        Loading replaces the sources' contents (``softcart load --replace``); new MongoDB documents
        get new ids, so after a load the ingest runs as a full refresh (as ``softcart run`` does).
        """
        from airflow.exceptions import AirflowSkipException

        from softcart.dataset_marker import is_loaded, record_loaded

        dataset_param = str((params or {}).get("dataset") or "").strip()
        if not dataset_param:
            raise AirflowSkipException("no dataset param: ingesting what the sources hold")
        dataset = Path(dataset_param).expanduser().resolve()
        if not dataset.is_dir():
            raise ValueError(f"dataset param: {dataset} is not a folder")
        settings = load_settings()
        if is_loaded(settings, dataset):
            log.info("the sources already hold %s: not loading it again", dataset)
            return {"loaded": False, "full_refresh": False, "dataset": str(dataset)}
        subprocess.run([str(BIN / "softcart"), "load", "--replace", str(dataset)], check=True)
        record_loaded(settings, dataset)
        return {"loaded": True, "full_refresh": True, "dataset": str(dataset)}

    loaded = load_sources()

    with TaskGroup(group_id="ingest", tooltip="Sources -> PostgreSQL raw, one task per stream") as ingest:
        streams = ingest_streams(STREAMS_FILE)
        ingest_tasks = [
            BashOperator(
                task_id=name,
                bash_command=softcart("ingest", "--stream", name, FULL_REFRESH_FLAG),
                execution_timeout=timedelta(minutes=30),
                # runs whether or not a dataset was loaded (load_sources is skipped without one)
                trigger_rule="none_failed" if index == 0 else "all_success",
                **SOURCE_RETRIES,
            )
            for index, name in enumerate(streams["mysql"] + streams["mongo"])
        ]
        if streams["file"]:
            ingest_tasks.append(
                BashOperator(
                    task_id="files",
                    bash_command=softcart(
                        "ingest", *(f"--stream {name}" for name in streams["file"]), FULL_REFRESH_FLAG
                    ),
                    execution_timeout=timedelta(minutes=30),
                    **SOURCE_RETRIES,
                )
            )
        # one ingest run at a time per warehouse (the ingest takes an advisory lock): in sequence
        for upstream, downstream in zip(ingest_tasks, ingest_tasks[1:], strict=False):
            upstream >> downstream

    reconcile = BashOperator(
        task_id="reconcile",
        bash_command=softcart("reconcile"),
        execution_timeout=timedelta(minutes=15),
    )

    use_manifest = manifest_is_fresh(MANIFEST, SETTINGS.dbt_project_dir, SETTINGS.dbt_profiles_dir)
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=SETTINGS.dbt_project_dir,
            manifest_path=MANIFEST if use_manifest else None,
        ),
        profile_config=ProfileConfig(
            profile_name="softcart",
            target_name=SETTINGS.dbt_target,
            profiles_yml_filepath=SETTINGS.dbt_profiles_dir / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            # dbt in the task's process: no interpreter start and dbt import per model
            invocation_mode=InvocationMode.DBT_RUNNER,
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
            dbt_executable_path=DBT,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST if use_manifest else LoadMode.DBT_LS,
            test_behavior=TestBehavior.AFTER_EACH,
            dbt_executable_path=DBT,
            invocation_mode=InvocationMode.SUBPROCESS,
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={
            # the profile's SOFTCART_DBT_* variables come from the Airflow process (softcart airflow)
            "append_env": True,
            "install_deps": False,
            "full_refresh": DBT_FULL_REFRESH,
            "execution_timeout": timedelta(minutes=20),
        },
        default_args={**default_args, "retries": 1},
    )

    export = BashOperator(
        task_id="export",
        bash_command=softcart("export"),
        execution_timeout=timedelta(minutes=30),
    )

    with TaskGroup(group_id="spark", tooltip="Spark jobs on the lake") as spark:
        jobs = [
            BashOperator(
                task_id=job.replace("-", "_"),
                bash_command=softcart("analyze", job),
                execution_timeout=timedelta(minutes=20),
            )
            for job in ("search-terms", "sales", "forecast")
        ]
        # two cores: one Spark session at a time
        for upstream, downstream in zip(jobs, jobs[1:], strict=False):
            upstream >> downstream

    dashboard = BashOperator(
        task_id="dashboard",
        bash_command=softcart("dashboard"),
        execution_timeout=timedelta(minutes=10),
    )

    loaded >> ingest >> reconcile >> dbt >> export >> spark >> dashboard
