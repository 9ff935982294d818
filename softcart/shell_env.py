"""``softcart env``: the project's configuration as shell variables for plain dbt, airflow, spark-submit.

``eval "$(softcart env)"`` puts into a shell what every ``softcart`` command resolves for itself:
the ``SOFTCART_*`` settings (data dir, ports or URLs, lake, Spark), dbt's project and profiles dirs
(``profiles/profiles.yml`` reads the same ``SOFTCART_POSTGRES_*`` variables as the settings), the
Airflow environment of :func:`softcart.stack.airflow.airflow_env` (``AIRFLOW_HOME``, the DAGs folder,
the ``AIRFLOW__*`` configuration, the connections) and Spark's (``SPARK_HOME``, the venv's Python).

Passwords are withheld unless asked for (``with_secrets``): the reader password generated into
``<data dir>/secrets.env`` (no plain tool needs it: ``softcart`` commands and the DAGs' tasks read
it from the data dir), a ``SOFTCART_*_URL`` or ``AIRFLOW_CONN_*`` that holds a password, and
``DB2_PASSWORD``. A withheld variable the caller's shell already has stays as it is there.

Pure: builds data from the settings; :mod:`softcart.cli` prints it.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from softcart.core.settings import SERVICES, Settings


@dataclass(frozen=True)
class ShellEnv:
    variables: dict[str, str]
    # names left out because their value holds a password (printed with --with-secrets)
    withheld: list[str] = field(default_factory=list)
    # prepended to PATH (the venv's bin: dbt, airflow, spark-submit, softcart)
    path_prepend: str | None = None

    def lines(self) -> list[str]:
        """``export NAME=value`` lines (values shell-quoted), for ``eval``."""
        out = [f"export {name}={shlex.quote(value)}" for name, value in self.variables.items()]
        if self.path_prepend:
            out.append(f'export PATH={shlex.quote(self.path_prepend)}:"$PATH"')
        if self.withheld:
            out.append(
                "# not printed, they hold a password (softcart env --with-secrets prints them): "
                + " ".join(self.withheld)
            )
        return out


def _has_password(url: str) -> bool:
    try:
        return urlsplit(url).password is not None
    except ValueError:
        return True  # cannot tell: treat it as a secret


def _settings_variables(settings: Settings) -> dict[str, str]:
    """The SOFTCART_* variables that make load_settings resolve exactly ``settings``."""
    env = {
        "SOFTCART_HOME": str(settings.root),
        "SOFTCART_DATA_DIR": str(settings.data_dir),
    }
    if settings.servers_dir != (settings.data_dir / "servers").resolve():
        env["SOFTCART_SERVERS_DIR"] = str(settings.servers_dir)
    for service in SERVICES:
        url = getattr(settings, service)
        name = service.upper()
        if settings.is_managed(service):
            # the local server: its port (a URL would make it "external", started by nobody)
            env[f"SOFTCART_{name}_PORT"] = str(url.port)
            if service != "mongo" and url.database:
                env[f"SOFTCART_{name}_DATABASE"] = url.database
        else:
            env[f"SOFTCART_{name}_URL"] = url.raw
    env.update(
        {
            "SOFTCART_MYSQL_READER_USER": settings.mysql_reader_user,
            "SOFTCART_MONGO_DATABASE": settings.mongo_database,
            "SOFTCART_MONGO_COLLECTION": settings.mongo_collection,
            "SOFTCART_LAKE_URL": settings.lake_url,
            "SOFTCART_SPARK_MASTER": settings.spark_master,
            "SOFTCART_SPARK_DRIVER_MEMORY": settings.spark_driver_memory,
            "SOFTCART_SPARK_SHUFFLE_PARTITIONS": str(settings.spark_shuffle_partitions),
            "SOFTCART_DBT_TARGET": settings.dbt_target,
            "SOFTCART_DBT_THREADS": str(settings.dbt_threads),
            "SOFTCART_WEBLOG_INPUT": str(settings.weblog_input),
            "SOFTCART_WEBLOG_OUTPUT": str(settings.weblog_output),
        }
    )
    if settings.ingest_batch_rows is not None:
        env["SOFTCART_INGEST_BATCH_ROWS"] = str(settings.ingest_batch_rows)
    db2 = settings.db2
    for name, value in (
        ("DB2_HOST", db2.host),
        ("DB2_PORT", str(db2.port)),
        ("DB2_DATABASE", db2.database),
        ("DB2_USER", db2.user),
        ("DB2_SCHEMA", db2.schema),
    ):
        if value and db2.host:  # the db2 target only when one is configured
            env[name] = value
    return env


def _dbt_variables(settings: Settings) -> dict[str, str]:
    from softcart.warehouse.dbt_runner import dbt_env

    env = {
        "DBT_PROJECT_DIR": str(settings.dbt_project_dir),
        "DBT_PROFILES_DIR": str(settings.dbt_profiles_dir),
    }
    env.update({k: v for k, v in dbt_env(settings).items() if k.startswith(("DBT_", "SOFTCART_DBT_"))})
    return env


def _airflow_variables(settings: Settings, port: int) -> dict[str, str]:
    from softcart.stack.airflow import airflow_env

    return {
        key: value
        for key, value in airflow_env(settings, port).items()
        if key.startswith("AIRFLOW") or key in {"DO_NOT_TRACK", "SCARF_ANALYTICS"}
    }


def _spark_variables() -> dict[str, str]:
    env = {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    spec = importlib.util.find_spec("pyspark")
    if spec is not None and spec.submodule_search_locations:
        env["SPARK_HOME"] = str(Path(next(iter(spec.submodule_search_locations))))
    return env


def shell_env(settings: Settings, *, port: int | None = None, with_secrets: bool = False) -> ShellEnv:
    """Everything ``softcart`` would use, as variables; passwords only ``with_secrets``.

    ``port``: the Airflow API server's port the Airflow variables name (``softcart airflow --port``).
    """
    from softcart.core.credentials import known_secrets, pgpass_file
    from softcart.stack.airflow import DEFAULT_PORT

    variables = _settings_variables(settings)
    if settings.is_managed("postgres"):  # plain dbt and psql find the local password there, unprinted
        variables["PGPASSFILE"] = str(pgpass_file(settings))
    variables.update(_dbt_variables(settings))
    variables.update(_airflow_variables(settings, port or DEFAULT_PORT))
    variables.update(_spark_variables())

    secrets = {
        name: variables.pop(name)
        for name in list(variables)
        if (name.endswith("_URL") or name.startswith("AIRFLOW_CONN_")) and _has_password(variables[name])
    }
    if settings.db2.password:
        secrets["DB2_PASSWORD"] = settings.db2.password
    secrets.update(known_secrets(settings))
    if with_secrets:
        variables.update(secrets)
        withheld: list[str] = []
    else:
        withheld = sorted(secrets)
    return ShellEnv(variables=variables, withheld=withheld, path_prepend=str(Path(sys.executable).parent))
