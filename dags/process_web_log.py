"""process_web_log: the course's Apache Airflow task (IBM Data Engineering capstone, module 5).

Daily: ``extract_data`` writes the IP address of every line of the access log to
``extracted_data.txt``; ``transform_data`` drops the lines of IP 198.46.149.143 into
``transformed_data.txt``; ``load_data`` archives that file into ``weblog.tar``.

Input and output come from the project's settings, read when a task runs (not at parse time):
``SOFTCART_WEBLOG_INPUT`` (default ``<data dir>/landing/accesslog.txt``) and
``SOFTCART_WEBLOG_OUTPUT`` (default ``<data dir>/weblog``). The logic lives in
:mod:`softcart.orchestration.weblog`; each task writes atomically, so re-running one is safe. A malformed log
line is counted, logged and returned in the task's XCom, never a crash.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, task

log = logging.getLogger(__name__)

default_args = {
    "owner": "softcart-data",
    "start_date": pendulum.datetime(2026, 1, 1, tz="UTC"),
    "email": ["data-team@softcart.example"],
    "email_on_failure": False,
    "email_on_retry": False,
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=10),
}

with DAG(
    dag_id="process_web_log",
    description="Extract the IP addresses of the web server access log, drop one IP, archive the result",
    default_args=default_args,
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
    tags=["softcart", "course", "weblog"],
    doc_md=__doc__,
) as dag:

    @task(task_id="extract_data")
    def extract_data() -> dict[str, Any]:
        from softcart.core.settings import load_settings
        from softcart.orchestration.weblog import extract_ips

        settings = load_settings()
        report = extract_ips(settings.weblog_input, settings.weblog_output)
        log.info(
            "read %d lines of %s, wrote %d IP addresses to %s",
            report.lines_read,
            report.input,
            report.ips_written,
            report.output,
        )
        if report.malformed or report.skipped:
            log.warning(
                "%d malformed line(s) (IP kept), %d line(s) without an IP (skipped)",
                report.malformed,
                report.skipped,
            )
            for problem in report.problems:
                log.warning("%s:%d: %s: %s", report.input, problem.line, problem.reason, problem.text)
        return report.as_dict()

    @task(task_id="transform_data")
    def transform_data() -> dict[str, Any]:
        from softcart.core.settings import load_settings
        from softcart.orchestration.weblog import DROPPED_IP, drop_ip

        settings = load_settings()
        report = drop_ip(settings.weblog_output, DROPPED_IP)
        log.info(
            "dropped %d line(s) of %s, wrote %d lines to %s",
            report.lines_dropped,
            report.dropped_ip,
            report.lines_written,
            report.output,
        )
        return report.as_dict()

    @task(task_id="load_data")
    def load_data() -> dict[str, Any]:
        from softcart.core.settings import load_settings
        from softcart.orchestration.weblog import archive

        settings = load_settings()
        report = archive(settings.weblog_output)
        log.info("archived %s into %s (%d bytes)", report.input, report.output, report.size_bytes)
        return report.as_dict()

    extract_data() >> transform_data() >> load_data()
