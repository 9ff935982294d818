"""Print, as JSON, what Airflow's DagBag makes of the project's dags/ folder.

Run in Airflow's environment (``softcart.stack.airflow.airflow_env``), in a subprocess, so the test
process never imports Airflow with the wrong AIRFLOW_HOME.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

# the fixed "now" at which the report asks each DAG's timetable what unpausing it would start
# (mid-morning: a daily DAG's last midnight is 10 hours in the past)
UNPAUSE_AT = "2026-06-15T10:00:00+00:00"


def next_run_on_unpause(dag: Any) -> dict[str, Any]:
    """What the scheduler would schedule first for ``dag`` (no automated run yet) at ``UNPAUSE_AT``.

    The scheduler's own code path: the serialized DAG's ``next_dagrun_info`` (start date, end date
    and catchup of the DAG and its tasks), with the timetables' clock fixed.
    """
    from unittest import mock

    import pendulum
    from airflow.serialization.serialized_objects import LazyDeserializedDAG

    now = pendulum.parse(UNPAUSE_AT)
    with mock.patch("airflow.timetables.trigger.utcnow", return_value=now):
        info = LazyDeserializedDAG.from_dag(dag).next_dagrun_info(last_automated_run_info=None)
    return {
        "timetable": type(dag.timetable).__name__,
        "now": UNPAUSE_AT,
        "run_after": info.run_after.isoformat() if info else None,
    }


def main(dags_folder: str) -> None:
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    bag = DagBag(dag_folder=dags_folder)
    seconds = time.perf_counter() - started
    report = {
        "seconds": seconds,
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "files": sorted({dag.fileloc for dag in bag.dags.values()}),
        "dags": {
            dag_id: {
                "fileloc": dag.fileloc,
                "tags": sorted(dag.tags),
                "owner": dag.owner,
                "params": sorted(dag.params.keys()),
                "catchup": dag.catchup,
                "first_run": next_run_on_unpause(dag),
                "tasks": {
                    task.task_id: {
                        "owner": task.owner,
                        "retries": task.retries,
                        "execution_timeout": task.execution_timeout.total_seconds()
                        if task.execution_timeout
                        else None,
                        "retry_exponential_backoff": bool(task.retry_exponential_backoff),
                        "operator": type(task).__name__,
                        "upstream": sorted(task.upstream_task_ids),
                        "bash_command": getattr(task, "bash_command", None),
                    }
                    for task in dag.tasks
                },
            }
            for dag_id, dag in bag.dags.items()
        },
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
