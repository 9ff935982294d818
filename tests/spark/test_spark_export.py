"""softcart export: the lake equals the warehouse; incremental; atomic partitions; manifest; raw zone."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from softcart.core.settings import Settings
from softcart.lake.export import export_lock, main, run_export
from softcart.lake.export.raw_zone import RAW_FILES, RawFileError, read_raw_file
from softcart.lake.store import Lake, latest_manifest, table_files
from tests.spark import marts_data


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so the export does not clean up after it."""


def lake_dir(settings: Settings) -> Path:
    return Path(settings.lake_url)


def lake_sales(settings: Settings) -> list[dict[str, Any]]:
    """The sales table as a reader sees it: the files the manifest names."""
    root = lake_dir(settings) / "sales"
    files = [str(root / f) for f in table_files(Lake.from_url(settings.lake_url), "sales")]
    dataset = ds.dataset(files, format="parquet", partitioning="hive", partition_base_dir=str(root))
    return dataset.to_table().to_pylist()


def unnamed_files(settings: Settings) -> set[str]:
    """Data files of the lake's tables that the manifest does not name (a killed export's)."""
    lake = Lake.from_url(settings.lake_url)
    manifest = latest_manifest(lake)
    root = lake_dir(settings)
    named = {f"{t}/{f}" for t in manifest.get("tables", {}) for f in table_files(lake, t, manifest)}
    return {
        str(p.relative_to(root))
        for t in manifest.get("tables", {})
        for p in (root / t).rglob("*")
        if p.is_file()
    } - named


def snapshot(settings: Settings) -> dict[str, int]:
    """Every data file of the lake with its modification time (ns)."""
    root = lake_dir(settings)
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.rglob("*.parquet")
        if not p.relative_to(root).parts[0].startswith("_")
    }


def key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["sale_key"], row["year"], row["month"], row["amount"], row["country_name"], row["item_name"])


def test_export_equals_the_warehouse(warehouse: Settings, marts: marts_data.Marts) -> None:
    marts_data.execute(
        warehouse,
        "insert into softcart_meta.ingest_runs (status) values ('succeeded'), ('succeeded'), ('failed')",
    )
    result = run_export(warehouse)

    expected = marts_data.wide_rows(marts)
    assert Counter(map(key, lake_sales(warehouse))) == Counter(map(key, expected))
    # partitions are year=/month= folders, one per calendar month with sales (+ the unknown date)
    months = {(r["year"], r["month"]) for r in expected}
    folders = {
        p.parent.relative_to(lake_dir(warehouse) / "sales").as_posix()
        for p in (lake_dir(warehouse) / "sales").rglob("*.parquet")
    }
    assert folders == {f"year={y}/month={m}" for y, m in months}
    assert (-1, -1) in months
    # the dimensions, whole
    for name, n in (("dim_date", len(marts.dates)), ("dim_country", 5), ("dim_category", 6), ("dim_item", 7)):
        assert pq.read_table(lake_dir(warehouse) / name).num_rows == n
    # quotes, commas and newlines in text survive the trip
    names = {r["item_name"] for r in lake_sales(warehouse)}
    assert marts_data.ITEMS[1][0] in names

    manifest = json.loads((lake_dir(warehouse) / "manifests" / "latest.json").read_text())
    assert manifest["export_id"] == result.export_id
    assert manifest["tables"]["sales"]["rows"] == len(expected)
    per_partition = Counter(f"year={r['year']}/month={r['month']}" for r in expected)
    assert {p: v["rows"] for p, v in manifest["tables"]["sales"]["partitions"].items()} == dict(per_partition)
    assert manifest["tables"]["dim_date"]["partitions"][""]["rows"] == len(marts.dates)
    assert manifest["source_run_id"] == _latest_run_id(warehouse)
    assert (lake_dir(warehouse) / "manifests" / f"export-{result.export_id}.json").is_file()


def _latest_run_id(settings: Settings) -> Any:
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database
    ) as c:
        rows = c.execute("select run_id, status from softcart_meta.ingest_runs order by run_id").fetchall()
    assert [s for _, s in rows] == ["succeeded", "succeeded", "failed"]
    return rows[1][0]


def test_rerun_without_changes_rewrites_nothing(warehouse: Settings) -> None:
    first = run_export(warehouse)
    assert first.partitions_written > 0
    before = snapshot(warehouse)
    second = run_export(warehouse)
    assert second.partitions_written == 0 and second.rows_written == 0
    assert snapshot(warehouse) == before
    manifest = json.loads((lake_dir(warehouse) / "manifests" / "latest.json").read_text())
    assert manifest["export_id"] == second.export_id
    assert all(t["written"] == [] for t in manifest["tables"].values())
    # partitions keep the id of the export that wrote them
    assert {p["export_id"] for p in manifest["tables"]["sales"]["partitions"].values()} == {first.export_id}


def test_only_changed_partitions_are_rewritten(warehouse: Settings, marts: marts_data.Marts) -> None:
    run_export(warehouse)
    before = snapshot(warehouse)
    # one sale of March 2020 changes; all sales of May 2021 go away
    march = next(f for f in marts.facts if 20200301 <= f["date_key"] <= 20200331)
    marts_data.execute(
        warehouse,
        "update marts.fct_sales set quantity = quantity + 1 where sale_key = %s",
        (march["sale_key"],),
    )
    marts_data.execute(warehouse, "delete from marts.fct_sales where date_key between 20210501 and 20210531")

    result = run_export(warehouse)

    sales = next(t for t in result.tables if t.name == "sales")
    assert sales.written == ["year=2020/month=3"]
    assert sales.removed == ["year=2021/month=5"]
    after = snapshot(warehouse)
    first = Path(next(p for p in before if p.startswith("sales/year=2020/month=3/"))).name
    second = f"part-{result.export_id}.parquet"
    assert {p for p in before if after.get(p) != before[p]} == {
        f"sales/year=2020/month=3/{first}",
        f"sales/year=2021/month=5/{first}",
    }
    assert set(after) - set(before) == {f"sales/year=2020/month=3/{second}"}
    assert not unnamed_files(warehouse)
    assert not (lake_dir(warehouse) / "sales" / "year=2021" / "month=5").exists()
    lake_quantity = {r["sale_key"]: r["quantity"] for r in lake_sales(warehouse)}
    assert lake_quantity[march["sale_key"]] == march["quantity"] + 1


@pytest.mark.parametrize("crash_at", ["batch-written", "partition-written", "before-commit"])
def test_interrupted_export_leaves_the_previous_lake_whole(
    warehouse: Settings, marts: marts_data.Marts, crash_at: str
) -> None:
    run_export(warehouse)
    old_rows = Counter(map(key, lake_sales(warehouse)))
    # every sale of 2020 changes: twelve partitions to rewrite
    marts_data.execute(
        warehouse,
        "update marts.fct_sales set price = price + 1, amount = (price + 1) * quantity where date_key between 20200101 and 20201231",
    )
    seen: list[str] = []

    def crash(event: str, table: str, partition: str) -> None:
        if event == crash_at and (table == "sales" or event == "before-commit"):
            seen.append(partition)
            if len(seen) == 3 or event == "before-commit":  # dies in the third partition, or at the end
                raise SimulatedCrash

    with pytest.raises(SimulatedCrash):
        run_export(warehouse, hook=crash)

    # a reader follows the manifest: the previous export, whole; the new files sit unnamed beside it
    assert Counter(map(key, lake_sales(warehouse))) == old_rows
    assert unnamed_files(warehouse)

    # the next export deletes them and finishes the job
    run_export(warehouse)
    new_expected = Counter(map(key, marts_data.wide_rows(_reload(warehouse))))
    assert Counter(map(key, lake_sales(warehouse))) == new_expected
    assert not unnamed_files(warehouse)


def test_one_export_at_a_time(warehouse: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    lake = Lake.from_url(warehouse.lake_url)
    with export_lock(warehouse, lake):  # another export holds the lake
        assert main(warehouse) == 1
    assert "another `softcart export` is writing the lake" in capsys.readouterr().out
    assert not latest_manifest(lake)  # the refused export wrote nothing
    assert main(warehouse) == 0  # the lock went with its holder


def _reload(settings: Settings) -> marts_data.Marts:
    """The facts as they are now in the warehouse (after updates), in the shape of marts_data.build()."""
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.database
    ) as c:
        cur = c.execute("select * from marts.fct_sales")
        names = [d.name for d in cur.description or []]
        facts = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        dates = [r[0] for r in c.execute("select date_day from marts.dim_date order by 1")]
    return marts_data.Marts(dates, facts)


def test_raw_zone_from_landing(empty_warehouse: Settings, capstone: Path) -> None:
    marts_data.create(empty_warehouse, marts_data.build(n_facts=20))
    empty_warehouse.landing_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(capstone / "searchterms.csv", empty_warehouse.landing_dir / "searchterms.csv")

    result = run_export(empty_warehouse)

    raw = next(t for t in result.tables if t.name == "raw/searchterms")
    assert raw.rows == raw.rows_written == 10_000
    table = pq.read_table(lake_dir(empty_warehouse) / "raw" / "searchterms")
    assert table.column_names == ["day", "month", "year", "searchterm"]  # no BOM in the first name
    lines = (capstone / "searchterms.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert table.column("searchterm").to_pylist() == [line.split(",", 3)[3] for line in lines]
    again = run_export(empty_warehouse)
    assert next(t for t in again.tables if t.name == "raw/searchterms").written == []


def test_bad_raw_file_is_reported_with_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "searchterms.csv"
    bad.write_text("day,month,year,searchterm\n1,2,2021,a\n3,x,2021,b\n")
    with pytest.raises(RawFileError, match=r"searchterms.csv:3: field 'month'"):
        read_raw_file(bad, RAW_FILES[0])
    bad.write_text("day,month,searchterm\n1,2,a\n")
    with pytest.raises(RawFileError, match=r"searchterms.csv:1: header"):
        read_raw_file(bad, RAW_FILES[0])


def test_missing_marts_is_a_clear_error(
    empty_warehouse: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(empty_warehouse) == 1
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert "marts.fct_sales" in out and "softcart dbt build" in out
