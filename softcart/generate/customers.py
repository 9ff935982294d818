"""Customers: an id, a home country (from DimCountry) and how often they buy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from softcart.generate.formats import csv_lines
from softcart.generate.sampling import weighted_indices
from softcart.generate.world import BIG_MARKETS, COUNTRIES, SMALL_MARKET


@dataclass(frozen=True)
class Customers:
    customer_id: np.ndarray  # int64, 1..n
    country_index: np.ndarray  # index into COUNTRIES (countryid - 1)
    activity: np.ndarray  # float64, sums to 1: the chance a sale is by this customer

    def __len__(self) -> int:
        return len(self.customer_id)

    def csv_lines(self) -> bytes:
        countries = pa.array(COUNTRIES).take(pa.array(self.country_index))
        return csv_lines([pa.array(self.customer_id), countries])


def generate_customers(rng: np.random.Generator, n_customers: int) -> Customers:
    # a few big markets, a long tail of small ones, each a little bigger or smaller by seed
    size = np.array([BIG_MARKETS.get(country, SMALL_MARKET) for country in COUNTRIES])
    market = size * rng.lognormal(0.0, 0.3, len(COUNTRIES))
    country_index = weighted_indices(rng, market, n_customers)
    activity = rng.lognormal(0.0, 1.0, n_customers)
    return Customers(
        customer_id=np.arange(1, n_customers + 1, dtype=np.int64),
        country_index=country_index.astype(np.int64),
        activity=activity / activity.sum(),
    )
