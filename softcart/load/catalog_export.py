"""``softcart export-catalog --out F --fields _id,type,model``: what the course does with
``mongoexport --type=csv`` (which cannot be installed here).

Like mongoexport: a header line of the field names, then one line per document in natural order;
a missing field is an empty cell, ``_id`` is the ObjectId's hex, ``a.b`` reaches into a subdocument,
and arrays or subdocuments are written as JSON.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo.errors import PyMongoError
from rich.console import Console

from softcart.core.connections import mongo_client
from softcart.core.settings import Settings


def _lookup(document: dict[str, Any], field: str) -> Any:
    if field in document:
        return document[field]
    value: Any = document
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def export_catalog(settings: Settings, out: Path, fields: list[str]) -> int:
    """Write the CSV atomically; return the number of documents written."""
    client = mongo_client(settings)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        collection = client[settings.mongo_database][settings.mongo_collection]
        projection = {f: 1 for f in fields} if "_id" in fields else {"_id": 0, **{f: 1 for f in fields}}
        out.parent.mkdir(parents=True, exist_ok=True)
        count = 0
        with tmp.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(fields)
            for document in collection.find({}, projection):
                writer.writerow([cell(_lookup(document, field)) for field in fields])
                count += 1
        os.replace(tmp, out)
        return count
    finally:
        tmp.unlink(missing_ok=True)
        client.close()


def main(settings: Settings, out: Path, fields: list[str]) -> int:
    console = Console()
    fields = [f.strip() for f in fields if f.strip()]
    if not fields:
        console.print("[bold red]export failed:[/] --fields is empty (e.g. --fields _id,type,model)")
        return 1
    target = f"{settings.mongo_database}.{settings.mongo_collection}"
    try:
        count = export_catalog(settings, out, fields)
    except PyMongoError as exc:
        console.print(
            f"[bold red]export failed:[/] MongoDB at {settings.mongo.redacted}: {exc}", highlight=False
        )
        return 1
    except OSError as exc:
        console.print(f"[bold red]export failed:[/] {out}: {exc.strerror or exc}", highlight=False)
        return 1
    console.print(f"exported {count:,} documents of {target} ({', '.join(fields)}) to {out}")
    return 0
