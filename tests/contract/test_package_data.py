"""The packages carry their own data files: a wheel built from pyproject.toml holds them, and an
installed copy (not the checkout) finds them through importlib.resources. No servers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("softcart", "ingest", "spark")
# each package's data files (pyproject.toml, [tool.setuptools.package-data]), as the wheel names them
DATA_FILES = (
    "ingest/streams.yml",
    "spark/log4j2.properties",
    "softcart/dashboards/superset/superset_config.py",
    "softcart/dashboards/superset/setup_metadata.py",
    "softcart/dashboards/superset/bundle/dashboards/sales.yaml",
    "softcart/dashboards/superset/bundle/charts/sales_country.yaml",
)


def build_wheel(tmp_path: Path) -> Path:
    """The project's wheel, built from a copy of its sources (setuptools writes build/ beside them)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            ".",
        ],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def test_wheel_carries_the_data_files_and_an_installed_copy_finds_them(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(DATA_FILES) <= names, sorted(set(DATA_FILES) - names)
    # the project's folders are not package data (docs/architecture.md, "Packages")
    assert not any(n.startswith(("dbt_project/", "sql_bootstrap/", "profiles/", "dags/")) for n in names)

    installed = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(installed), str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        "import ingest.config, spark.session, softcart.dashboards.superset_sync as s;"
        "from softcart.core.settings import load_settings;"
        "settings = load_settings({'SOFTCART_DATA_DIR': '.'});"
        "print(ingest.config.STREAMS_FILE);"
        "print(len(ingest.config.load_streams(settings)));"
        "print(spark.session.LOG4J_CONFIG);"
        "print(s.bundle_dir(settings));"
        "print(settings.root)"
    )
    # run away from the checkout, the installed copy first on the path (before the editable install)
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    streams_file, count, log4j, bundle, root = completed.stdout.split("\n")[:5]
    assert Path(streams_file) == installed / "ingest" / "streams.yml"
    assert int(count) >= 10  # every raw table of the contract (docs/architecture.md)
    assert Path(log4j) == (installed / "spark" / "log4j2.properties").resolve()
    assert Path(bundle) == installed / "softcart" / "dashboards" / "superset" / "bundle"
    assert (Path(bundle) / "dashboards" / "sales.yaml").is_file()
    # outside a checkout, the project's folders are read from the working directory (or SOFTCART_HOME)
    assert Path(root) == tmp_path.resolve()
