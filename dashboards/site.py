"""Write the static site: ``index.html`` with the data embedded, and its assets.

The data goes into the page itself (a ``<script type="application/json">`` block), not into a
separate file: browsers refuse ``fetch()`` of a local file, and the page must open from file://.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS = ("chart.umd.min.js", "chart.js.LICENSE.md", "dashboard.js", "dashboard.css")
PLACEHOLDER = "__SOFTCART_DATA__"


def embed_json(data: Any) -> str:
    """JSON that is safe inside a <script> element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_index(data: Any) -> str:
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    if template.count(PLACEHOLDER) != 1:
        raise RuntimeError(f"{STATIC_DIR / 'index.html'}: expected one {PLACEHOLDER} placeholder")
    return template.replace(PLACEHOLDER, embed_json(data))


def write_site(out: Path, data: Any) -> Path:
    """Write ``out/index.html`` and ``out/assets/*``; returns the index path."""
    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        shutil.copyfile(STATIC_DIR / name, assets / name)
    index = out / "index.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(render_index(data), encoding="utf-8")
    tmp.replace(index)
    return index
