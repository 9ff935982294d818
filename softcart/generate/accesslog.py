"""accesslog.txt: the shop's web server log, Apache combined format, the world's last week.

Like the course's log it holds a few lines from FILTERED_IP (an RSS reader the
``process_web_log`` DAG drops) and exactly one malformed line: its user agent lacks the closing
quote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from softcart.generate.catalog import Catalog
from softcart.generate.formats import string_array_bytes
from softcart.generate.sampling import weighted_indices
from softcart.generate.world import (
    ACCESSLOG_DAYS,
    FILTERED_IP,
    LAST_DAY,
    MONTH_ABBR,
    PRODUCT_TYPES,
    SEARCH_TERMS,
)

SITE = "https://www.softcart.example"
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:108.0) Gecko/20100101 Firefox/108.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/7.86.0",
    "python-requests/2.28.1",
)  # fmt: skip
UA_WEIGHTS = (30, 14, 8, 16, 14, 4, 6, 3, 1, 1)
FEED_READER = "Tiny Tiny RSS/1.11 (http://tt-rss.org/)"
FEED_PATH = "/blog/feed.xml"
FILTERED_SHARE = 0.008  # the course's log: 82 of 10,000 lines
STATIC = ("/static/css/site.css", "/static/js/app.js", "/favicon.ico", "/robots.txt", "/images/logo.png")
STATUS = (200, 304, 404, 301, 206, 500)


@dataclass(frozen=True)
class Pages:
    """The site's URLs that visitors request, with their kind and typical size."""

    paths: list[str]
    weights: np.ndarray
    static: np.ndarray  # bool: cacheable asset (304 likely)
    size: np.ndarray  # typical response bytes


def site_pages(catalog: Catalog, max_products: int = 2000) -> Pages:
    paths: list[str] = ["/", "/cart", "/checkout", "/account/login"]
    weights: list[float] = [40.0, 8.0, 3.0, 3.0]
    static = [False] * 4
    size = [48_000, 21_000, 26_000, 9_000]
    paths += list(STATIC)
    weights += [30.0, 30.0, 8.0, 2.0, 20.0]
    static += [True] * len(STATIC)
    size += [38_000, 211_000, 1_150, 120, 7_400]
    for term, term_weight in SEARCH_TERMS:
        paths.append("/search?q=" + term.replace(" ", "+"))
        weights.append(term_weight / 2)
        static.append(False)
        size.append(35_000)
    for ptype in PRODUCT_TYPES:
        paths.append("/category/" + ptype.name.replace(" ", "-"))
        weights.append(4.0 * ptype.share)
        static.append(False)
        size.append(52_000)
    top = np.argsort(-catalog.popularity, kind="stable")[:max_products]
    for i in top:
        slug = PRODUCT_TYPES[catalog.type_index[i]].name.replace(" ", "-")
        pid = int(catalog.product_id[i])
        paths += [f"/products/{slug}/{catalog.model[i]}-{pid}", f"/images/products/{pid}.jpg"]
        weights += [120.0 * float(catalog.popularity[i]), 160.0 * float(catalog.popularity[i])]
        static += [False, True]
        size += [61_000, 140_000]
    page_weights = np.array(weights)
    return Pages(paths, page_weights / page_weights.sum(), np.array(static), np.array(size, dtype=np.float64))


def _client_ips(rng: np.random.Generator, n: int) -> list[str]:
    ips: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        first = int(rng.integers(1, 224))
        if first in (10, 127, 172, 192):  # keep away from private and loopback ranges
            continue
        ip = f"{first}.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}"
        if ip != FILTERED_IP and ip not in ips:
            ips.add(ip)
            out.append(ip)
    return out


def _log_times(seconds: np.ndarray) -> pa.Array:
    """``17/May/2015:10:05:03 +0000`` for seconds since the log's first day."""
    first = LAST_DAY - dt.timedelta(days=ACCESSLOG_DAYS - 1)
    day_labels = []
    for d in range(ACCESSLOG_DAYS):
        day = first + dt.timedelta(days=d)
        day_labels.append(f"{day.day:02d}/{MONTH_ABBR[day.month - 1]}/{day.year}:")
    days = pa.array(day_labels).take(pa.array(seconds // 86_400))
    clock = pc.cast(pa.array((seconds % 86_400).astype(np.int32), pa.time32("s")), pa.string())
    return pc.binary_join_element_wise(days, clock, " +0000", "")


def accesslog_lines(rng: np.random.Generator, n_lines: int, catalog: Catalog) -> bytes:
    pages = site_pages(catalog)
    seconds = np.sort(rng.integers(0, ACCESSLOG_DAYS * 86_400, n_lines))
    clients = _client_ips(rng, max(50, n_lines // 20))
    client_weights = rng.lognormal(0.0, 1.3, len(clients))
    ip = weighted_indices(rng, client_weights, n_lines)
    page = weighted_indices(rng, pages.weights, n_lines)
    ua = weighted_indices(rng, np.array(UA_WEIGHTS), n_lines)
    is_static = pages.static[page]
    status_p_static = np.array([0.75, 0.22, 0.02, 0.0, 0.01, 0.0])
    status_p_page = np.array([0.93, 0.0, 0.035, 0.025, 0.0, 0.01])
    status = np.where(
        is_static,
        weighted_indices(rng, status_p_static, n_lines),
        weighted_indices(rng, status_p_page, n_lines),
    )
    size = np.rint(pages.size[page] * rng.lognormal(0.0, 0.15, n_lines)).astype(np.int64)
    referrer_home = rng.random(n_lines) < 0.55
    method = np.where(rng.random(n_lines) < 0.005, 1, 0)  # a few HEADs

    ips = pa.array(clients).take(pa.array(ip))
    paths = pa.array(pages.paths).take(pa.array(page))
    agents = pa.array(USER_AGENTS).take(pa.array(ua))
    referrers = pa.array(np.where(referrer_home, SITE + "/", "-"))
    methods = pa.array(np.array(["GET", "HEAD"])[method])
    status_code = np.array(STATUS)[status]
    sizes = pc.cast(pa.array(size), pa.string())
    no_body = (status_code == 304) | (method == 1)
    sizes = pc.if_else(pa.array(no_body), "-", sizes)

    # the RSS reader the course's DAG filters out
    n_filtered = max(3, round(FILTERED_SHARE * n_lines))
    filtered = np.zeros(n_lines, dtype=bool)
    filtered[rng.choice(n_lines, n_filtered, replace=False)] = True
    mask = pa.array(filtered)
    ips = pc.if_else(mask, FILTERED_IP, ips)
    paths = pc.if_else(mask, FEED_PATH, paths)
    agents = pc.if_else(mask, FEED_READER, agents)
    referrers = pc.if_else(mask, "-", referrers)
    methods = pc.if_else(mask, "GET", methods)
    status_text = pc.if_else(mask, "200", pc.cast(pa.array(status_code), pa.string()))

    # exactly one malformed line, as in the course's file: no closing quote after the user agent
    closing = np.full(n_lines, '"', dtype=object)
    closing[rng.choice(np.flatnonzero(~filtered))] = ""
    lines = pc.binary_join_element_wise(
        ips, " - - [", _log_times(seconds), '] "', methods, " ", paths, ' HTTP/1.1" ',
        status_text, " ", sizes, ' "', referrers, '" "', agents, pa.array(closing, pa.string()), "\n",
        "",
    )  # fmt: skip
    return string_array_bytes(lines)
