"""The dbt docs site of production (``softcart docs``).

What ``softcart docs`` builds, in ``<data dir>/dbt/docs``:

* ``manifest.json``: the manifest of the newest build ``softcart run`` recorded in the warehouse
  (``softcart_meta.warehouse_builds``, build_plan), so the site shows the project as production was
  built, not the working copy; without a recorded build, the working copy's (and the site says so);
* ``catalog.json``: ``dbt docs generate``'s catalog of the warehouse (columns, types, row counts);
* ``index.html``: dbt-docs' page, with one change: the lineage graph opens on models, sources,
  seeds, snapshots and exposures, the tests unticked ("resources" ticks them back). dbt 1.11 has
  no setting for it (``dbt docs generate --select/--exclude`` narrows the catalog only, the served
  graph takes its selection from the URL), so the page's default selection is edited; a dbt-docs
  whose page no longer holds that default fails the build loudly rather than serve tests again.

The overview page is the project's ``__overview__`` doc block (dbt_project/models/overview.md).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import shutil
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from softcart.core.settings import Settings
from softcart.warehouse.build_plan import production_state
from softcart.warehouse.dbt_runner import run_dbt

# dbt-docs' default lineage selection (its selectorService), and ours: the same without tests
_DEFAULT_RESOURCE_TYPES = (
    'resource_types:["model","seed","snapshot","source","test","unit_test","analysis","exposure",'
    '"metric","semantic_model","saved_query","function"],depth:1}'
)
_LINEAGE_RESOURCE_TYPES = (
    'resource_types:["model","seed","snapshot","source","analysis","exposure",'
    '"metric","semantic_model","saved_query","function"],depth:1}'
)


class DocsError(RuntimeError):
    """The site could not be built (dbt failed, or dbt-docs changed under us)."""


@dataclass(frozen=True)
class DocsSite:
    folder: Path
    production: str | None  # the recorded build shown; None: the working copy (no build on record)
    nodes: int  # models, seeds and snapshots in the manifest shown

    @property
    def index(self) -> Path:
        return self.folder / "index.html"


def docs_dir(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "docs"


def build_site(settings: Settings) -> DocsSite:
    """Generate the site of production into ``docs_dir(settings)``; raise DocsError on failure."""
    folder = docs_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    state = production_state(settings)
    args = ["docs", "generate"]
    if state is not None:
        args.append("--no-compile")  # the production manifest carries its compiled SQL
    code = run_dbt(settings, args, extra_env={"DBT_TARGET_PATH": str(folder)})
    if code != 0:
        raise DocsError(f"dbt docs generate failed (exit {code}); see {settings.logs_dir / 'dbt'}")
    if state is not None:
        (folder / "manifest.json").write_text(json.dumps(state.manifest))
    manifest = json.loads((folder / "manifest.json").read_text())
    _write_index(folder)
    nodes = sum(
        1
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") in {"model", "seed", "snapshot"}
    )
    production = f"build {state.build_id} ({state.kind}, {state.finished_at})" if state else None
    return DocsSite(folder, production, nodes)


def dbt_docs_page() -> Path:
    """dbt-docs' page as dbt ships it (dbt/task/docs/index.html, what `dbt docs serve` copies),
    found without importing dbt."""
    spec = importlib.util.find_spec("dbt")
    if spec is None or not spec.submodule_search_locations:
        raise DocsError("dbt is not installed: run the README's setup command")
    return Path(next(iter(spec.submodule_search_locations))) / "task" / "docs" / "index.html"


def _write_index(folder: Path) -> None:
    page_path = dbt_docs_page()
    page = page_path.read_text()
    if page.count(_DEFAULT_RESOURCE_TYPES) != 1:
        raise DocsError(
            f"dbt-docs' page ({page_path}) no longer holds the default lineage selection"
            " softcart edits to hide the tests: check softcart/warehouse/docs_site.py against this dbt"
        )
    (folder / "index.html").write_text(page.replace(_DEFAULT_RESOURCE_TYPES, _LINEAGE_RESOURCE_TYPES))
    shutil.rmtree(folder / "compiled", ignore_errors=True)  # not served; the manifest holds the SQL


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """An HTTP server of ``folder`` on 127.0.0.1 (``port`` 0: any free port); the caller serves it."""
    return ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_QuietHandler, directory=str(folder)))
