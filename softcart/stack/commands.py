"""`softcart up`, `softcart down`, `softcart status`."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from softcart.core.credentials import pgpass_file
from softcart.core.settings import Settings
from softcart.stack import provision
from softcart.stack.servers import Server, StackError, servers
from softcart.stack.superset import Superset

console = Console(stderr=True)


def stack_servers(settings: Settings) -> list[Server]:
    """The databases, and the BI server unless ``SOFTCART_SUPERSET_ENABLED=0``."""
    listed = servers(settings)
    if settings.superset_enabled:
        listed.append(Superset(settings))
    return listed


def start_all(settings: Settings) -> dict[str, str]:
    """Start every managed server (in parallel) and provision the databases. Returns name -> action.

    ``settings`` must carry the local passwords (``softcart.core.credentials.ensure_local_secrets``)."""
    from softcart.core.credentials import ensure_local_secrets

    if ensure_local_secrets(settings) != settings:
        raise StackError(
            "the local passwords were not in these settings: resolve them with "
            "softcart.core.credentials.ensure_local_secrets before starting the stack"
        )
    managed = [s for s in stack_servers(settings) if settings.is_managed(s.name)]
    actions: dict[str, str] = {
        s.name: "external" for s in stack_servers(settings) if not settings.is_managed(s.name)
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {s.name: pool.submit(s.ensure_started) for s in managed}
        errors = []
        for name, fut in futures.items():
            try:
                actions[name] = fut.result()
            except StackError as exc:
                errors.append(f"{name}: {exc}")
    if errors:
        raise StackError("\n".join(errors))
    provision(settings)
    if settings.superset_enabled:
        actions["superset"] = actions.get("superset", "external") + "; " + _publish_on_start(settings)
    return actions


def _publish_on_start(settings: Settings) -> str:
    """Import the dashboards once the warehouse has a dbt manifest (the BI step does it after each build)."""
    from softcart.dashboards.superset_sync import SyncError
    from softcart.stack.superset import publish

    try:
        done = publish(settings)
    except SyncError as exc:
        if "no dbt manifest" in str(exc):
            return "dashboards after the first dbt build"
        raise StackError(f"superset: {exc}") from None
    return f"dashboards {'imported' if done.imported else 'up to date'}"


def up(settings: Settings) -> int:
    with console.status("starting the local stack (MariaDB, PostgreSQL, SecantusDB, Superset)..."):
        try:
            actions = start_all(settings)
        except StackError as exc:
            console.print(f"[red]softcart up failed[/red]: {exc}")
            return 1
    table = Table(title="softcart up")
    for col in ("service", "url", "action"):
        table.add_column(col)
    for server in stack_servers(settings):
        table.add_row(server.name, server.url.redacted, actions.get(server.name, "?"))
    console.print(table)
    console.print(f"data dir: {settings.data_dir}")
    if settings.superset_enabled:
        console.print(
            f"BI: {settings.superset.raw.rstrip('/')}/ (user and password: SUPERSET_ADMIN_USER,"
            f" SUPERSET_ADMIN_PASSWORD in {settings.secrets_file})"
        )
    return 0


def bi(settings: Settings, force: bool = False) -> int:
    """``softcart bi``: Superset's datasets from the dbt manifest, the repository's dashboards."""
    from softcart.dashboards.superset_sync import SyncError
    from softcart.stack.superset import publish

    try:
        with console.status(f"importing the dashboards into {settings.superset.redacted}"):
            done = publish(settings, force=force)
    except SyncError as exc:
        console.print(f"[red]softcart bi failed[/red]: {exc}")
        return 1
    console.print(
        f"{done.datasets} datasets (from the dbt manifest), {done.charts} charts, {done.dashboards}"
        f" dashboards: {'imported' if done.imported else 'not imported'} ({done.reason})"
    )
    for title, url in done.dashboard_urls:
        console.print(f"  {title}: {url}")
    if settings.is_managed("superset"):
        console.print(
            f"log in as SUPERSET_ADMIN_USER with SUPERSET_ADMIN_PASSWORD of {settings.secrets_file}"
        )
    return 0


def _purge_home(server: Server) -> None:
    home = server.home
    if home.is_symlink():  # root's fallback: the data lives in /var/lib/softcart/<hash>/<name>
        real = home.resolve()
        shutil.rmtree(real.parent, ignore_errors=True)
        home.unlink()
    else:
        shutil.rmtree(home, ignore_errors=True)


def down(settings: Settings, purge: bool = False) -> int:
    for server in stack_servers(settings):
        if not settings.is_managed(server.name):
            console.print(f"{server.name}: external ({server.url.redacted}), left alone")
            continue
        stopped = server.stop()
        console.print(f"{server.name}: {'stopped' if stopped else 'not running'}")
        if purge:
            _purge_home(server)
    bi = Superset(settings)
    if purge and not settings.superset_enabled and (bi.home.exists() or bi.home.is_symlink()):
        # the BI server of a run that had it on (SOFTCART_SUPERSET_ENABLED=0 now): its data goes too
        bi.stop()
        _purge_home(bi)
    if purge:
        removed = purge_derived(settings)
        console.print(f"purged server data under {settings.servers_dir}")
        if removed:
            console.print("purged what the stack derived: " + ", ".join(str(p) for p in removed))
    return 0


def derived_paths(settings: Settings) -> list[Path]:
    """Everything under the data dir that the stack and the pipeline made (besides the servers'
    data): removed by ``down --purge`` so that nothing outlives the data it came from. A lake at a
    URL of its own (``SOFTCART_LAKE_URL``, e.g. S3) is not the local stack's and is left alone."""
    data = settings.data_dir
    paths = [
        settings.landing_dir,
        settings.datasets_dir,
        settings.logs_dir,
        data / "dashboard",  # the static page of earlier versions
        data / "airflow",
        data / "dbt",
        data / "weblog",
        settings.secrets_file,
        pgpass_file(settings),
        data / "last_dataset.json",  # the marker of earlier versions
    ]
    lake = Path(settings.lake_url)
    if "://" not in settings.lake_url and lake.resolve().is_relative_to(data):
        paths.append(lake)
    return paths


def purge_derived(settings: Settings) -> list[Path]:
    removed = []
    for path in derived_paths(settings):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink(missing_ok=True)
        else:
            continue
        removed.append(path)
    return removed


def service_status(settings: Settings) -> list[dict[str, Any]]:
    rows = []
    for server in stack_servers(settings):
        rows.append(
            {
                "service": server.name,
                "url": server.url.redacted,
                "managed": settings.is_managed(server.name),
                "answers": server.ping(),
                "pid": server.pid() if settings.is_managed(server.name) else None,
            }
        )
    return rows


def _last_runs(settings: Settings, n: int) -> list[dict[str, Any]]:
    try:
        from ingest.runs import last_runs
    except ImportError:
        return []
    try:
        return last_runs(settings, n)
    except Exception:  # the warehouse may be down or not provisioned yet: status still reports services
        return []


def _stream_lag(settings: Settings) -> list[dict[str, Any]]:
    """Each change stream's lag behind its source's log (ingest.follow.stream_lag), [] when unknown."""
    try:
        from dataclasses import asdict

        from ingest.follow import stream_lag

        return [asdict(lag) for lag in stream_lag(settings)]
    except Exception:  # the warehouse or a source may be down: status still reports services
        return []


def status(settings: Settings, as_json: bool = False, runs: int = 5) -> int:
    services = service_status(settings)
    warehouse_up = any(s["answers"] for s in services if s["service"] == "postgres")
    last = _last_runs(settings, runs) if warehouse_up else []
    lag = _stream_lag(settings) if warehouse_up else []
    if as_json:
        print(
            json.dumps({"services": services, "ingest_runs": last, "stream_lag": lag}, default=str, indent=2)
        )
    else:
        out = Console()
        table = Table(title="services")
        for col in ("service", "url", "managed", "answers", "pid"):
            table.add_column(col)
        for row in services:
            table.add_row(
                row["service"],
                row["url"],
                "project" if row["managed"] else "external",
                "[green]yes[/green]" if row["answers"] else "[red]no[/red]",
                str(row["pid"] or "-"),
            )
        out.print(table)
        if last:
            rt = Table(title="last ingestion runs")
            for col in ("run", "status", "started (UTC)", "s", "read", "written", "rejected", "error"):
                rt.add_column(col, overflow="fold")
            for r in last:
                rt.add_row(
                    str(r.get("run_id")),
                    str(r.get("status")),
                    str(r.get("started_at", ""))[:19].replace("T", " "),
                    f"{float(r.get('seconds') or 0):.1f}",
                    f"{int(r.get('read') or 0):,}",
                    f"{int(r.get('written') or 0):,}",
                    f"{int(r.get('rejected') or 0):,}",
                    str(r.get("error") or ""),
                )
            out.print(rt)
        if lag:
            lt = Table(title="change streams: lag behind the binlog")
            for col in (
                "stream",
                "position",
                "binlog end",
                "bytes behind",
                "newest change (UTC)",
                "s behind",
            ):
                lt.add_column(col, overflow="fold")
            for g in lag:
                behind = g["bytes_behind"]
                lt.add_row(
                    g["stream"],
                    str(g["position"] or "-"),
                    str(g["source_end"] or "-"),
                    "-" if behind is None else f"{behind:,}",
                    str(g["last_change_at"] or "-")[:19],
                    "-" if g["seconds_behind"] is None else f"{g['seconds_behind']:.1f}",
                )
            out.print(lt)
    return 0 if all(s["answers"] for s in services) else 1
