"""Superset's content from the repository and the dbt manifest: the sync step after each dbt build.

What Superset shows is assembled into one import bundle (Superset's export format, YAML files in a
zip) and imported through its API, overwriting what it had:

* ``databases/warehouse.yaml``: the warehouse, reached with the BI account (``softcart_bi``,
  read-only, marts and reporting only) and its password from ``secrets.env``;
* ``datasets/*.yaml``: one per dbt model whose ``meta.superset_dataset`` is true, generated from the
  dbt manifest: columns with their types and descriptions, and the model's ``meta.metrics`` as the
  dataset's metrics (the measures are defined there, once);
* ``charts/`` and ``dashboards/``: the YAML of ``softcart/dashboards/superset/bundle/``, as Superset exports
  them (export from the UI, unzip, commit: docs/dashboards.md).

A chart's saved ``query_context`` (what ``/api/v1/chart/<id>/data/`` runs) names its dataset by
numeric id, which differs from one Superset to another; after the import each chart's is rewritten
for its dataset here, or derived from its params when the YAML has none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml  # type: ignore[import-untyped]

from softcart.core.credentials import bi_password, superset_admin
from softcart.core.settings import Settings
from softcart.core.yaml_files import load_yaml
from softcart.dashboards.superset_files import SUPERSET_DIR
from softcart.warehouse.dbt_runner import target_dir

UUID_NAMESPACE = uuid.UUID("5a1e5c47-50f7-4ca7-8b1d-0000000000b1")
DATABASE_NAME = "SoftCart warehouse"
DATABASE_FILE = "databases/softcart_warehouse.yaml"
EXPORT_VERSION = "1.0.0"
TIMEOUT = 120.0


class SyncError(RuntimeError):
    """Superset could not be reached, refused the bundle, or dbt has not built the warehouse yet."""


def bundle_dir(settings: Settings) -> Path:
    """The dashboards as code: package data of ``softcart.dashboards`` (pyproject.toml), not the checkout's."""
    return SUPERSET_DIR / "bundle"


def stable_uuid(kind: str, name: str) -> str:
    """The same uuid for the same object on every Superset (imports then update, never duplicate)."""
    return str(uuid.uuid5(UUID_NAMESPACE, f"softcart.{kind}.{name}"))


def database_uuid() -> str:
    return stable_uuid("database", "warehouse")


def dataset_uuid(model: str) -> str:
    return stable_uuid("dataset", model)


# --- the datasets, from the dbt manifest -----------------------------------------------------------

# dbt's declared data types -> the generic type Superset keeps for a column
_TEMPORAL = ("timestamp", "date", "time")
_NUMERIC = ("int", "decimal", "numeric", "double", "float", "real", "bigint", "smallint")


def _superset_type(data_type: str | None) -> str:
    return (data_type or "").upper() or "VARCHAR"


def _is_dttm(data_type: str | None) -> bool:
    return any(t in (data_type or "").lower() for t in _TEMPORAL)


def read_manifest(settings: Settings) -> dict[str, Any]:
    path = target_dir(settings) / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SyncError(
            f"no dbt manifest at {path}: build the warehouse first (`softcart dbt build`)"
        ) from None
    return manifest


def dataset_models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's models that are Superset datasets (``meta.superset_dataset: true``), by name."""
    models = [
        node
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
        and (node.get("config", {}).get("meta") or {}).get("superset_dataset")
    ]
    return sorted(models, key=lambda n: n["name"])


def dataset_yaml(node: dict[str, Any]) -> dict[str, Any]:
    """A model as Superset's dataset export (``datasets/<db>/<table>.yaml``)."""
    meta = node.get("config", {}).get("meta") or {}
    columns = [
        {
            "column_name": name,
            "verbose_name": None,
            "is_dttm": _is_dttm(col.get("data_type")),
            "is_active": True,
            "type": _superset_type(col.get("data_type")),
            "advanced_data_type": None,
            "groupby": True,
            "filterable": True,
            "expression": None,
            "description": (col.get("description") or "").strip() or None,
            "python_date_format": None,
            "extra": {},
        }
        for name, col in node.get("columns", {}).items()
    ]
    metrics = [
        {
            "metric_name": m["name"],
            "verbose_name": m.get("label"),
            "metric_type": None,
            "expression": m["expression"],
            "description": m.get("description"),
            "d3format": m.get("d3format"),
            "currency": None,
            "extra": {},
            "warning_text": None,
        }
        for m in meta.get("metrics", [])
    ]
    main_dttm = next((c["column_name"] for c in columns if c["is_dttm"]), None)
    return {
        "table_name": node.get("alias") or node["name"],
        "main_dttm_col": main_dttm,
        "description": (node.get("description") or "").strip() or None,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": node["schema"],
        "catalog": None,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": {
            "warning_markdown": None,
            "certification": {"certified_by": "dbt", "details": node["unique_id"]},
        },
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": dataset_uuid(node["name"]),
        "metrics": metrics,
        "columns": columns,
        "version": EXPORT_VERSION,
        "database_uuid": database_uuid(),
    }


def database_yaml(settings: Settings) -> dict[str, Any]:
    pg = settings.postgres
    uri = f"postgresql+psycopg2://{settings.postgres_bi_user}:XXXXXXXXXX@{pg.host}:{pg.port}/{pg.database}"
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": uri,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "extra": {"allows_virtual_table_explore": True},
        "impersonate_user": False,
        "uuid": database_uuid(),
        "version": EXPORT_VERSION,
    }


# --- the bundle -----------------------------------------------------------------------------------


@dataclass
class Bundle:
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name] + b"\0")
        return h.hexdigest()[:16]

    def count(self, folder: str) -> int:
        return sum(1 for name in self.files if name.startswith(folder + "/"))

    def zip(self, root: str = "softcart_bundle") -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            meta = {
                "version": EXPORT_VERSION,
                "type": "assets",
                "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            }
            zf.writestr(f"{root}/metadata.yaml", yaml.safe_dump(meta))
            for name, content in sorted(self.files.items()):
                zf.writestr(f"{root}/{name}", content)
        return out.getvalue()


def _dump(doc: dict[str, Any]) -> bytes:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()


def repository_files(settings: Settings) -> Iterator[tuple[str, bytes]]:
    """The committed charts and dashboards (``softcart/dashboards/superset/bundle/{charts,dashboards}``)."""
    root = bundle_dir(settings)
    for folder in ("charts", "dashboards"):
        for path in sorted((root / folder).glob("*.yaml")):
            yield f"{folder}/{path.name}", path.read_bytes()


def build_bundle(settings: Settings, manifest: dict[str, Any] | None = None) -> Bundle:
    """The database, the datasets of the manifest, the repository's charts and dashboards."""
    manifest = read_manifest(settings) if manifest is None else manifest
    bundle = Bundle()
    bundle.files[DATABASE_FILE] = _dump(database_yaml(settings))
    for node in dataset_models(manifest):
        bundle.files[f"datasets/softcart_warehouse/{node['name']}.yaml"] = _dump(dataset_yaml(node))
    known = {dataset_uuid(node["name"]) for node in dataset_models(manifest)}
    for name, content in repository_files(settings):
        doc = load_yaml(content)
        if name.startswith("charts/") and doc.get("dataset_uuid") not in known:
            raise SyncError(
                f"softcart/dashboards/superset/bundle/{name}: dataset_uuid {doc.get('dataset_uuid')} is no dataset of"
                " the dbt manifest (a model with meta.superset_dataset: true)"
            )
        bundle.files[name] = content
    return bundle


# --- Superset's API -------------------------------------------------------------------------------


class SupersetClient:
    """The few calls of Superset's REST API the sync and the tests need, logged in as a user."""

    def __init__(self, base_url: str, user: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=TIMEOUT)
        try:
            response = self.http.post(
                "/api/v1/security/login",
                json={"username": user, "password": password, "provider": "db", "refresh": False},
            )
        except httpx.HTTPError as exc:
            raise SyncError(f"Superset at {self.base_url} does not answer ({exc}): `softcart up`") from None
        if response.status_code != 200:
            raise SyncError(f"Superset at {self.base_url} refused the login of {user}: {response.text[:300]}")
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self.http.get("/api/v1/security/csrf_token/")
        csrf.raise_for_status()
        self.http.headers["X-CSRFToken"] = csrf.json()["result"]
        self.http.headers["Referer"] = self.base_url

    @classmethod
    def admin(cls, settings: Settings) -> SupersetClient:
        user, password = superset_admin(settings)
        return cls(settings.superset.raw, user, password)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SupersetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params or None)
        if response.status_code >= 400:
            raise SyncError(f"GET {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def put(self, path: str, body: dict[str, Any]) -> Any:
        response = self.http.put(path, json=body)
        if response.status_code >= 400:
            raise SyncError(f"PUT {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.http.post(path, json=body)
        if response.status_code >= 400:
            raise SyncError(f"POST {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def list_all(self, resource: str, columns: list[str]) -> list[dict[str, Any]]:
        rison = f"(columns:!({','.join(columns)}),page:0,page_size:100)"
        result: list[dict[str, Any]] = self.get(f"/api/v1/{resource}/", q=rison)["result"]
        return result

    def import_assets(self, bundle: Bundle, passwords: dict[str, str]) -> None:
        response = self.http.post(
            "/api/v1/assets/import/",
            files={"bundle": ("bundle.zip", bundle.zip(), "application/zip")},
            data={"passwords": json.dumps(passwords)},
        )
        if response.status_code != 200:
            raise SyncError(f"Superset refused the bundle: {response.status_code} {response.text[:2000]}")

    def export_dashboards(self, ids: list[int]) -> dict[str, bytes]:
        """What Superset's export of these dashboards holds (``/api/v1/dashboard/export/``, the UI's
        "Export" download): file name in the bundle (``charts/x_3.yaml``) -> content."""
        response = self.http.get("/api/v1/dashboard/export/", params={"q": f"!({','.join(map(str, ids))})"})
        if response.status_code != 200:
            raise SyncError(f"Superset refused the export: {response.status_code} {response.text[:500]}")
        with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
            return {name.split("/", 1)[1]: zf.read(name) for name in zf.namelist() if "/" in name}

    def chart_data(self, chart_id: int) -> list[dict[str, Any]]:
        """The rows ``/api/v1/chart/<id>/data/`` returns for the chart's saved query."""
        body = self.get(f"/api/v1/chart/{chart_id}/data/")
        rows: list[dict[str, Any]] = body["result"][0]["data"]
        return rows


# --- the charts' saved queries --------------------------------------------------------------------


def _filters(params: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for f in params.get("adhoc_filters") or []:
        if f.get("expressionType") == "SIMPLE" and f.get("clause", "WHERE") == "WHERE":
            out.append({"col": f["subject"], "op": f["operator"], "val": f.get("comparator")})
    return out


def query_context_for(params: dict[str, Any], dataset_id: int) -> dict[str, Any]:
    """The saved query of a chart made from its params (for charts whose YAML has none): the same
    grouping, metrics and filters the chart's own query has, without its post-processing."""
    form = dict(params, datasource=f"{dataset_id}__table")
    metrics = list(params.get("metrics") or ([params["metric"]] if params.get("metric") else []))
    if params.get("query_mode") == "raw":
        columns = list(params.get("all_columns") or [])
        metrics = []
        orderby = [json.loads(o) if isinstance(o, str) else o for o in params.get("order_by_cols") or []]
    else:
        columns = [c for c in [params.get("x_axis"), *(params.get("groupby") or [])] if c]
        orderby = (
            [[c, True] for c in columns]
            if params.get("x_axis")
            else ([[metrics[0], False]] if metrics else [])
        )
    query = {
        "columns": columns,
        "metrics": metrics,
        "filters": _filters(params),
        "orderby": orderby,
        "extras": {"where": "", "having": ""},
        "row_limit": params.get("row_limit") or 10_000,
        "order_desc": True,
        "annotation_layers": [],
        "applied_time_extras": {},
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": form,
        "result_format": "json",
        "result_type": "full",
    }


def _saved_query(chart: dict[str, Any], dataset_id: int) -> dict[str, Any]:
    params = json.loads(chart.get("params") or "{}")
    try:
        saved = json.loads(chart.get("query_context") or "null")
    except ValueError:
        saved = None
    if not saved:
        return query_context_for(params, dataset_id)
    saved["datasource"] = {"id": dataset_id, "type": "table"}
    if isinstance(saved.get("form_data"), dict):
        saved["form_data"]["datasource"] = f"{dataset_id}__table"
    return saved  # type: ignore[no-any-return]


def fix_query_contexts(client: SupersetClient, chart_uuids: set[str]) -> int:
    """Point each imported chart's saved query at its dataset's id on this Superset."""
    fixed = 0
    charts = client.list_all("chart", ["id", "uuid", "datasource_id"])
    for row in charts:
        if row.get("uuid") not in chart_uuids:
            continue
        chart = client.get(f"/api/v1/chart/{row['id']}")["result"]
        dataset_id = int(row["datasource_id"])
        query = _saved_query(chart, dataset_id)
        if chart.get("query_context") and json.loads(chart["query_context"]) == query:
            continue
        client.put(
            f"/api/v1/chart/{row['id']}",
            {"query_context": json.dumps(query), "query_context_generation": True},
        )
        fixed += 1
    return fixed


# --- exports: what differs between Superset installations ------------------------------------------


def _chart_ids(position: dict[str, Any]) -> dict[int, str]:
    """A dashboard's chart ids -> chart uuids, from its position (the ids of one installation)."""
    return {
        int(v["meta"]["chartId"]): str(v["meta"]["uuid"])
        for v in position.values()
        if isinstance(v, dict) and v.get("type") == "CHART" and "uuid" in v.get("meta", {})
    }


def _by_uuid(value: Any, ids: dict[int, str]) -> Any:
    if isinstance(value, list):
        return [_by_uuid(v, ids) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | str):
        return value
    try:
        return ids.get(int(value), value)
    except ValueError:
        return value


def installation_neutral(doc: dict[str, Any]) -> dict[str, Any]:
    """A chart's or dashboard's export YAML with the numbers one Superset assigns (chart and dataset
    ids) replaced by the uuids they stand for or dropped, so that the committed file and another
    installation's export of it compare equal when their content is the same."""
    doc = json.loads(json.dumps(doc))
    if "slice_name" in doc:  # a chart: its dataset by uuid (dataset_uuid), never by id
        if isinstance(doc.get("params"), dict):
            doc["params"].pop("datasource", None)
            doc["params"].pop("slice_id", None)
        if doc.get("query_context"):
            query = json.loads(doc["query_context"])
            query.pop("datasource", None)
            if isinstance(query.get("form_data"), dict):
                query["form_data"].pop("datasource", None)
                query["form_data"].pop("slice_id", None)
            doc["query_context"] = query
        return doc
    position = doc.get("position") or {}
    ids = _chart_ids(position)
    for v in position.values():
        if isinstance(v, dict) and v.get("type") == "CHART":
            v["meta"].pop("chartId", None)
    metadata = doc.get("metadata") or {}
    for key in ("timed_refresh_immune_slices",):
        if key in metadata:
            metadata[key] = _by_uuid(metadata[key], ids)
    for key in ("expanded_slices", "chart_configuration", "filter_scopes"):
        if isinstance(metadata.get(key), dict):
            metadata[key] = {str(_by_uuid(k, ids)): v for k, v in metadata[key].items()}
    for config in (metadata.get("chart_configuration") or {}).values():
        if isinstance(config, dict):
            config["id"] = _by_uuid(config.get("id"), ids)
            scope = (config.get("crossFilters") or {}).get("scope")
            if isinstance(scope, dict):
                scope["excluded"] = _by_uuid(scope.get("excluded", []), ids)
            if "chartsInScope" in (config.get("crossFilters") or {}):
                config["crossFilters"]["chartsInScope"] = _by_uuid(
                    config["crossFilters"]["chartsInScope"], ids
                )
    filters = list(metadata.get("native_filter_configuration") or [])
    for holder in [*filters, metadata.get("global_chart_configuration") or {}]:
        if "chartsInScope" in holder:
            holder["chartsInScope"] = _by_uuid(holder["chartsInScope"], ids)
        if isinstance(holder.get("scope"), dict) and "excluded" in holder["scope"]:
            holder["scope"]["excluded"] = _by_uuid(holder["scope"]["excluded"], ids)
    return doc


# --- the step -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    url: str
    digest: str
    datasets: int
    charts: int
    dashboards: int
    dashboard_urls: dict[str, str]
    seconds: float


def sync(settings: Settings, bundle: Bundle | None = None) -> SyncResult:
    """Import the bundle (default: built from the manifest and the repository) into Superset."""
    started = time.perf_counter()
    bundle = bundle or build_bundle(settings)
    chart_uuids = {
        str(load_yaml(content)["uuid"])
        for name, content in bundle.files.items()
        if name.startswith("charts/")
    }
    with SupersetClient.admin(settings) as client:
        client.import_assets(bundle, {DATABASE_FILE: bi_password(settings)})
        fix_query_contexts(client, chart_uuids)
        dashboards = client.list_all("dashboard", ["id", "dashboard_title", "slug", "url"])
    base = settings.superset.raw.rstrip("/")
    return SyncResult(
        url=base,
        digest=bundle.digest,
        datasets=bundle.count("datasets"),
        charts=bundle.count("charts"),
        dashboards=bundle.count("dashboards"),
        dashboard_urls={d["dashboard_title"]: base + d["url"] for d in dashboards},
        seconds=time.perf_counter() - started,
    )
