"""Where Superset's files are: package data of ``softcart.dashboards`` (pyproject.toml), so an installed
copy finds them too. A path: Superset's own venv runs and reads them as files."""

from __future__ import annotations

from softcart.core.settings import package_file

# superset_config.py, setup_metadata.py (softcart.stack.superset) and bundle/ (dashboards as code)
SUPERSET_DIR = package_file(__spec__, "superset")
