"""Screenshot a built dashboard with Debian's chromium (for docs/img/dashboard.png).

    .venv/bin/python -m dashboards.screenshot .softcart/dashboard/index.html docs/img/dashboard.png

Needs Playwright (a dev dependency) and /usr/bin/chromium (scripts/install_chromium.sh).
"""

from __future__ import annotations

import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def screenshot(index: Path, out: Path, fragment: str = "", width: int = 1280) -> list[str]:
    """Write a full-page PNG of ``index``; returns the page's console errors (empty when clean)."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(index.resolve().as_uri() + fragment)
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=15_000)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
        finally:
            browser.close()
    return errors


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: python -m dashboards.screenshot INDEX_HTML OUT_PNG [#fragment]", file=sys.stderr)
        return 2
    index = Path(argv[0])
    if not index.is_file():
        print(f"error: {index}: no such file (build it with `softcart dashboard`)", file=sys.stderr)
        return 1
    errors = screenshot(index, Path(argv[1]), argv[2] if len(argv) == 3 else "")
    for error in errors:
        print(f"console error: {error}", file=sys.stderr)
    print(argv[1])
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
