"""sqlfluff lint of the dbt models (the dbt templater, against the test PostgreSQL) and the
runner's wiring of settings into dbt's profile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from softcart.dbt_runner import dbt_command, dbt_env
from softcart.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_sqlfluff_lint_models_passes(stack: Settings) -> None:
    """The command an analytics engineer runs before pushing (see docs/warehouse.md)."""
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    completed = subprocess.run(
        [str(sqlfluff), "lint", "dbt_project/models", "--nocolor"],
        cwd=ROOT,
        env=dbt_env(stack),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "All Finished" in completed.stdout


def test_profile_defaults_equal_the_local_stack_defaults() -> None:
    """Plain `dbt build --profiles-dir ../profiles` (no softcart) reaches the same PostgreSQL."""
    profile = yaml.safe_load((ROOT / "profiles" / "profiles.yml").read_text())["softcart"]
    pg = profile["outputs"]["postgres"]
    defaults = load_settings({}).postgres
    assert f"'SOFTCART_DBT_PG_HOST', '{defaults.host}'" in pg["host"]
    assert f"'SOFTCART_DBT_PG_PORT', '{defaults.port}'" in pg["port"]
    assert f"'SOFTCART_DBT_PG_USER', '{defaults.user}'" in pg["user"]
    assert f"'SOFTCART_DBT_PG_DBNAME', '{defaults.database}'" in pg["dbname"]
    db2 = profile["outputs"]["db2"]
    assert db2["type"] == "db2"
    for key, var in [("host", "DB2_HOST"), ("database", "DB2_DATABASE"), ("username", "DB2_USER")]:
        assert f"env_var('{var}')" in db2[key]
    assert "env_var('DB2_PASSWORD')" in db2["password"]


def test_runner_passes_the_settings_connection_to_dbt(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SOFTCART_DATA_DIR": str(tmp_path),
            "SOFTCART_POSTGRES_URL": "postgresql://analyst:s3cret@db.example:6543/wh",
        }
    )
    env = dbt_env(settings)
    assert env["SOFTCART_DBT_PG_HOST"] == "db.example"
    assert env["SOFTCART_DBT_PG_PORT"] == "6543"
    assert env["SOFTCART_DBT_PG_USER"] == "analyst"
    assert env["SOFTCART_DBT_PG_PASSWORD"] == "s3cret"
    assert env["SOFTCART_DBT_PG_DBNAME"] == "wh"
    assert env["DBT_TARGET_PATH"] == str(tmp_path / "dbt" / "target")

    command = dbt_command(settings, ["build", "--select", "marts"])
    assert command[1:4] == ["build", "--select", "marts"]
    assert command[command.index("--project-dir") + 1] == str(settings.root / "dbt_project")
    assert command[command.index("--profiles-dir") + 1] == str(settings.root / "profiles")
    # flags of the user are kept, never doubled
    own = dbt_command(settings, ["compile", "--profiles-dir", "/elsewhere"])
    assert own.count("--profiles-dir") == 1 and "/elsewhere" in own
