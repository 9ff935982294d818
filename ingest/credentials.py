"""The account ingestion reads MySQL with: the read-only ``settings.mysql_reader_user`` (least
privilege; created by ``softcart.load.bootstrap`` on the project's server, by the DBA elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass

from softcart.core.credentials import reader_password
from softcart.core.settings import Settings

# the one switch: False reads with the admin URL's account (only for a server without the reader)
USE_READER_ACCOUNT = True


@dataclass(frozen=True)
class MysqlLogin:
    host: str
    port: int
    user: str
    password: str
    database: str


def mysql_reader_login(settings: Settings) -> MysqlLogin:
    url = settings.mysql
    database = url.database or "sales"
    if USE_READER_ACCOUNT:
        return MysqlLogin(url.host, url.port, settings.mysql_reader_user, reader_password(settings), database)
    return MysqlLogin(url.host, url.port, url.user or "root", url.password or "", database)
