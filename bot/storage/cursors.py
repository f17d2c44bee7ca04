"""Cursors (per wiki and stream, opaque strings) and settings (key/value text).

Both are upserts done portably: update, and insert when no row matched. Functions take a
Connection inside a transaction the Store opened.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from bot.storage.records import to_db_time
from bot.storage.schema import check_lengths, cursors, settings, upsert


def get_cursor(conn: Connection, wiki: str, stream: str) -> str | None:
    c = cursors.c
    return conn.execute(select(c.value).where(c.wiki == wiki, c.stream == stream)
                        ).scalar_one_or_none()


def set_cursor(conn: Connection, wiki: str, stream: str, value: str, at: datetime) -> None:
    check_lengths("cursors", {"wiki": wiki, "stream": stream}, f"cursor {wiki[:64]}/{stream[:64]}")
    upsert(conn, cursors, {"wiki": wiki, "stream": stream},
           {"value": value, "updated_at": to_db_time(at)})


def get_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(settings.c.value).where(settings.c.key == key)
                        ).scalar_one_or_none()


def set_setting(conn: Connection, key: str, value: str) -> None:
    check_lengths("settings", {"key": key}, f"setting {key[:40]!r}")
    upsert(conn, settings, {"key": key}, {"value": value})
