"""The fixed facts of the generated SoftCart world: calendar, countries, categories, product types.

Everything here is data, not randomness: the seed only decides who buys what and when.
Country and category names are the course's own (``DimCountry.csv``, ``DimCategory.csv``), so a
generated dataset and the real course files share their dimensions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# the world's calendar: every sale, search and dimension row falls in these four years
FIRST_DAY = dt.date(2019, 1, 1)
LAST_DAY = dt.date(2022, 12, 31)
N_DAYS = (LAST_DAY - FIRST_DAY).days + 1
# ecommerce.csv is the course's "2020 sales history for the dashboards"
ECOMMERCE_YEAR = 2020
# accesslog.txt covers the world's last week, like a web server log rotated weekly
ACCESSLOG_DAYS = 7

# DimCountry.csv of the course, in its order (countryid = position + 1)
COUNTRIES: tuple[str, ...] = (
    "Argentina", "Australia", "Austria", "Azerbaijan", "Belgium", "Brazil", "Bulgaria", "Canada",
    "Cyprus", "Czech Republic", "Denmark", "Egypt", "Estonia", "Finland", "France", "Germany",
    "Greece", "Hungary", "India", "Indonesia", "Ireland", "Israel", "Italy", "Japan", "Jordan",
    "Malaysia", "Mexico", "Netherlands", "New Zealand", "Norway", "Oman", "Peru", "Philippines",
    "Poland", "Portugal", "Qatar", "Russia", "Saudi Arabia", "Singapore", "South Africa",
    "South Korea", "Spain", "Sudan", "Sweden", "Switzerland", "Taiwan", "Tajikistan", "Thailand",
    "Turkey", "Ukraine", "United Arab Emirates", "United Kingdom", "United States", "Uruguay",
    "Uzbekistan", "Vietnam",
)  # fmt: skip

# relative size of each country's market (any country not named: SMALL_MARKET); the seed adds noise
BIG_MARKETS: dict[str, float] = {
    "United States": 10.0, "India": 6.0, "United Kingdom": 5.0, "Germany": 5.0, "Japan": 4.0,
    "France": 3.5, "Brazil": 3.0, "Canada": 3.0, "Australia": 2.5, "South Korea": 2.5, "Italy": 2.5,
    "Spain": 2.0, "Mexico": 2.0, "Indonesia": 2.0, "Russia": 2.0, "Netherlands": 1.5, "Turkey": 1.5,
    "Poland": 1.2, "Sweden": 1.0, "Switzerland": 1.0, "Saudi Arabia": 1.0, "Singapore": 0.8,
}  # fmt: skip
SMALL_MARKET = 0.4

# DimCategory.csv of the course, in its order (categoryid = position + 1)
CATEGORIES: tuple[str, ...] = ("Electronics", "Books", "Toys", "Sports", "Software")


@dataclass(frozen=True)
class ProductType:
    """One value of the catalog's ``type`` key and everything the world knows about it."""

    name: str  # catalog.json "type"
    category: str  # a DimCategory name
    item: str  # ecommerce.csv "item"
    share: float  # share of the catalog's documents
    popularity: float  # relative number of sales per product
    price_range: tuple[int, int]  # list price, whole currency units
    screen_sizes: tuple[float, ...]  # () = the document has no "screen size" key
    model_prefixes: tuple[str, ...]

    @property
    def category_id(self) -> int:
        return CATEGORIES.index(self.category) + 1


PRODUCT_TYPES: tuple[ProductType, ...] = (
    ProductType("smart phone", "Electronics", "Mobile", 0.16, 1.6, (120, 1500), (5.5, 6, 6.5, 6.7),
                ("platina", "bn", "cz", "xm", "c", "pk", "k")),
    ProductType("laptop", "Electronics", "Laptop", 0.40, 1.0, (450, 3200), (12, 13.3, 14, 15, 15.6, 17),
                ("qw", "c", "ay", "k", "zeta", "jl", "ki", "j", "kz")),
    ProductType("television", "Electronics", "Television", 0.08, 0.7, (200, 4000), (24, 32, 40, 48, 55, 65),
                ("jk", "k", "boom", "ss", "dj")),
    ProductType("tablet", "Electronics", "Tablet", 0.08, 1.0, (150, 1300), (8, 10, 10.9, 12.9),
                ("tab", "pad", "tx")),
    ProductType("e-reader", "Books", "E-reader", 0.06, 0.8, (80, 350), (6, 7, 8),
                ("kin", "ink", "page")),
    ProductType("game console", "Toys", "Game console", 0.07, 0.9, (180, 650), (),
                ("station", "box", "sw")),
    ProductType("smart watch", "Sports", "Smart watch", 0.08, 1.2, (60, 900), (1.4, 1.6, 1.9),
                ("fit", "run", "pulse")),
    ProductType("software", "Software", "Software", 0.07, 1.4, (15, 600), (),
                ("office", "guard", "studio", "cloud")),
)  # fmt: skip

LAPTOP_RAM: tuple[str, ...] = ("4GB", "8GB", "16GB", "32GB", "64GB")
LAPTOP_DISK: tuple[str, ...] = ("256GB", "500MB", "512GB", "1TB", "2TB")
# a few documents lack an optional key, as a real catalog does (the course's lacks none, but
# its key set already varies by type): share of laptops without "ram", without "hard disk",
# and of screen devices without "screen size"
MISSING_RAM = 0.03
MISSING_DISK = 0.04
MISSING_SCREEN = 0.02

# searchterms.csv: the course's ten terms plus a few for the generated world's other types
SEARCH_TERMS: tuple[tuple[str, float], ...] = (
    ("mobile 6 inch", 23.0),
    ("mobile 5g", 23.0),
    ("mobile latest", 13.0),
    ("laptop", 9.0),
    ("tablet wifi", 9.0),
    ("tablet 10 inch", 7.0),
    ("gaming laptop", 5.0),
    ("laptop 14 inch", 4.6),
    ("ebooks data science", 4.1),
    ("pen drive", 1.4),
    ("smart watch", 2.5),
    ("4k television", 2.0),
    ("game console", 2.0),
    ("e-reader", 1.2),
    ("antivirus", 0.8),
)

# the IP address the course's process_web_log DAG filters out
FILTERED_IP = "198.46.149.143"

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# DimDate's Weekday counts Sunday as 1
WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
