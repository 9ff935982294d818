"""sqlfluff lint of the dbt models (the dbt templater, against the test PostgreSQL) and the
runner's wiring of settings into dbt's profile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from softcart.core.settings import Settings, load_settings
from softcart.warehouse.dbt_runner import dbt_command, dbt_env

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


def test_runner_passes_the_settings_connection_to_dbt(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "SOFTCART_DATA_DIR": str(tmp_path),
            "SOFTCART_POSTGRES_URL": "postgresql://analyst:s3cret@db.example:6543/wh",
        }
    )
    env = dbt_env(settings)
    # one mechanism: the profile reads the settings' own variables (tests/dbt/test_profiles.py)
    assert env["SOFTCART_POSTGRES_URL"] == "postgresql://analyst:s3cret@db.example:6543/wh"
    assert not [key for key in env if key.startswith("SOFTCART_DBT_PG_")]
    assert env["DBT_TARGET_PATH"] == str(tmp_path / "dbt" / "target")

    command = dbt_command(settings, ["build", "--select", "marts"])
    assert command[1:4] == ["build", "--select", "marts"]
    assert command[command.index("--project-dir") + 1] == str(settings.root / "dbt_project")
    assert command[command.index("--profiles-dir") + 1] == str(settings.root / "profiles")
    # flags of the user are kept, never doubled
    own = dbt_command(settings, ["compile", "--profiles-dir", "/elsewhere"])
    assert own.count("--profiles-dir") == 1 and "/elsewhere" in own
