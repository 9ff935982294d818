"""`softcart dashboard` outside the browser: clear failures, the served folder, safe embedding."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from pathlib import Path

import pytest

from dashboards.cli import main
from dashboards.serve import make_server
from dashboards.site import embed_json, render_index, write_site
from softcart.core.settings import Settings, load_settings


def test_missing_marts_fail_with_a_clear_message(
    isolated: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(isolated, out=tmp_path / "site", serve=False, port=0) == 1
    err = capsys.readouterr().err
    assert "marts.fct_sales" in err and "softcart dbt build" in err
    assert not (tmp_path / "site" / "index.html").exists()


def test_unreachable_warehouse_fails_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(
        {"SOFTCART_DATA_DIR": str(tmp_path), "SOFTCART_POSTGRES_URL": "postgresql://nobody@127.0.0.1:9/none"}
    )
    assert main(settings, out=tmp_path / "site", serve=False, port=0) == 1
    assert "cannot reach the warehouse at postgresql://nobody@127.0.0.1:9/none" in capsys.readouterr().err


def test_default_folder_is_in_the_data_dir(marts: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(marts, out=None, serve=False, port=0) == 0
    index = marts.data_dir / "dashboard" / "index.html"
    assert capsys.readouterr().out.strip() == str(index)
    assert {p.name for p in (index.parent / "assets").iterdir()} >= {"chart.umd.min.js", "dashboard.js"}


def test_embedded_data_cannot_close_the_script_element() -> None:
    data = {"name": "</script><script>alert(1)</script><!--", "amp": "a & b"}
    text = embed_json(data)
    assert "<" not in text and ">" not in text
    assert json.loads(text) == data
    page = render_index(data)
    block = re.search(r'<script type="application/json" id="softcart-data">(.*?)</script>', page, re.S)
    assert block is not None and json.loads(block.group(1)) == data


def test_serve_answers_on_localhost(tmp_path: Path) -> None:
    write_site(tmp_path, {"marts": None})
    server = make_server(tmp_path, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as resp:
            assert resp.status == 200
            assert b'id="softcart-data"' in resp.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/assets/chart.umd.min.js", timeout=10) as resp:
            assert resp.read().startswith(b"/*!\n * Chart.js v4.6.1")
    finally:
        server.shutdown()
        server.server_close()
