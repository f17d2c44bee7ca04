"""Reading a TOML configuration file and turning pydantic's errors into one line each.

Shared by the settings file (bot.config.settings) and the bans file (bot.config.bansfile): every
message
names the file, the table entry (a wiki, a ban) and the key, and never echoes a secret value.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.errors import ConfigError

WIKI_NAME = re.compile(r"[A-Za-z0-9_.-]+")  # our name of a wiki; also the default entry label


class Invalid(ValueError):
    """A validation problem whose key lies below the validator's own location.

    Raised inside pydantic validators; `loc` is appended to the validator's location, so a
    model validator can point at the exact key (`Invalid("ends before its start", "expires")`).
    """

    def __init__(self, message: str, *loc: str | int) -> None:
        super().__init__(message)
        self.loc = loc


def read_toml(path: str | Path) -> dict[str, Any]:
    """The parsed TOML file, or a one-line ConfigError (missing, unreadable, not UTF-8, syntax)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_toml(path, data)


def parse_toml(path: str | Path, data: bytes) -> dict[str, Any]:
    """`data` (the bytes of the file at `path`) parsed, or a one-line ConfigError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {one_line(str(exc))}") from None


def one_line(text: str) -> str:
    return " ".join(text.split())


_MESSAGES = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
    "string_type": "must be a quoted string",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "too_short": "must not be empty",
    "string_too_short": "must not be empty",
}


def error_message(err: Mapping[str, Any], known_keys: Iterable[str] = ()) -> tuple[tuple, str]:
    """(location, one-line message) of one pydantic error, without the input value."""
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    exc = ctx.get("error")
    kind = err["type"]
    if isinstance(exc, Invalid):
        return loc + exc.loc, one_line(str(exc))
    if isinstance(exc, Exception):
        return loc, one_line(str(exc))
    if kind == "extra_forbidden" and loc and isinstance(loc[-1], str):
        close = difflib.get_close_matches(loc[-1], list(known_keys), n=1)
        return loc, "unknown key" + (f" (did you mean '{close[0]}'?)" if close else "")
    if kind in ("greater_than_equal", "greater_than"):
        return loc, f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return loc, f"must be at most {ctx.get('le', ctx.get('lt'))}"
    return loc, _MESSAGES.get(kind) or one_line(str(err.get("msg", "invalid value")))


def entry_label(raw: Any, section: str, index: int, key: str = "name",
                pattern: re.Pattern[str] = WIKI_NAME) -> str:
    """`devwiki` for the entry's own name when it is valid, else `#3` (1-based)."""
    entries = raw.get(section) if isinstance(raw, dict) else None
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    name = entry.get(key) if isinstance(entry, dict) else None
    return name if isinstance(name, str) and pattern.fullmatch(name) else f"#{index + 1}"


def config_error(path: str | Path, loc: Sequence[str | int], message: str,
                 label: str = "") -> ConfigError:
    """`file: [label: ]key 'a.b'[, entry N]: message` as a ConfigError."""
    keys = [p for p in loc if isinstance(p, str)]
    entries = [p for p in loc if isinstance(p, int)]
    where = [str(path)] + ([label] if label else [])
    if keys:
        where.append(f"key '{'.'.join(keys)}'" + "".join(f", entry {i + 1}" for i in entries))
    return ConfigError(": ".join(where + [message]))


def first_error(path: str | Path, exc: ValidationError, raw: Any, *, section: str, noun: str,
                known_keys: Iterable[str], id_key: str = "name",
                id_pattern: re.Pattern[str] = WIKI_NAME) -> ConfigError:
    """The first pydantic error as a one-line ConfigError; `[[section]]` entries get a label."""
    loc, message = error_message(exc.errors()[0], known_keys)
    label = ""
    if len(loc) >= 2 and loc[0] == section and isinstance(loc[1], int):
        label = f"{noun} {entry_label(raw, section, loc[1], id_key, id_pattern)}"
        loc = loc[2:]
    return config_error(path, loc, message, label)
