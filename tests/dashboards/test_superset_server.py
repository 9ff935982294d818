"""The BI server in the stack, its warehouse account, and the bundle the sync step builds."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pwd
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from softcart.core.connections import os_user
from softcart.core.credentials import bi_password, superset_admin, superset_secret_key
from softcart.core.settings import Settings
from softcart.dashboards.superset_sync import SyncError, build_bundle, dataset_uuid
from softcart.stack.servers import SERVER_OS_USERS
from softcart.stack.superset import Superset, installed_version, metadata_db, read_setup_state, superset_home
from tests.softcart_cli import softcart


def test_superset_is_in_the_stack_on_loopback_with_a_generated_admin(superset: Settings) -> None:
    server = Superset(superset)
    assert server.ping()
    out = subprocess.run(
        ["ss", "-ltnH", f"sport = :{superset.superset.port}"], capture_output=True, text=True
    )
    listeners = [line.split()[3] for line in out.stdout.splitlines() if line.strip()]
    assert listeners and all(a.startswith("127.0.0.1:") for a in listeners), listeners

    secrets = dict(
        line.split("=", 1) for line in superset.secrets_file.read_text().splitlines() if "=" in line
    )
    assert secrets["SUPERSET_ADMIN_USER"] == "admin"
    assert len(secrets["SUPERSET_ADMIN_PASSWORD"]) >= 20
    # what was set up is recorded in the metadata database itself
    state = read_setup_state(superset)
    assert state.version == installed_version(superset) == "6.1.0"
    # the metadata database in WAL mode (Superset's action log commits there on every request)
    with contextlib.closing(sqlite3.connect(metadata_db(superset))) as conn:
        assert conn.execute("pragma journal_mode").fetchone() == ("wal",)

    report = json.loads(softcart(superset, "status", "--json", timeout=300).stdout)
    row = next(s for s in report["services"] if s["service"] == "superset")
    assert row["answers"] and row["managed"] and row["url"] == superset.superset.raw

    # a second start does nothing: same process, no setup
    pid = server.pid()
    assert server.ensure_started() == "running"
    assert server.pid() == pid


def _process_group(pgid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                found.append(int(entry.name))
    return found


def test_superset_runs_as_an_unprivileged_user_and_keeps_its_data_private(superset: Settings) -> None:
    server = Superset(superset)
    pid = server.pid()
    assert pid is not None
    expected = SERVER_OS_USERS["superset"] if os.geteuid() == 0 else os_user()
    # gunicorn and its worker (the process that serves requests and reads the metadata)
    processes = _process_group(pid)
    assert pid in processes and len(processes) >= 2, processes
    for proc in processes:
        owner = pwd.getpwuid(os.stat(f"/proc/{proc}").st_uid).pw_name
        assert owner == expected and owner != "root", f"superset process {proc} runs as {owner}"
        # the secret key and the admin's password are never on a command line (ps shows it to all)
        cmdline = Path(f"/proc/{proc}/cmdline").read_text()
        assert superset_secret_key(superset) not in cmdline
        assert superset_admin(superset)[1] not in cmdline

    home = superset_home(superset).resolve()
    user = pwd.getpwnam(expected)
    assert home.stat().st_uid == user.pw_uid and stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in (metadata_db(superset), home / "superset.log"):
        info = path.stat()
        assert info.st_uid == user.pw_uid, f"{path} is owned by uid {info.st_uid}"
        assert stat.S_IMODE(info.st_mode) & 0o077 == 0, f"{path} is {oct(info.st_mode)}"
    # gunicorn writes its pid file 0644 itself: the 0700 home keeps it from other users
    assert (home / "gunicorn.pid").stat().st_uid == user.pw_uid

    if os.geteuid() == 0:  # another local user reads neither the metadata nor the secret key
        for target in (str(metadata_db(superset)), f"/proc/{pid}/environ", str(superset.secrets_file)):
            result = subprocess.run(
                ["runuser", "-u", "nobody", "--", "cat", target],
                capture_output=True,
                text=True,
                timeout=60,
                cwd="/",
            )
            assert result.returncode != 0 and "Permission denied" in result.stderr, (target, result)


def _bi_connect(settings: Settings) -> psycopg.Connection[Any]:
    from softcart.core.connections import postgres_connect

    bi = settings.postgres.with_credentials(settings.postgres_bi_user, bi_password(settings))
    return postgres_connect(dataclasses.replace(settings, postgres=bi), "softcart-test", autocommit=True)


def test_the_bi_account_reads_marts_and_reporting_only(isolated: Settings) -> None:
    from softcart.core.connections import postgres_connect

    # tables dbt creates after the provisioning are readable through the default privileges
    with postgres_connect(isolated, "softcart-test", autocommit=True) as owner:
        owner.execute("create table reporting.t_bi (n int); insert into reporting.t_bi values (7)")
        owner.execute("create table marts.t_bi (n int); insert into marts.t_bi values (8)")
    with _bi_connect(isolated) as conn:
        assert conn.execute("select n from reporting.t_bi").fetchone() == (7,)
        assert conn.execute("select n from marts.t_bi").fetchone() == (8,)
        for statement in (
            "insert into reporting.t_bi values (1)",
            "create table reporting.t_new (n int)",
            "select count(*) from raw.mysql_sales__sales_data",
            "select count(*) from softcart_meta.ingest_runs",
        ):
            with pytest.raises(psycopg.Error) as caught:
                conn.execute(statement)
            assert caught.value.sqlstate in {"25006", "42501"}, (statement, caught.value)


def _manifest(meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "nodes": {
            "model.softcart.bi_sales": {
                "resource_type": "model",
                "name": "bi_sales",
                "unique_id": "model.softcart.bi_sales",
                "schema": "reporting",
                "description": "Sales per cell.",
                "config": {"meta": meta},
                "columns": {
                    "month_start": {"data_type": "date", "description": "First day."},
                    "revenue": {"data_type": "decimal(18, 2)", "description": "Sum of amounts."},
                },
            },
            "model.softcart.other": {"resource_type": "model", "name": "other", "config": {"meta": {}}},
        }
    }


def test_datasets_and_metrics_come_from_the_manifest(isolated: Settings) -> None:
    import yaml

    metric = {"name": "revenue", "label": "Revenue", "expression": "sum(revenue)", "description": "All."}
    manifest = _manifest({"superset_dataset": True, "metrics": [metric]})
    # the repository's charts need datasets the manifest lacks: a clear error names the file
    with pytest.raises(SyncError, match=r"bundle/charts/.*\.yaml: dataset_uuid"):
        build_bundle(isolated, manifest)

    # with every dataset the charts use, the bundle holds them, from the manifest
    names = {p.stem for p in (isolated.root / "softcart/dashboards/superset/bundle").rglob("*.yaml")}
    assert {"module_4", "sales", "data_health", "stock"} <= names
    for name in (
        "health_stream_freshness",
        "health_ingest_runs",
        "health_ingest_rejects",
        "health_warehouse_builds",
        "bi_stock",
    ):
        node = json.loads(json.dumps(manifest["nodes"]["model.softcart.bi_sales"]))
        node.update(
            name=name, unique_id=f"model.softcart.{name}", config={"meta": {"superset_dataset": True}}
        )
        manifest["nodes"][node["unique_id"]] = node
    bundle = build_bundle(isolated, manifest)
    assert bundle.count("datasets") == 6 and bundle.count("databases") == 1
    sales = yaml.safe_load(bundle.files["datasets/softcart_warehouse/bi_sales.yaml"])
    assert sales["uuid"] == dataset_uuid("bi_sales")
    assert sales["schema"] == "reporting" and sales["description"] == "Sales per cell."
    assert [(m["metric_name"], m["expression"], m["verbose_name"]) for m in sales["metrics"]] == [
        ("revenue", "sum(revenue)", "Revenue")
    ]
    columns = {c["column_name"]: c for c in sales["columns"]}
    assert columns["month_start"]["is_dttm"] and not columns["revenue"]["is_dttm"]
    assert columns["revenue"]["description"] == "Sum of amounts."
    database = yaml.safe_load(bundle.files["databases/softcart_warehouse.yaml"])
    assert database["sqlalchemy_uri"].startswith(
        f"postgresql+psycopg2://{isolated.postgres_bi_user}:XXXXXXXXXX@"
    )
    assert bi_password(isolated) not in str(bundle.files)  # passed at import time, never in the bundle
