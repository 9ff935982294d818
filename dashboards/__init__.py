"""BI: Apache Superset's content (dashboards as code) and its sync from the dbt manifest."""

from importlib import resources
from pathlib import Path

# Superset's files (package data, pyproject.toml): its config, the metadata setup script, the
# bundle of dashboards as code. A path: Superset's own venv runs and reads them as files.
SUPERSET_DIR = Path(str(resources.files(__name__) / "superset"))
