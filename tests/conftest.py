"""Shared fixtures: the project's real servers, started once per test run.

``stack``: Settings of the local servers (MariaDB, PostgreSQL, SecantusDB) started by the project on
test ports, with a throwaway data dir; stopped and purged at the end of the run.
``isolated``: Settings pointing at fresh, provisioned databases (MySQL, PostgreSQL, MongoDB) on those
servers and a fresh data dir (landing, lake, ...), dropped after the test.

``browser`` / ``page``: Debian's chromium (``/usr/bin/chromium``, scripts/install_chromium.sh) under
Playwright, for the tests that open a page (tests/dashboards, tests/dbt's docs site); Playwright's
own browser downloads are never used.

``SOFTCART_TEST_PORT_OFFSET`` shifts the test ports (to run two suites side by side).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from softcart.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# the course's files live in shared/ beside the clone (never inside the project)
CAPSTONE = Path(
    os.environ.get("SOFTCART_CAPSTONE_DIR") or Path(__file__).resolve().parents[2] / "shared" / "capstone"
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

TEST_PORTS = {"MYSQL": 23306, "POSTGRES": 25432, "MONGO": 27117, "SUPERSET": 28088}


def _port_offset() -> int:
    return int(os.environ.get("SOFTCART_TEST_PORT_OFFSET", "0"))


def _base_env(data_dir: Path) -> dict[str, str]:
    # the suite always runs against servers it starts itself: drop any SOFTCART_* from the caller
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTCART_")}
    offset = _port_offset()
    for name, port in TEST_PORTS.items():
        env[f"SOFTCART_{name}_PORT"] = str(port + offset)
    env["SOFTCART_DATA_DIR"] = str(data_dir)
    # settings derived from the stack's (another data dir: `isolated`) still reach its servers' sockets
    env["SOFTCART_SERVERS_DIR"] = str(data_dir / "servers")
    # the BI server (a minute to set up, 300 MB) only for the tests that use it: tests/dashboards
    # starts it on the stack's settings with SOFTCART_SUPERSET_ENABLED=1
    env["SOFTCART_SUPERSET_ENABLED"] = "0"
    return env


@pytest.fixture(scope="session")
def test_port_offset() -> int:
    """``SOFTCART_TEST_PORT_OFFSET``: add it to every port a test server listens on."""
    return _port_offset()


@pytest.fixture(scope="session")
def capstone() -> Path:
    """The course's real files (read-only, never copied into the project)."""
    assert CAPSTONE.is_dir(), f"course files not found at {CAPSTONE}"
    return CAPSTONE


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    from softcart.core.credentials import ensure_local_secrets, known_secrets
    from softcart.stack.commands import down, start_all

    data_dir = tmp_path_factory.mktemp("softcart-stack")
    settings = ensure_local_secrets(load_settings(_base_env(data_dir)))
    # the passwords in the environment too: settings derived from these (another data dir: `isolated`,
    # a test's own databases) log in with the stack's accounts
    settings = load_settings(dict(settings.env) | known_secrets(settings))
    try:
        start_all(settings)
        yield settings
    finally:  # also when start_all failed halfway: no server outlives the run
        down(settings, purge=True)


def _drop(settings: Settings) -> None:
    import pymongo
    import pymysql

    from softcart.core.connections import postgres_admin_connect

    my = settings.mysql
    conn = pymysql.connect(host=my.host, port=my.port, user=my.user or "root", password=my.password or "")
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{my.database}`")
    finally:
        conn.close()
    # as the administrator: FORCE may have to end an autovacuum worker, which softcart may not
    with postgres_admin_connect(settings) as pconn:
        pconn.execute(f'drop database if exists "{settings.postgres.database}" with (force)')
    client: pymongo.MongoClient = pymongo.MongoClient(settings.mongo.raw)
    try:
        client.drop_database(settings.mongo_database)
    finally:
        client.close()


def make_isolated(stack: Settings, data_dir: Path) -> Settings:
    """Settings for fresh, provisioned databases on the running test servers."""
    from softcart.stack import provision

    name = "t_" + uuid.uuid4().hex[:10]
    env = dict(stack.env)
    env.update(
        {
            "SOFTCART_DATA_DIR": str(data_dir),
            "SOFTCART_MYSQL_DATABASE": name,
            "SOFTCART_POSTGRES_DATABASE": name,
            "SOFTCART_MONGO_DATABASE": name,
        }
    )
    settings = load_settings(env)
    provision(settings)
    return settings


@pytest.fixture
def isolated(stack: Settings, tmp_path: Path) -> Iterator[Settings]:
    settings = make_isolated(stack, tmp_path / "data")
    yield settings
    _drop(settings)


@pytest.fixture(scope="session")
def isolated_factory(stack: Settings) -> Iterator[Callable[[Path], Settings]]:
    """``isolated`` for wider scopes: ``make(data_dir)`` gives fresh databases, dropped at the end of the run."""
    made: list[Settings] = []

    def make(data_dir: Path) -> Settings:
        made.append(make_isolated(stack, data_dir))
        return made[-1]

    yield make
    for settings in made:
        _drop(settings)


@pytest.fixture(scope="module")
def isolated_module(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Like ``isolated``, shared by the tests of one module (a costly state built once)."""
    settings = make_isolated(stack, tmp_path_factory.mktemp("isolated") / "data")
    yield settings
    _drop(settings)


# module scope: Playwright's event loop lives only while a module's browser tests run, never beside
# other areas' tests (imported here, not at the top: most tests never start it)
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} missing: run scripts/install_chromium.sh (as root)"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a context of its own (``page.context``), 1400x1000, 60 s default timeout."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
