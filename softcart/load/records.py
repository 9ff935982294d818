"""Which dataset the sources hold: a record written into each source by the load that filled it.

Every ``softcart load`` gets a load id and, once everything it wrote has committed, records
``{load_id, dataset, fingerprint, replaced}`` in each source it wrote to: the MySQL table
``softcart_loads`` (sql_bootstrap/mysql/), the MongoDB collection ``softcart_loads`` beside the
catalog, and the landing folder's manifest. The record lives with the data it describes: a purged
or replaced server has no record (or another one), so nothing can claim a load that is gone.

"Already loaded" means the newest record of every source names this dataset with the same load id
(one load filled them all), never "the sources equal its files": the sources are live after a load.
Ingestion reads the newest *replacing* load of a source (its generation) and refreshes the
source's streams when it changed (ingest/sources/).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from softcart.core.settings import Settings

TABLE = "softcart_loads"  # MySQL table and MongoDB collection (the same name in both)


@dataclass(frozen=True)
class LoadRecord:
    load_id: str
    dataset: str
    fingerprint: str
    replaced: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "load_id": self.load_id,
            "dataset": self.dataset,
            "fingerprint": self.fingerprint,
            "replaced": self.replaced,
        }


def fingerprint(dataset: Path) -> str:
    """A fingerprint of the dataset folder's files (names, sizes, modification times)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in dataset.iterdir() if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def new_record(dataset: Path, *, replaced: bool) -> LoadRecord:
    return LoadRecord(uuid.uuid4().hex, str(dataset.resolve()), fingerprint(dataset), replaced)


def write_mysql(settings: Settings, record: LoadRecord) -> None:
    from softcart.core.connections import mysql_connect

    conn = mysql_connect(settings)
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"INSERT INTO `{TABLE}` (load_id, dataset, fingerprint, replaced) VALUES (%s, %s, %s, %s)",
                (record.load_id, record.dataset, record.fingerprint, record.replaced),
            )
        conn.commit()
    finally:
        conn.close()


def write_mongo(settings: Settings, record: LoadRecord) -> None:
    from softcart.core.connections import mongo_client

    client = mongo_client(settings)
    try:
        client[settings.mongo_database][TABLE].insert_one(
            {**record.as_dict(), "_id": record.load_id, "loaded_at": datetime.now(UTC)}
        )
    finally:
        client.close()


def _from(row: dict[str, Any] | None) -> LoadRecord | None:
    if not row:
        return None
    return LoadRecord(
        str(row["load_id"]), str(row["dataset"]), str(row["fingerprint"]), bool(row["replaced"])
    )


def read_mysql(settings: Settings) -> LoadRecord | None:
    """The newest load recorded in MySQL (``None``: none, or no record table)."""
    import pymysql

    from softcart.core.connections import mysql_connect

    try:
        conn = mysql_connect(settings)
    except pymysql.err.OperationalError as exc:
        if exc.args and exc.args[0] == 1049:  # the database does not exist yet
            return None
        raise
    try:
        with conn.cursor(pymysql.cursors.DictCursor) as cur:
            try:
                cur.execute(
                    f"SELECT load_id, dataset, fingerprint, replaced FROM `{TABLE}` ORDER BY seq DESC LIMIT 1"
                )
            except pymysql.err.ProgrammingError:  # no record table: never loaded by softcart
                return None
            return _from(cur.fetchone())
    finally:
        conn.close()


def read_mongo(settings: Settings) -> LoadRecord | None:
    from softcart.core.connections import mongo_client

    client = mongo_client(settings)
    try:
        docs = list(client[settings.mongo_database][TABLE].find().sort("loaded_at", -1).limit(1))
    finally:
        client.close()
    return _from(docs[0] if docs else None)


def read_landing(settings: Settings) -> LoadRecord | None:
    from softcart.load.landing import read_load

    return _from(read_load(settings.landing_dir))


@dataclass(frozen=True)
class LoadedState:
    """What each source says it was loaded from, and whether that is ``dataset``."""

    loaded: bool
    reason: str


def loaded_state(settings: Settings, dataset: Path) -> LoadedState:
    """Whether one load of ``dataset`` filled every source (MySQL, MongoDB, landing) and is their newest."""
    wanted = fingerprint(dataset)
    path = str(dataset.resolve())
    records = {
        "MySQL": read_mysql(settings),
        "MongoDB": read_mongo(settings),
        "landing": read_landing(settings),
    }
    for where, record in records.items():
        if record is None:
            return LoadedState(False, f"{where} holds no record of a load")
        if record.dataset != path or record.fingerprint != wanted:
            return LoadedState(False, f"{where} was loaded from another dataset ({record.dataset})")
    if len({r.load_id for r in records.values() if r is not None}) != 1:
        return LoadedState(False, "the sources hold records of different loads (an interrupted load?)")
    return LoadedState(True, "every source holds this dataset (one load)")
