"""``softcart ingest --follow`` streams until SIGTERM/SIGINT and stops cleanly after a commit; the
lag ``softcart status`` shows; a 100,000-row transaction goes through in bounded memory."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from ingest.cli import reconcile
from ingest.follow import stream_lag
from softcart.core.settings import Settings
from tests.ingest.ingest_helpers import (
    ingest,
    ingest_process,
    insert_sales,
    mysql_exec,
    pg_one,
    sales_rows,
    source_sales,
)

SALES = "mysql_sales__sales_data"


def wait_for(settings: Settings, query: str, expected: object, proc: subprocess.Popen[str]) -> None:
    """Poll the warehouse until ``query`` gives ``expected`` (the follower works in the background)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if pg_one(settings, query) == expected:
            return
        time.sleep(0.1)
    pytest.fail(f"{query} never gave {expected!r} (follower exit code {proc.poll()})")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_follow_streams_changes_and_stops_cleanly(isolated: Settings, sig: signal.Signals) -> None:
    insert_sales(isolated, sales_rows(50))
    proc = ingest_process(isolated, "--follow", "-s", SALES)
    wait_for(isolated, "select count(*) from raw.mysql_sales__sales_data", 50, proc)  # the snapshot
    insert_sales(isolated, sales_rows(10, start=51))
    mysql_exec(
        isolated,
        "DELETE FROM sales_data WHERE rowid <= 5",
        "UPDATE sales_data SET quantity = 7 WHERE rowid = 9",
    )
    wait_for(isolated, "select count(*) from raw.mysql_sales__sales_data where _softcart_op <> 'r'", 16, proc)
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert f"stopped by {sig.name}" in out
    # every round committed or rolled back whole: none left running, the state is the source's
    assert pg_one(isolated, "select count(*) from softcart_meta.ingest_runs where status <> 'succeeded'") == 0
    assert reconcile(isolated) == 0
    assert ingest(isolated, SALES) == 0  # nothing was left half-read
    assert pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data") == 66


def test_lag_shows_how_far_a_stream_is_behind(isolated: Settings) -> None:
    insert_sales(isolated, sales_rows(10))
    assert ingest(isolated) == 0
    [caught_up] = [g for g in stream_lag(isolated) if g.stream == SALES]
    assert caught_up.bytes_behind == 0 and caught_up.seconds_behind == 0
    insert_sales(isolated, sales_rows(10, start=11))
    [behind] = [g for g in stream_lag(isolated) if g.stream == SALES]
    assert behind.bytes_behind is not None and behind.bytes_behind > 0
    assert behind.position == caught_up.position != behind.source_end


def _peak_mb_of_catch_up(isolated: Settings) -> float:
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, SALES], env=isolated.env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return int(proc.stdout.split()[-1]) / 1024


def test_a_100k_row_transaction_in_bounded_memory(isolated: Settings) -> None:
    # the same catch-up of one transaction at 10,000 and at 100,000 changed rows: the process's
    # peak must not grow with the transaction (the rows stream through in batches)
    insert_sales(isolated, sales_rows(10_000))
    assert ingest(isolated, SALES) == 0
    mysql_exec(isolated, "UPDATE sales_data SET quantity = quantity + 1")  # one transaction, 10,000 rows
    small_mb = _peak_mb_of_catch_up(isolated)
    insert_sales(isolated, sales_rows(90_000, start=10_001))
    assert ingest(isolated, SALES) == 0
    mysql_exec(isolated, "UPDATE sales_data SET quantity = quantity + 1")  # one transaction, 100,000 rows
    big_mb = _peak_mb_of_catch_up(isolated)
    assert (
        pg_one(isolated, "select count(*) from raw.mysql_sales__sales_data where _softcart_op = 'u'")
        == 110_000
    )
    # holding the 100k change's 200k row images would add well over 100 MB; measured: ~110 MB in all
    assert big_mb - small_mb < 40, f"peak RSS {small_mb:.0f} MB at 10k rows, {big_mb:.0f} MB at 100k"
    assert big_mb < 250, f"peak RSS {big_mb:.0f} MB"
    rows = pg_one(
        isolated,
        "select count(*) from (select distinct on (rowid) quantity, rowid from raw.mysql_sales__sales_data"
        " order by rowid, _softcart_seq desc) c",
    )
    assert rows == len(source_sales(isolated))


# the ingest in a child process that prints its own peak RSS (KiB) last: VmHWM, the high-water mark
# of this process's own memory. Not getrusage's ru_maxrss: Linux carries the parent's high-water
# mark across fork and exec into it, so inside the whole suite (a pytest process of ~300 MB) it
# showed the suite's size, not the ingest's
_MEASURE = """
import sys
from ingest.cli import main
from softcart.core.settings import load_settings
code = main(load_settings(), [sys.argv[1]], False)
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
sys.exit(code)
"""
