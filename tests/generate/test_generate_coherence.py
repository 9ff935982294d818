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
        "customers": {int(c): country for c, country in records(small_dataset / "customers.csv")},
        "countries": {country: int(i) for i, country in records(small_dataset / "DimCountry.csv")},
        "categories": {category: int(i) for i, category in records(small_dataset / "DimCategory.csv")},
        "dates": {d: int(i) for i, d, *_ in records(small_dataset / "DimDate.csv")},
        "facts": records(small_dataset / "FactSales.csv"),
        "ecommerce": records(small_dataset / "ecommerce.csv"),
    }


def test_every_sale_joins_to_a_catalog_document(world: dict) -> None:
    assert {int(r[0]) for r in world["sales"]} <= set(world["catalog"])


def test_product_ids_are_unique_keys_of_the_catalog(small_dataset: Path) -> None:
    lines = (small_dataset / "catalog.json").read_text().split("\n")
    ids = [json.loads(line)["product_id"] for line in lines]
    assert len(ids) == len(set(ids))


def test_every_sale_joins_to_a_customer_with_a_known_country(world: dict) -> None:
    assert {int(r[1]) for r in world["sales"]} <= set(world["customers"])
    assert set(world["customers"].values()) <= set(world["countries"])


def test_fact_sales_are_the_oltp_sales_line_by_line(world: dict) -> None:
    category_of_type = {t.name: t.category for t in PRODUCT_TYPES}
    facts = world["facts"]
    assert len(facts) == len(world["sales"])
    for line, (fact, sale) in enumerate(zip(facts, world["sales"], strict=True), start=1):
        orderid, dateid, countryid, categoryid, amount = map(int, fact)
        product_id, customer_id, price, quantity, timestamp = sale
        assert orderid == line
        assert dateid == world["dates"][timestamp[:10]]
        assert countryid == world["countries"][world["customers"][int(customer_id)]]
        product_type = world["catalog"][int(product_id)]["type"]
        assert categoryid == world["categories"][category_of_type[product_type]]
        assert amount == int(price) * int(quantity)


def test_ecommerce_is_the_2020_sales(world: dict) -> None:
    types = {t.name: t for t in PRODUCT_TYPES}
    sales_2020 = [s for s in world["sales"] if s[4].startswith("2020-")]
    assert 0 < len(sales_2020) < len(world["sales"])
    assert len(world["ecommerce"]) == len(sales_2020)
    for row, sale in zip(world["ecommerce"], sales_2020, strict=True):
        day, month, quarter, year, category, item, price = row
        when = dt.date.fromisoformat(sale[4][:10])
        assert (int(day), int(month), int(year)) == (when.day, when.month, when.year)
        assert int(quarter) == (when.month - 1) // 3 + 1
        product_type = types[world["catalog"][int(sale[0])]["type"]]
        assert (category, item) == (product_type.category, product_type.item)
        assert int(price) == int(sale[2]) * int(sale[3])


def test_ecommerce_has_mobile_phones_for_the_course_dashboard(world: dict) -> None:
    # the course's bar chart: quarterly sales of mobile phones
    items = {(r[4], r[5]) for r in world["ecommerce"]}
    assert ("Electronics", "Mobile") in items


def test_every_fact_key_is_in_its_dimension(world: dict) -> None:
    for _, dateid, countryid, categoryid, _ in world["facts"]:
        assert int(dateid) in world["dates"].values()
        assert int(countryid) in world["countries"].values()
        assert int(categoryid) in world["categories"].values()
