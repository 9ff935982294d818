"""The Spark session's class archive (AppCDS of Spark's classes, spark/session.py): made on demand
beside the installation by the first session's JVM at its exit, then mapped by the next sessions'
JVMs, whatever their data dir; and ``stop_session``, which the jobs stop their session with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from softcart.core.settings import PROJECT_ROOT, load_settings
from spark.session import ClassArchive, class_archive

# a whole process with one session: prints whether its driver JVM maps the archive (/proc/PID/maps)
SESSION = """
import sys
from pyspark import SparkContext
from softcart.core.settings import load_settings
from spark.session import build_session, class_archive, stop_session
settings = load_settings()
spark = build_session(settings, "softcart-archive-test")
assert spark.range(5).count() == 5
archive = class_archive(settings)
with open(f"/proc/{SparkContext._gateway.proc.pid}/maps") as maps:
    print("mapped" if str(archive.path) in maps.read() else "not mapped")
# stop_session stops without waiting for the accumulator server: a new session starts and runs after it
stop_session(spark)
assert SparkContext._active_spark_context is None
again = build_session(settings, "softcart-archive-test-2")
assert again.range(3).count() == 3
stop_session(again)
"""


def test_archive_options(tmp_path: Path) -> None:
    archive = ClassArchive(tmp_path / "spark.jsa")
    pending = tmp_path / "spark.jsa.tmp-1"
    assert archive.java_options(pending)[0] == f"-XX:ArchiveClassesAtExit={pending}"
    assert archive.java_options(None) == ()
    archive.path.write_bytes(b"x")
    assert archive.java_options(pending)[0] == f"-XX:SharedArchiveFile={archive.path}"


def test_the_archive_is_the_installations_not_the_data_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOFTCART_SPARK_CLASS_ARCHIVE_DIR"}
    archives = {class_archive(load_settings({**env, "SOFTCART_DATA_DIR": str(tmp_path / d)})) for d in "ab"}
    assert len(archives) == 1  # two data dirs, one archive
    (archive,) = archives
    assert archive is not None
    assert archive.path.parent == Path(sys.prefix) / "var" / "softcart" / "spark-class-archive"
    # an installation it cannot write to: the data dir's
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    settings = load_settings({**env, "SOFTCART_DATA_DIR": str(tmp_path / "a")})
    assert settings.spark_class_archive_dir == (tmp_path / "a" / "spark-class-archive").resolve()
    # and wherever the setting says
    settings = load_settings({**env, "SOFTCART_SPARK_CLASS_ARCHIVE_DIR": str(tmp_path / "jsa")})
    assert settings.spark_class_archive_dir == (tmp_path / "jsa").resolve()


def test_first_session_makes_the_archive_and_the_next_maps_it(tmp_path: Path) -> None:
    # an archive folder of its own: the installation's may hold the archive already
    folder = tmp_path / "archive"
    settings = load_settings(
        {"SOFTCART_DATA_DIR": str(tmp_path), "SOFTCART_SPARK_CLASS_ARCHIVE_DIR": str(folder)}
    )
    archive = class_archive(settings)
    assert archive is not None
    assert archive.path.parent == folder.resolve()
    assert not archive.exists
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTCART_")}
    env.update(
        {
            "SOFTCART_DATA_DIR": str(tmp_path),
            "SOFTCART_SPARK_CLASS_ARCHIVE_DIR": str(folder),
            "SOFTCART_SPARK_MASTER": "local[1]",
        }
    )

    def session() -> str:
        proc = subprocess.run(
            [sys.executable, "-c", SESSION], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout.strip().splitlines()[-1]

    assert session() == "not mapped"  # no archive yet: this one writes it at its JVM's exit
    assert archive.exists and archive.path.stat().st_size > 1_000_000
    assert [p.name for p in archive.path.parent.iterdir()] == [archive.path.name]  # no temporary left
    assert session() == "mapped"
