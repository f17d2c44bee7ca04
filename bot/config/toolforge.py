"""Toolforge: the ToolsDB (MariaDB) URL from the tool's credentials file.

Every Toolforge tool has `$HOME/replica.my.cnf` (a MySQL option file, readable by the tool only)
with the tool's database user and password. With `[database] toolsdb = "ibanbot"` in the
settings (and `IBANBOT_DATABASE_URL` unset), the bot connects to
`mysql+pymysql://<user>:<password>@tools.db.svc.wikimedia.cloud/<user>__ibanbot`. The password
never appears in messages or logs.
"""
from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.errors import ConfigError

TOOLSDB_HOST = "tools.db.svc.wikimedia.cloud"
DEFAULT_CREDENTIALS = "~/replica.my.cnf"
_DB_SUFFIX = re.compile(r"[A-Za-z0-9_]{1,48}")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def read_credentials(path: Path) -> tuple[str, str]:
    """(user, password) from the [client] section of a MySQL option file."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the ToolsDB credentials file: "
                          f"{exc.strerror or type(exc).__name__}") from None
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error:
        raise ConfigError(f"{path}: not a MySQL option file ([client] user=, password=)") \
            from None
    if not parser.has_section("client"):
        raise ConfigError(f"{path}: no [client] section")
    user = _unquote(parser.get("client", "user", fallback=""))
    password = _unquote(parser.get("client", "password", fallback=""))
    if not user or not password:
        raise ConfigError(f"{path}: [client] needs both user and password")
    return user, password


def toolsdb_url(database: str, credentials: Path) -> str:
    """The SQLAlchemy URL of the tool's database `<user>__<database>` on ToolsDB."""
    user, password = read_credentials(credentials)
    name = database if database.startswith(f"{user}__") else f"{user}__{database}"
    return (f"mysql+pymysql://{quote(user, safe='')}:{quote(password, safe='')}@{TOOLSDB_HOST}"
            f"/{quote(name, safe='')}?charset=utf8mb4")


def apply_toolsdb(settings_path: str | Path, database: dict[str, Any], base: Path
                  ) -> dict[str, Any]:
    """`[database]` with `url` built from `toolsdb` (when set); errors name the key."""
    name = database.get("toolsdb")
    if name is None:
        return database
    where = f"{settings_path}: key 'database.toolsdb'"
    if not isinstance(name, str) or not _DB_SUFFIX.fullmatch(name.split("__")[-1]):
        raise ConfigError(f"{where}: must be a database name such as \"ibanbot\" "
                          "(letters, digits and '_')")
    if "url" in database:
        raise ConfigError(f"{where}: set either database.url or database.toolsdb, not both")
    cnf = database.get("toolsdb_credentials", DEFAULT_CREDENTIALS)
    if not isinstance(cnf, str) or not cnf.strip():
        raise ConfigError(f"{settings_path}: key 'database.toolsdb_credentials': must be a "
                          "file path")
    path = (base / Path(cnf).expanduser()).resolve()
    return {**database, "url": toolsdb_url(name, path)}
