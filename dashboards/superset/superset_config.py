"""Superset's configuration for the project's BI server (``SUPERSET_CONFIG_PATH`` points here).

Loaded by Superset's own process (its venv, ``.venv-superset``), never imported by softcart.
Every value comes from the environment ``softcart.stack.superset`` builds from the settings: the
metadata database (SQLite under the data dir), the secret key (generated into ``secrets.env``).
"""

import os

SECRET_KEY = os.environ["SOFTCART_SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SOFTCART_SUPERSET_METADATA_URI"]
# SQLite: one writer at a time, so wait for the lock rather than fail ("database is locked")
SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 30}}

# a laptop's BI server: no example data, no telemetry, no results cache (a chart shows what the
# warehouse holds now, so a new pipeline run is visible on the next refresh)
SUPERSET_LOAD_EXAMPLES = False
SCARF_ANALYTICS = False
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
RATELIMIT_STORAGE_URI = "memory://"
# every chart of a dashboard renders at once (not when scrolled to): what a screenshot or a test sees
FEATURE_FLAGS = {"DASHBOARD_NATIVE_FILTERS": True, "DASHBOARD_VIRTUALIZATION": False}
# http on 127.0.0.1: no https-only cookies or HSTS
TALISMAN_ENABLED = False
SESSION_COOKIE_SECURE = False
CONTENT_SECURITY_POLICY_WARNING = False
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50_000
