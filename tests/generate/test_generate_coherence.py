"""The generated world holds together: sales join to the catalog and customers, customers to
countries, and FactSales.csv and ecommerce.csv are the same sales seen by the warehouse and the
dashboards."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from softcart.generate.world import PRODUCT_TYPES


def records(path: Path, header: bool = True) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[1:] if header else rows


@pytest.fixture(scope="module")
def world(small_dataset: Path) -> dict[str, object]:
    docs = [json.loads(line) for line in (small_dataset / "catalog.json").read_text().split("\n")]
    return {
        "sales": records(small_dataset / "oltpdata.csv", header=False),
        "catalog": {d["product_id"]: d for d in docs},
        "inventory": records(small_dataset / "inventory.csv"),
        "customers": {int(c): country for c, country in records(small_dataset / "customers.csv")},
        "countries": {country: int(i) for i, country in records(small_dataset / "DimCountry.csv")},
        "categories": {category: int(i) for i, category in records(small_dataset / "DimCategory.csv")},
        "dates": {d: int(i) for i, d, *_ in records(small_dataset / "DimDate.csv")},
        "facts": records(small_dataset / "FactSales.csv"),
        "ecommerce": records(small_dataset / "ecommerce.csv"),
    }


def test_every_sale_joins_to_a_catalog_document(world: dict) -> None:
    assert {int(r[0]) for r in world["sales"]} <= set(world["catalog"])


def test_the_initial_stock_covers_every_catalog_product_once(world: dict) -> None:
    from softcart.generate.inventory import ON_HAND, REORDER_LEVELS

    stock = [tuple(map(int, r)) for r in world["inventory"]]
    assert [p for p, _, _ in stock] == sorted(world["catalog"])
    assert all(ON_HAND[0] <= on_hand <= ON_HAND[1] and level in REORDER_LEVELS for _, on_hand, level in stock)


def test_product_ids_are_unique_keys_of_the_catalog(small_dataset: Path) -> None:
    lines = (small_dataset / "catalog.json").read_text().split("\n")
    ids = [json.loads(line)["product_id"] for line in lines]
    assert len(ids) == len(set(ids))


def test_every_sale_joins_to_a_customer_with_a_known_country(world: dict) -> None:
    assert {int(r[1]) for r in world["sales"]} <= set(world["customers"])
    assert set(world["customers"].values()) <= set(world["countries"])


def amount_bounds(category: str) -> tuple[int, int]:
    """The smallest and largest line total a product type of ``category`` can have."""
    ranges = [t.price_range for t in PRODUCT_TYPES if t.category == category]
    low = min(r[0] for r in ranges)
    high = max(r[1] for r in ranges) + 4 * 120  # laptops: + 120 per step of RAM
    return int(low * 0.7) - 1, high * 5  # up to 30 % off; up to 5 items


def test_fact_sales_come_from_the_same_world(world: dict) -> None:
    facts = world["facts"]
    assert len(facts) == 300
    assert [int(f[0]) for f in facts] == list(range(1, len(facts) + 1))
    category_name = {i: c for c, i in world["categories"].items()}
    customer_countries = {world["countries"][c] for c in world["customers"].values()}
    date_of = {i: d for d, i in world["dates"].items()}
    for _, dateid, countryid, categoryid, amount in facts:
        assert int(dateid) in date_of
        assert int(countryid) in customer_countries  # the country of some customer
        low, high = amount_bounds(category_name[int(categoryid)])
        assert low <= int(amount) <= high
    assert {date_of[int(f[1])][:4] for f in facts} == {"2019", "2020", "2021", "2022"}
    assert [int(f[1]) for f in facts] == sorted(int(f[1]) for f in facts)


def test_ecommerce_is_2020_sales_of_catalog_types(world: dict) -> None:
    pairs = {(t.category, t.item) for t in PRODUCT_TYPES}
    rows = world["ecommerce"]
    assert len(rows) == 100
    days = []
    for day, month, quarter, year, category, item, price in rows:
        when = dt.date(int(year), int(month), int(day))
        assert when.year == 2020 and int(quarter) == (when.month - 1) // 3 + 1
        assert (category, item) in pairs
        low, high = amount_bounds(category)
        assert low <= int(price) <= high
        days.append(when)
    assert days == sorted(days)


def test_the_three_sales_files_hold_different_sales(world: dict) -> None:
    # a warehouse adds the channels up: the same sale must not appear in two files
    oltp_2020 = [(s[4][:10], int(s[2]) * int(s[3])) for s in world["sales"] if s[4].startswith("2020-")]
    ecommerce = [(f"{r[3]}-{int(r[1]):02d}-{int(r[0]):02d}", int(r[6])) for r in world["ecommerce"]]
    assert len(set(oltp_2020) & set(ecommerce)) <= 2  # a coincidence or two at most
    facts = [int(f[4]) for f in world["facts"]]
    oltp = [int(s[2]) * int(s[3]) for s in world["sales"]]
    assert facts != oltp[: len(facts)]


def test_ecommerce_has_mobile_phones_for_the_course_dashboard(world: dict) -> None:
    # the course's bar chart: quarterly sales of mobile phones
    items = {(r[4], r[5]) for r in world["ecommerce"]}
    assert ("Electronics", "Mobile") in items


def test_every_fact_key_is_in_its_dimension(world: dict) -> None:
    for _, dateid, countryid, categoryid, _ in world["facts"]:
        assert int(dateid) in world["dates"].values()
        assert int(countryid) in world["countries"].values()
        assert int(categoryid) in world["categories"].values()
