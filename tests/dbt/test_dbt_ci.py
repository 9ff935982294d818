"""`softcart dbt-ci` (softcart/warehouse/dbt_ci.py) against a real production build.

Production (the `production` fixture, conftest.py) is built and recorded as `softcart run` records
it: build_plan.record_build keeps the build record and its manifest in the warehouse. A scratch copy of the dbt project then changes one model:
CI builds only that model and its children, in throwaway schemas, reading every other model from
production, and its diff names the changed column and how many rows changed. A change that breaks
the model's contract fails. A small dataset (scale 0.002), raw landed straight from its files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from softcart.core.settings import Settings, load_settings
from softcart.warehouse.build_plan import production_state
from softcart.warehouse.dbt_ci import run_ci, summary_lines
from tests.dbt.production import connect

DIM_DATE = "models/marts/dim_date.sql"


def scratch_project(settings: Settings, root: Path) -> Settings:
    """Settings whose dbt project is a copy of the repository's (same warehouse and data dir)."""
    for name in ("dbt_project", "profiles"):
        shutil.copytree(
            settings.root / name, root / name, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
        )
    shutil.copy(settings.root / ".sqlfluff", root / ".sqlfluff")
    return load_settings({**settings.env, "SOFTCART_HOME": str(root)})


def edit(project: Path, path: str, old: str, new: str) -> None:
    file = project / path
    text = file.read_text()
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new))


def ci_schemas(settings: Settings) -> list[str]:
    with connect(settings) as conn:
        return [r[0] for r in conn.execute("select nspname from pg_namespace where nspname like 'ci\\_%'")]


def _model_and_descendants(manifest: dict[str, Any], node: str) -> set[str]:
    """``node`` and every model downstream of it, from production's manifest (its child_map)."""
    found, todo = {node}, [node]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child.startswith("model.") and child not in found:
                found.add(child)
                todo.append(child)
    return found


def test_dbt_ci_builds_the_change_deferred_to_production_and_diffs_it(
    production: Settings, tmp_path: Path
) -> None:
    state = production_state(production)
    assert state is not None and "model.softcart.dim_date" in state.manifest["nodes"]  # type: ignore[operator]
    with connect(production) as conn:
        (septembers,) = conn.execute("select count(*) from marts.dim_date where month = 9").fetchone() or (0,)
    assert septembers > 0

    scratch = scratch_project(production, tmp_path / "scratch")
    edit(scratch.dbt_project_dir, DIM_DATE, "(9, 'September')", "(9, 'Sept')")
    result = run_ci(scratch)
    text = "\n".join(summary_lines(result))
    assert result.ok, text
    assert result.changed_files == [DIM_DATE]

    # only the changed model and its children were built (run_results.json of the CI build)
    run_results = json.loads((result.out_dir / "run_results.json").read_text())
    models = {r["unique_id"] for r in run_results["results"] if r["unique_id"].startswith("model.")}
    assert models == _model_and_descendants(state.manifest, "model.softcart.dim_date")  # type: ignore[arg-type]
    assert {"model.softcart.mart_sales", "model.softcart.dim_date"} <= models
    assert "model.softcart.fct_sales" not in models  # a parent: read from production
    assert any(r["unique_id"].startswith("test.softcart.") for r in run_results["results"])
    assert all(r["status"] in {"success", "pass", "no-op"} for r in run_results["results"])
    # ... in throwaway schemas, reading the unchanged parents from production's schemas
    built = next(r for r in run_results["results"] if r["unique_id"] == "model.softcart.mart_sales")
    assert f"{result.schema_prefix}_marts" in built["relation_name"]
    assert '"marts"."fct_sales"' in built["compiled_code"]  # deferred: production's fact, not rebuilt
    assert ci_schemas(production) == []  # dropped afterwards

    # the diff names the changed column and the count of changed rows
    diff = {d.model: d for d in result.diffs}
    dim_date = diff["dim_date"]
    assert dim_date.modified and dim_date.rows_production == dim_date.rows_ci
    assert [(c.column, c.changed) for c in dim_date.columns] == [("month_name", septembers)]
    example = dim_date.columns[0].examples[0]
    assert (example["production"], example["ci"]) == ("September", "Sept")
    assert "month_name (" in text
    written = json.loads((result.out_dir / "diff.json").read_text())
    assert written["ok"] is True
    written_dim_date = next(d for d in written["diffs"] if d["model"] == "dim_date")
    assert written_dim_date["columns"][0]["changed"] == septembers
    assert all(c.ok for c in result.checks), text  # lint and the Db2 compile of the change passed too

    # a change that breaks the model's contract (a column the contract does not name) fails, and
    # its upper-case keyword fails the lint (the dbt templater really compiled and linted the file)
    edit(
        scratch.dbt_project_dir,
        DIM_DATE,
        "    weekday_name,\n",
        "    weekday_name,\n    1 AS weekday_flag,\n",
    )
    broken = run_ci(scratch)
    assert not broken.ok
    build = next(c for c in broken.checks if c.name == "dbt build")
    assert not build.ok
    assert any("model.softcart.dim_date" in p and "contract" in p.lower() for p in build.problems), (
        build.problems
    )
    lint = next(c for c in broken.checks if c.name == "sqlfluff lint")
    assert not lint.ok
    assert any("dim_date.sql" in p and "CP01" in p for p in lint.problems), lint.problems
    assert ci_schemas(production) == []
