"""searchterms.csv: what visitors typed in the shop's search box, day by day."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from softcart.generate.calendar import day_parts
from softcart.generate.formats import csv_lines
from softcart.generate.sales import day_weights
from softcart.generate.sampling import weighted_indices
from softcart.generate.world import SEARCH_TERMS


def searchterm_lines(rng: np.random.Generator, n_searches: int) -> bytes:
    """``day,month,year,searchterm`` lines in date order (searches follow the sales' demand)."""
    day = np.sort(weighted_indices(rng, day_weights(), n_searches))
    weights = np.array([w for _, w in SEARCH_TERMS])
    term = weighted_indices(rng, weights, n_searches)
    year, month, dom = day_parts(day)
    terms = pa.array([t for t, _ in SEARCH_TERMS]).take(pa.array(term))
    return csv_lines([pa.array(dom), pa.array(month), pa.array(year), terms])
