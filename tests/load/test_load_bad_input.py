"""Every bad input gets an error naming file, line and field, and leaves every target as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from softcart.core.settings import Settings
from softcart.load.cli import main
from softcart.load.errors import LoadError
from tests.load.load_helpers import DatasetMaker, drop_sources, load, snapshot, source_settings

OLTP = "6739,76305,230,1,2020-09-05 16:20:03\n7460,81008,1455.50,4,2020-09-05 16:20:04\n6701,7556,1159,2,2020-09-05 16:20:05"
CATALOG = (
    '{"_id": {"$oid": "5f0000000000000000000001"}, "type": "laptop", "model": "a1", "screen size": 15}\n'
    '{"type": "smart phone", "model": "p2", "screen size": 6}'
)
DIM_CATEGORY = "categoryid,category\n1,Electronics\n2,Books"


def _replace_line(text: str, line: int, new: str) -> str:
    lines = text.split("\n")
    lines[line - 1] = new
    return "\n".join(lines)


BAD_CASES: dict[str, tuple[dict[str, str], str]] = {
    "truncated line": (
        {"oltpdata__csv": _replace_line(OLTP, 2, "7460,81008,1455")},
        r"oltpdata\.csv:2: field 'quantity': missing",
    ),
    "non-numeric price": (
        {"oltpdata__csv": _replace_line(OLTP, 3, "6701,7556,11x9,2,2020-09-05 16:20:05")},
        r"oltpdata\.csv:3: field 'price': '11x9' is not a number",
    ),
    "non-numeric quantity": (
        {"oltpdata__csv": _replace_line(OLTP, 1, "6739,76305,230,one,2020-09-05 16:20:03")},
        r"oltpdata\.csv:1: field 'quantity': 'one' is not a non-negative integer",
    ),
    "non-numeric id": (
        {"oltpdata__csv": _replace_line(OLTP, 2, "P7460,81008,1455,4,2020-09-05 16:20:04")},
        r"oltpdata\.csv:2: field 'product_id'",
    ),
    "impossible timestamp": (
        {"oltpdata__csv": _replace_line(OLTP, 3, "6701,7556,1159,2,2020-02-30 16:20:05")},
        r"oltpdata\.csv:3: field 'timestamp': '2020-02-30 16:20:05' is not a valid timestamp",
    ),
    "timestamp in another format": (
        {"oltpdata__csv": _replace_line(OLTP, 2, "7460,81008,1455,4,05/09/2020 16:20")},
        r"oltpdata\.csv:2: field 'timestamp': '05/09/2020 16:20' is not a timestamp YYYY-MM-DD HH:MM:SS",
    ),
    "extra field": (
        {"oltpdata__csv": _replace_line(OLTP, 2, "7460,81008,1455,4,2020-09-05 16:20:04,9")},
        r"oltpdata\.csv:2: 6 fields, expected 5",
    ),
    "blank line inside": (
        {"oltpdata__csv": _replace_line(OLTP, 2, "")},
        r"oltpdata\.csv:2: empty line",
    ),
    "empty oltpdata": ({"oltpdata__csv": ""}, r"oltpdata\.csv: empty file"),
    "empty catalog": ({"catalog__json": "\n"}, r"catalog\.json: empty file"),
    "catalog document with a key twice": (
        {"catalog__json": CATALOG + '\n{"type": "laptop", "model": "a2", "type": "smart phone"}'},
        r"catalog\.json:3: field 'type': the key appears twice in the document",
    ),
    "searchterms.csv with a 10 MB field": (
        {
            "searchterms__csv": "day,month,year,searchterm\n12,11,2021,laptop\n12,11,2021,"
            + "x" * 10_000_000
            + "\n"
        },
        r"searchterms\.csv:3: unreadable CSV: field larger than field limit",
    ),
    "catalog line not JSON (with a good oltpdata)": (
        {"oltpdata__csv": OLTP, "catalog__json": _replace_line(CATALOG, 2, '{"type": "laptop", "model": ')},
        r"catalog\.json:2: not JSON",
    ),
    "catalog line not an object": (
        {"catalog__json": CATALOG + '\n["laptop"]'},
        r"catalog\.json:3: a JSON list, expected an object",
    ),
    "file input with a truncated line (with good sources)": (
        {
            "oltpdata__csv": OLTP,
            "catalog__json": CATALOG.split("\n")[1],
            "DimCategory__csv": "categoryid,category\n1,Electronics\n2",
        },
        r"DimCategory\.csv:3: field 'category'",
    ),
    "file input without its header": (
        {"DimCategory__csv": "1,Electronics\n2,Books"},
        r"DimCategory\.csv:1: header '1,Electronics', expected categoryid,category",
    ),
    "customers with a non-numeric id": (
        {"customers__csv": "customer_id,country\n1,France\nx2,Spain"},
        r"customers\.csv:3: field 'customer_id': 'x2'",
    ),
    "sales.sql with a non-numeric value": (
        {
            "sales__sql": "INSERT INTO `sales_data` (`rowid`, `product_id`, `customer_id`, `quantity`) VALUES\n"
            "(104, 8972, 58516,  5),\n(105, 7905, 'abc',  2);\n"
        },
        r"sales\.sql:3: field 'customer_id': 'abc' is not a non-negative integer",
    ),
    "sales.sql cut in the middle of a row": (
        {
            "sales__sql": "INSERT INTO `sales_data` (`rowid`, `product_id`, `customer_id`, `quantity`) VALUES\n"
            "(104, 8972, 58516,  5),\n(105, 7905, 59"
        },
        r"sales\.sql:3: malformed row",
    ),
    "sales.sql with a row too short": (
        {
            "sales__sql": "INSERT INTO `sales_data` (`rowid`, `product_id`, `customer_id`, `quantity`) VALUES\n"
            "(104, 8972, 58516,  5),\n(105, 7905, 59794);\n"
        },
        r"sales\.sql:3: field 'quantity': 3 values, expected 4",
    ),
    "sales.sql with no rows": ({"sales__sql": "-- nothing here\nCOMMIT;\n"}, r"sales\.sql: no INSERT INTO"),
    # a ';' inside the data ends the INSERT early: its remaining rows were silently dropped
    "sales.sql with a stray semicolon": (
        {
            "sales__sql": "INSERT INTO `sales_data` (`rowid`, `product_id`, `customer_id`, `quantity`) VALUES\n"
            "(104, 8972, 58516,  5);\n(105, 7905, 59794,  2),\n(106, 6295, 86874,  2);\n"
        },
        r"sales\.sql:3: a row outside any INSERT statement: '\(105, 7905",
    ),
    "sales.sql with a statement injected after a row": (
        {
            "sales__sql": "INSERT INTO `sales_data` (`rowid`, `product_id`, `customer_id`, `quantity`) VALUES\n"
            "(104, 8972, 58516,  5),\n(100600, 1, 2, 3); DROP TABLE sales_data; -- ,\n(105, 7905, 59794,  2);\n"
        },
        r"sales\.sql:3: 'DROP TABLE sales_data' after the end of the INSERT statement, on the same line",
    ),
    "sales.sql with a statement no dump holds": (
        {
            "sales__sql": "INSERT INTO `sales_data` (`rowid`, `product_id`, `customer_id`, `quantity`) VALUES\n"
            "(104, 8972, 58516,  5);\nGRANT ALL ON *.* TO 'x';\nCOMMIT;\n"
        },
        r"sales\.sql:3: unexpected statement \"GRANT ALL ON \*\.\* TO 'x'\" in a dump of sales_data",
    ),
}


BASELINE = {"oltpdata__csv": OLTP, "catalog__json": CATALOG, "DimCategory__csv": DIM_CATEGORY}


@pytest.fixture
def loaded_baseline(isolated: Settings, make_dataset: DatasetMaker) -> Settings:
    """Targets that already hold rows, so "unchanged" means something."""
    load(isolated, make_dataset(**BASELINE))
    return isolated


@pytest.fixture(scope="module")
def shared_baseline(
    stack: Settings, tmp_path_factory: pytest.TempPathFactory, capstone: Path
) -> Iterator[Settings]:
    """One baseline for the cases the file checks reject: they must not write, and each case
    proves it by comparing snapshots (a case that wrote would fail, not hide)."""
    root = tmp_path_factory.mktemp("load-baseline")
    settings = source_settings(stack, root / "data")
    load(settings, DatasetMaker(root, capstone)(**BASELINE))
    yield settings
    drop_sources(settings)


# the checks run before anything is written, the same way with and without --replace: a few cases
# also run with --replace to prove that
WITH_REPLACE = (
    "truncated line",
    "catalog line not JSON (with a good oltpdata)",
    "sales.sql with a row too short",
)


@pytest.mark.parametrize(
    ("case", "replace"),
    [(c, False) for c in BAD_CASES] + [(c, True) for c in WITH_REPLACE],
    ids=[c for c in BAD_CASES] + [f"{c} --replace" for c in WITH_REPLACE],
)
def test_bad_file_is_named_and_nothing_changes(
    shared_baseline: Settings, make_dataset: DatasetMaker, case: str, replace: bool
) -> None:
    files, message = BAD_CASES[case]
    dataset = make_dataset(**files)
    before = snapshot(shared_baseline)
    assert before["sales_data"] and before["documents"] and before["landing"]
    with pytest.raises(LoadError, match=message):
        load(shared_baseline, dataset, replace=replace)
    assert snapshot(shared_baseline) == before


def test_failure_while_writing_undoes_mysql_and_mongo(
    loaded_baseline: Settings, make_dataset: DatasetMaker
) -> None:
    """The file checks pass; MongoDB then refuses a document whose _id exists already: the MySQL rows
    (loaded first, not committed) and the catalog documents inserted before it are undone."""
    clash = '{"_id": {"$oid": "5f0000000000000000000001"}, "type": "tablet", "model": "t1"}'
    dataset = make_dataset(
        oltpdata__csv=OLTP,
        catalog__json='{"type": "tablet", "model": "t0"}\n' + clash,
        DimDate__csv="dateid,date,Year,Quarter,QuarterName,Month,Monthname,Day,Weekday,WeekdayName\n"
        "1,2019-01-01,2019,1,Q1,1,January,1,3,Tuesday",
    )
    before = snapshot(loaded_baseline, counters=False)
    with pytest.raises(LoadError, match=r"catalog\.json:2: field '_id': MongoDB rejected the document"):
        load(loaded_baseline, dataset)
    assert snapshot(loaded_baseline, counters=False) == before


def test_failure_while_writing_with_replace_keeps_the_old_data(
    loaded_baseline: Settings, make_dataset: DatasetMaker
) -> None:
    twice = '{"_id": {"$oid": "5f00000000000000000000aa"}, "type": "tablet", "model": "t1"}'
    dataset = make_dataset(oltpdata__csv=OLTP, catalog__json=twice + "\n" + twice)
    before = snapshot(loaded_baseline)
    with pytest.raises(LoadError, match=r"catalog\.json:2: field '_id'"):
        load(loaded_baseline, dataset, replace=True)
    assert snapshot(loaded_baseline) == before  # no leftover __softcart_new table or collection


def test_missing_dataset_dir(shared_baseline: Settings, tmp_path: Path) -> None:
    before = snapshot(shared_baseline)
    with pytest.raises(LoadError, match=r"nope: dataset directory does not exist"):
        load(shared_baseline, tmp_path / "nope")
    assert snapshot(shared_baseline) == before


def test_dataset_dir_with_no_known_file(shared_baseline: Settings, make_dataset: DatasetMaker) -> None:
    with pytest.raises(LoadError, match=r"no known dataset file in it \(expected any of: sales\.sql"):
        load(
            shared_baseline,
            make_dataset(notes__txt="hello", **{"oltpdata__CSV": "1,2,3,4,2020-01-01 00:00:00"}),
        )


def test_main_prints_the_error_and_returns_1(
    loaded_baseline: Settings, make_dataset: DatasetMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = make_dataset(oltpdata__csv=_replace_line(OLTP, 2, "7460,81008,abc,4,2020-09-05 16:20:04"))
    assert main(loaded_baseline, dataset, replace=False) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "load failed: oltpdata.csv:2: field 'price': 'abc' is not a number" in out
    assert main(loaded_baseline, make_dataset(oltpdata__csv=OLTP), replace=False) == 0


def test_every_defect_of_a_file_is_reported(tmp_path: Path) -> None:
    """Seven bad lines: all seven named (file:line: field: problem), then the count; past the limit the
    rest are counted, not listed."""
    from softcart.load.errors import MAX_SHOWN
    from softcart.load.sales_csv import parse_sales_csv

    good = "6739,76305,230,1,2020-09-05 16:20:03"
    bad = {
        2: "6739,76305,2x0,1,2020-09-05 16:20:03",
        4: "6739,76305,230",
        5: "P1,76305,230,1,2020-09-05 16:20:03",
        7: "6739,76305,230,one,2020-09-05 16:20:03",
        8: "6739,76305,230,1,2020-02-30 16:20:03",
        9: "",
        11: "6739,76305,230,1,2020-09-05 16:20:03,9",
    }
    path = tmp_path / "oltpdata.csv"
    path.write_text("\n".join(bad.get(n, good) for n in range(1, 13)) + "\n")
    with pytest.raises(LoadError) as caught:
        parse_sales_csv(path)
    lines = str(caught.value).splitlines()
    assert [int(line.split(":")[1]) for line in lines[:-1]] == sorted(bad)
    assert lines[1] == "oltpdata.csv:4: field 'quantity': missing: line has 3 of 5 fields (truncated?)"
    assert lines[-1] == "oltpdata.csv: 7 defective lines"

    path.write_text("\n".join("x" for _ in range(MAX_SHOWN + 5)) + "\n")
    with pytest.raises(LoadError) as caught:
        parse_sales_csv(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == MAX_SHOWN + 1
    assert lines[-1] == f"oltpdata.csv: {MAX_SHOWN + 5} defective lines, the first {MAX_SHOWN} shown"


def test_one_load_at_a_time_and_a_killed_loads_leftovers_go(
    isolated: Settings, make_dataset: DatasetMaker
) -> None:
    """A load holds a lock (a second one is refused with a clear message), and the staging tables and
    collection a killed load left behind are removed when the next load starts."""
    from softcart.core.connections import mongo_client, mysql_connect, mysql_database
    from softcart.load.cli import load_lock

    dataset = make_dataset(oltpdata__csv=OLTP, catalog__json=CATALOG)
    load(isolated, dataset)
    with (
        load_lock(isolated),
        pytest.raises(LoadError, match="another `softcart load` is writing these sources"),
    ):
        load(isolated, dataset)

    conn = mysql_connect(isolated)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE sales_data__softcart_new LIKE sales_data")
            cur.execute("CREATE TABLE customers__softcart_old LIKE customers")
    finally:
        conn.close()
    client: Any = mongo_client(isolated)
    try:
        client[isolated.mongo_database].create_collection(isolated.mongo_collection + "__softcart_new")
    finally:
        client.close()
    load(isolated, make_dataset(oltpdata__csv=OLTP, catalog__json=CATALOG.split("\n")[1]))  # both sources
    conn = mysql_connect(isolated)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
                (mysql_database(isolated),),
            )
            assert [r[0] for r in cur.fetchall()] == [
                "customers",
                "inventory",
                "sales_data",
                "softcart_loads",
            ]
    finally:
        conn.close()
    client = mongo_client(isolated)
    try:
        assert (
            isolated.mongo_collection + "__softcart_new"
            not in client[isolated.mongo_database].list_collection_names()
        )
    finally:
        client.close()
