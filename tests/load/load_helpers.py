"""Helpers for the loader's tests: dataset folders made of real course files or small texts, and a
snapshot of every target (MySQL tables, MongoDB collection, landing folder) to prove "unchanged"."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pymongo
import pymysql
from rich.console import Console

from softcart.core.settings import Settings
from softcart.load.cli import Loaded, load_dataset


def mysql_rows(settings: Settings, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    my = settings.mysql
    conn = pymysql.connect(
        host=my.host, port=my.port, user=my.user or "root", password=my.password or "", database=my.database
    )
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())
    finally:
        conn.close()


def mongo_collection(settings: Settings) -> pymongo.collection.Collection[dict[str, Any]]:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(settings.mongo.raw)
    return client[settings.mongo_database][settings.mongo_collection]


def snapshot(settings: Settings, *, counters: bool = True) -> dict[str, Any]:
    """Everything `softcart load` may write, in a comparable form.

    ``counters=False`` leaves out the auto-increment counter, which InnoDB never rolls back (a
    rolled-back load leaves the rows as they were but the next rowid higher)."""
    landing = settings.landing_dir
    files = (
        {p.name: p.read_bytes() for p in sorted(landing.iterdir()) if p.is_file()} if landing.exists() else {}
    )
    collection = mongo_collection(settings)
    try:
        documents = sorted((str(d["_id"]), json.dumps(d, default=str)) for d in collection.find())
        collections = sorted(collection.database.list_collection_names())
    finally:
        collection.database.client.close()
    return {
        "sales_data": mysql_rows(settings, "SELECT * FROM sales_data ORDER BY rowid"),
        "customers": mysql_rows(settings, "SELECT * FROM customers ORDER BY customer_id"),
        "tables": sorted(r[0] for r in mysql_rows(settings, "SHOW TABLES")),
        "auto_increment": counters
        and mysql_rows(
            settings,
            "SELECT auto_increment FROM information_schema.tables WHERE table_schema = %s"
            " AND table_name = 'sales_data'",
            (settings.mysql.database,),
        ),
        "documents": documents,
        "collections": collections,
        "landing": files,
    }


def load(settings: Settings, dataset: Path, *, replace: bool = False) -> dict[str, int]:
    """Run the loader quietly; return rows by file."""
    loaded: list[Loaded] = load_dataset(
        settings, dataset, replace=replace, console=Console(file=io.StringIO())
    )
    return {item.file: item.rows for item in loaded}


class DatasetMaker:
    def __init__(self, root: Path, capstone: Path) -> None:
        self.root = root
        self.capstone = capstone
        self.count = 0

    def __call__(self, *course_files: str, **texts: str | bytes) -> Path:
        """A dataset folder with these course files (copied to tmp) and these texts (name__ext=...)."""
        self.count += 1
        folder = self.root / f"dataset{self.count}"
        folder.mkdir()
        for name in course_files:
            shutil.copyfile(self.capstone / name, folder / name)
        for key, body in texts.items():
            name = key.replace("__", ".")
            data = body.encode() if isinstance(body, str) else body
            (folder / name).write_bytes(data)
        return folder


def source_settings(stack: Settings, data_dir: Path) -> Settings:
    """Settings for fresh MySQL and MongoDB source databases on the test servers (no PostgreSQL:
    the loader does not use it), with the source schemas applied."""
    import uuid

    from softcart.core.settings import load_settings
    from softcart.load.bootstrap import apply_source_schemas
    from softcart.stack.accounts import mongo_users, mysql_accounts

    name = "tl_" + uuid.uuid4().hex[:10]
    env = dict(stack.env)
    env.update(
        {"SOFTCART_DATA_DIR": str(data_dir), "SOFTCART_MYSQL_DATABASE": name, "SOFTCART_MONGO_DATABASE": name}
    )
    settings = load_settings(env)
    mysql_accounts(settings)  # the databases, owned by the pipeline's account
    mongo_users(settings)
    apply_source_schemas(settings)
    return settings


def drop_sources(settings: Settings) -> None:
    my = settings.mysql
    conn = pymysql.connect(host=my.host, port=my.port, user=my.user or "root", password=my.password or "")
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{my.database}`")
    finally:
        conn.close()
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(settings.mongo.raw)
    try:
        client.drop_database(settings.mongo_database)
    finally:
        client.close()
