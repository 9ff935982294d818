"""Pure unit tests of the generator's building blocks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from softcart.generate import FILE_FORMATS, generate_dataset
from softcart.generate import sales as sales_module
from softcart.generate.catalog import type_counts
from softcart.generate.sampling import weighted_indices
from softcart.generate.world import PRODUCT_TYPES


def test_weighted_indices_draw_what_a_binary_search_draws() -> None:
    weights = np.random.default_rng(1).lognormal(0.0, 1.5, 5_000)
    weights[10:20] = 0.0  # never drawn
    ours = weighted_indices(np.random.default_rng(2), weights, 200_000)
    cdf = np.cumsum(weights) / weights.sum()
    expected = np.searchsorted(cdf, np.random.default_rng(2).random(200_000), side="right")
    assert np.array_equal(ours, expected)
    assert not np.isin(np.arange(10, 20), ours).any()


def test_weighted_indices_refuse_weights_without_mass() -> None:
    with pytest.raises(ValueError, match="positive"):
        weighted_indices(np.random.default_rng(0), np.zeros(3), 10)


def test_every_product_type_gets_documents() -> None:
    for n in (40, 41, 999, 5_000):
        counts = type_counts(n)
        assert sum(counts) == n and min(counts) >= 1 and len(counts) == len(PRODUCT_TYPES)


def test_files_do_not_depend_on_the_chunk_size(
    small_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sales_module, "CHUNK_ROWS", 97)  # 1,000 rows: 11 chunks, a short last one
    generate_dataset(tmp_path, 0.001, 7, progress=False)
    for name in FILE_FORMATS:
        ours = hashlib.sha256((tmp_path / name).read_bytes()).digest()
        assert ours == hashlib.sha256((small_dataset / name).read_bytes()).digest(), name


def test_market_sizes_name_real_dimcountry_countries() -> None:
    from softcart.generate.world import BIG_MARKETS, COUNTRIES

    assert set(BIG_MARKETS) <= set(COUNTRIES)


def test_dbt_seed_maps_every_generated_type_to_its_category() -> None:
    # the warehouse derives a catalog product's category from this seed: it must match the world
    import csv

    seed = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "item_type_categories.csv"
    with seed.open(encoding="utf-8", newline="") as f:
        mapping = {row["item_type"]: row["category_name"] for row in csv.DictReader(f)}
    assert {t.name: t.category for t in PRODUCT_TYPES}.items() <= mapping.items()
