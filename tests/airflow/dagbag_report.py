"""Print, as JSON, what Airflow's DagBag makes of the project's dags/ folder.

Run in Airflow's environment (``softcart.airflow_local.airflow_env``), in a subprocess, so the test
process never imports Airflow with the wrong AIRFLOW_HOME.
"""

from __future__ import annotations

import json
import sys
import time


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
