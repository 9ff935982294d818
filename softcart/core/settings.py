"""Every setting of the platform, in one place.

Each value comes from an environment variable with a default here. Nothing reads the
environment anywhere else: modules call :func:`load_settings` (cheap: it reads only the data
dir's ``secrets.env``, never writes) and pass the result around.

Connection URLs
---------------
``SOFTCART_MYSQL_URL``, ``SOFTCART_POSTGRES_URL`` and ``SOFTCART_MONGO_URL`` point the project at
an external server (a real MySQL 8, a managed PostgreSQL, a real MongoDB). When one is set, the
project uses that server and ``softcart up`` starts none for it. When it is not set, the URL
points at the project's own local server on ``SOFTCART_<NAME>_PORT``, as the pipeline's own
account ``softcart`` with the password generated into ``<data dir>/secrets.env`` (or
``SOFTCART_<NAME>_PASSWORD``; see softcart.core.credentials, which writes that file).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.machinery import ModuleSpec
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

# The project's folders that are not Python packages (dbt_project/, sql_bootstrap/, profiles/,
# dags/) are read from the project root: SOFTCART_HOME, else the checkout this package runs from
# (scripts/setup.sh installs it editable), else, for a copy installed outside a checkout, the
# working directory (docs/architecture.md, "Packages"). The packages' own data files are package
# data (importlib.resources), found wherever the package is installed.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def package_file(spec: ModuleSpec | None, *parts: str) -> Path:
    """A data file of the package of the module ``spec`` describes (pass the module's
    ``__spec__``): package data (pyproject.toml), found through the module's own loader, the
    resource reader importlib.resources uses, wherever the package is installed. A path: the
    callers hand it to programs that open files (the JVM, Superset's venv).

    By module, not by package name (``importlib.resources.files("ingest")``): under pytest,
    ``tests/ingest``, ``tests/spark`` and ``tests/dashboards`` are namespace packages of the same
    names that take the packages' names (not their modules)."""
    loader = spec.loader if spec is not None else None
    get_reader = getattr(loader, "get_resource_reader", None)
    reader = get_reader(spec.name) if get_reader is not None and spec is not None else None
    if reader is None:
        raise LookupError(f"no resource reader for {spec.name if spec else None!r}")
    return Path(str(reader.files().joinpath(*parts)))


def project_root(env: Mapping[str, str]) -> Path:
    """The project root the settings read the project's folders from (see PROJECT_ROOT)."""
    if env.get("SOFTCART_HOME"):
        return Path(env["SOFTCART_HOME"]).resolve()
    if (PROJECT_ROOT / "dbt_project").is_dir():
        return PROJECT_ROOT
    return Path.cwd().resolve()


DEFAULT_PORTS = {"mysql": 13306, "postgres": 15432, "mongo": 17017}
SERVICES = ("mysql", "postgres", "mongo")
# the pipeline's own account on each local server (never an administrator; docs/sources.md, "Accounts")
LOCAL_USER = "softcart"
SECRETS_FILE = "secrets.env"


def read_secrets_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a secrets file (``<data dir>/secrets.env``); {} when there is none."""
    try:
        text = path.read_text()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# the BI server (Apache Superset): not a data source, set by SOFTCART_SUPERSET_URL / _PORT
SUPERSET_DEFAULT_PORT = 8088


@dataclass(frozen=True)
class Url:
    """A parsed connection URL (``scheme://user:password@host:port/database``)."""

    raw: str
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None
    database: str | None

    @classmethod
    def parse(cls, raw: str, default_port: int) -> Url:
        parts = urlsplit(raw)
        if not parts.scheme or not parts.hostname:
            raise ValueError(f"not a connection URL (scheme://user@host:port/db): {redact(raw)!r}")
        database = parts.path.lstrip("/") or None
        return cls(
            raw=raw,
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or default_port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            database=database,
        )

    def with_credentials(self, user: str, password: str | None) -> Url:
        auth = quote(user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        raw = f"{self.scheme}://{auth}@{self.host}:{self.port}/{self.database or ''}"
        return Url.parse(raw, self.port)

    def with_database(self, database: str) -> Url:
        auth = ""
        if self.user:
            auth = quote(self.user, safe="")
            if self.password:
                auth += ":" + quote(self.password, safe="")
            auth += "@"
        return Url.parse(f"{self.scheme}://{auth}{self.host}:{self.port}/{database}", self.port)

    @property
    def redacted(self) -> str:
        return redact(self.raw)


def redact(raw: str) -> str:
    """The URL with its password replaced by ``***`` (for logs and status output)."""
    parts = urlsplit(raw)
    if parts.password is None:
        return raw
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@dataclass(frozen=True)
class Db2:
    """The production warehouse (IBM Db2), the ``db2`` target of ``profiles/profiles.yml``.

    Read from ``DB2_HOST``, ``DB2_PORT`` (50000), ``DB2_DATABASE``, ``DB2_USER``, ``DB2_PASSWORD``
    and ``DB2_SCHEMA`` (``STAGING``): the names the profile has always used.
    """

    host: str | None
    port: int
    database: str | None
    user: str | None
    password: str | None = field(repr=False)
    schema: str = "STAGING"


@dataclass(frozen=True)
class Settings:
    root: Path
    data_dir: Path
    mysql: Url
    postgres: Url
    mongo: Url
    # which services the project manages itself (their URL was not set from outside)
    managed: frozenset[str]
    # read-only accounts used by ingestion (least privilege); see softcart.core.credentials
    mysql_reader_user: str
    mongo_database: str
    mongo_collection: str
    lake_url: str
    spark_master: str
    spark_driver_memory: str
    spark_shuffle_partitions: int
    # the address executors reach the driver at (spark.driver.host; None: Spark picks one)
    spark_driver_host: str | None
    # the folder of Spark's class archive (spark/session.py), a cache of the installation's classes
    spark_class_archive_dir: Path
    dbt_target: str
    db2: Db2
    weblog_input: Path
    weblog_output: Path
    # ingestion: rows per extract query for every stream (None: streams.yml decides), and the
    # crash point the crash-safety tests set (None in any real run; see ingest/crash.py)
    ingest_batch_rows: int | None = None
    ingest_crash_at: str | None = None
    # dbt's threads (both targets of profiles/profiles.yml)
    dbt_threads: int = 2
    # the BI server: the project's own Superset on SOFTCART_SUPERSET_PORT (8088) unless
    # SOFTCART_SUPERSET_URL names another; SOFTCART_SUPERSET_ENABLED=0 leaves it out of the stack
    superset: Url = field(
        default_factory=lambda: Url.parse(f"http://127.0.0.1:{SUPERSET_DEFAULT_PORT}", SUPERSET_DEFAULT_PORT)
    )
    superset_enabled: bool = True
    # the venv Superset is installed in (its own: it pins SQLAlchemy 1.4; scripts/setup.sh)
    superset_venv: Path | None = None
    # the read-only warehouse account of the BI server (marts and reporting only)
    postgres_bi_user: str = "softcart_bi"
    env: Mapping[str, str] = field(repr=False, default_factory=dict)

    @property
    def servers_dir(self) -> Path:
        """The local servers' homes (``SOFTCART_SERVERS_DIR``, default ``<data dir>/servers``): their
        data, logs and the administrators' unix sockets."""
        return Path(self.env.get("SOFTCART_SERVERS_DIR") or self.data_dir / "servers").resolve()

    @property
    def landing_dir(self) -> Path:
        """Where ``softcart load`` registers the file-based inputs of a dataset."""
        return self.data_dir / "landing"

    @property
    def datasets_dir(self) -> Path:
        return self.data_dir / "datasets"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def secrets_file(self) -> Path:
        """Generated local passwords (0600, never committed: the data dir is git-ignored)."""
        return self.data_dir / SECRETS_FILE

    @property
    def mysql_socket(self) -> Path:
        """The local MariaDB's unix socket: its administrator logs in there only (unix_socket auth)."""
        return self.servers_dir / "mysql" / "mysqld.sock"

    @property
    def postgres_socket_dir(self) -> Path:
        """Where the local PostgreSQL's unix socket is: its superuser logs in there only (peer auth)."""
        return self.servers_dir / "postgres"

    @property
    def dbt_project_dir(self) -> Path:
        return self.root / "dbt_project"

    @property
    def dbt_profiles_dir(self) -> Path:
        return self.root / "profiles"

    def is_managed(self, service: str) -> bool:
        return service in self.managed


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _env_positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    return _env_positive_int_or_none(env, name) or default


def _env_positive_int_or_none(env: Mapping[str, str], name: str) -> int | None:
    if not env.get(name):
        return None
    value = _env_int(env, name, 0)
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {env[name]!r}")
    return value


def default_class_archive_dir(data_dir: Path) -> Path:
    """Where Spark's class archive is kept unless SOFTCART_SPARK_CLASS_ARCHIVE_DIR says: beside the
    installation it is made from (the Python environment holding pyspark and its jars; the archive's
    name says which Spark and which Java), so every data dir of that installation (the dev stack's,
    each test's, a benchmark's) maps the one archive instead of writing its own 150 MB; in the data
    dir when that environment is not writable (a system-wide install)."""
    prefix = Path(sys.prefix)
    home = prefix / "var" / "softcart" if os.access(prefix, os.W_OK) else data_dir
    return home / "spark-class-archive"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (default: ``os.environ``). No side effects: the only I/O is
    reading the local passwords from ``<data dir>/secrets.env`` when it exists."""
    env = dict(os.environ if env is None else env)
    root = project_root(env)
    data_dir = Path(env.get("SOFTCART_DATA_DIR") or root / ".softcart").resolve()

    managed: set[str] = set()
    urls: dict[str, Url] = {}
    local_defaults = {
        "mysql": "mysql://{auth}@127.0.0.1:{port}/" + env.get("SOFTCART_MYSQL_DATABASE", "sales"),
        "postgres": "postgresql://{auth}@127.0.0.1:{port}/"
        + env.get("SOFTCART_POSTGRES_DATABASE", "softcart"),
        "mongo": "mongodb://{auth}@127.0.0.1:{port}/?authSource=admin",
    }
    stored = read_secrets_file(data_dir / SECRETS_FILE)
    for service in SERVICES:
        key = f"SOFTCART_{service.upper()}_URL"
        port = _env_int(env, f"SOFTCART_{service.upper()}_PORT", DEFAULT_PORTS[service])
        raw = env.get(key)
        if raw:
            urls[service] = Url.parse(raw, DEFAULT_PORTS[service])
            continue
        managed.add(service)
        secret = f"{service.upper()}_PASSWORD"
        password = env.get(f"SOFTCART_{secret}") or stored.get(secret)
        auth = LOCAL_USER + (":" + quote(password, safe="") if password else "")
        local = local_defaults[service].format(auth=auth, port=port)
        if service == "mongo" and not password:  # a MongoDB URL names a user only with a password
            local = f"mongodb://127.0.0.1:{port}/"
        urls[service] = Url.parse(local, port)

    superset_url = env.get("SOFTCART_SUPERSET_URL")
    superset_enabled = env.get("SOFTCART_SUPERSET_ENABLED", "1").strip().lower() not in {
        "0",
        "false",
        "no",
        "off",
    }
    if superset_enabled and not superset_url:
        managed.add("superset")
    superset_port = _env_int(env, "SOFTCART_SUPERSET_PORT", SUPERSET_DEFAULT_PORT)

    return Settings(
        root=root,
        data_dir=data_dir,
        mysql=urls["mysql"],
        postgres=urls["postgres"],
        mongo=urls["mongo"],
        managed=frozenset(managed),
        mysql_reader_user=env.get("SOFTCART_MYSQL_READER_USER", "softcart_reader"),
        mongo_database=env.get("SOFTCART_MONGO_DATABASE", "catalog"),
        mongo_collection=env.get("SOFTCART_MONGO_COLLECTION", "electronics"),
        lake_url=env.get("SOFTCART_LAKE_URL") or str(data_dir / "lake"),
        spark_master=env.get("SOFTCART_SPARK_MASTER", "local[2]"),
        spark_driver_memory=env.get("SOFTCART_SPARK_DRIVER_MEMORY", "2g"),
        # one per core of local[2]: the shuffles aggregate a few thousand rows (docs/spark.md, issue 17)
        spark_shuffle_partitions=_env_int(env, "SOFTCART_SPARK_SHUFFLE_PARTITIONS", 2),
        spark_driver_host=env.get("SOFTCART_SPARK_DRIVER_HOST") or None,
        spark_class_archive_dir=Path(
            env.get("SOFTCART_SPARK_CLASS_ARCHIVE_DIR") or default_class_archive_dir(data_dir)
        ).resolve(),
        dbt_target=env.get("SOFTCART_DBT_TARGET") or "postgres",
        db2=Db2(
            host=env.get("DB2_HOST") or None,
            port=_env_int(env, "DB2_PORT", 50000),
            database=env.get("DB2_DATABASE") or None,
            user=env.get("DB2_USER") or None,
            password=env.get("DB2_PASSWORD") or None,
            schema=env.get("DB2_SCHEMA") or "STAGING",
        ),
        dbt_threads=_env_positive_int(env, "SOFTCART_DBT_THREADS", 2),
        weblog_input=Path(env.get("SOFTCART_WEBLOG_INPUT") or data_dir / "landing" / "accesslog.txt"),
        weblog_output=Path(env.get("SOFTCART_WEBLOG_OUTPUT") or data_dir / "weblog"),
        ingest_batch_rows=_env_positive_int_or_none(env, "SOFTCART_INGEST_BATCH_ROWS"),
        ingest_crash_at=env.get("SOFTCART_INGEST_CRASH_AT") or None,
        superset=Url.parse(superset_url or f"http://127.0.0.1:{superset_port}", superset_port),
        superset_enabled=superset_enabled,
        superset_venv=Path(env.get("SOFTCART_SUPERSET_VENV") or root / ".venv-superset"),
        postgres_bi_user=env.get("SOFTCART_POSTGRES_BI_USER", "softcart_bi"),
        env=env,
    )
