"""The bans file: `[[ban]]` tables validated with pydantic and turned into `detectors.bans.Ban`.

`load_bans(path, wiki_names)` reads it once and returns a tuple of frozen `Ban`s; callers keep
it. Every bad input is a one-line `ConfigError` naming the file, the ban (`ban IB-2026-001`, or
`ban #3` when its id is missing or bad) and the key. Messages point at users by position
(`key 'protected', entry 2`), never by name, so they can go to logs even for confidential bans.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.config.tomlfile import Invalid, first_error, parse_toml, read_toml
from detectors.bans import ALL_WIKIS, Ban
from detectors.model import normalize_user_name

MAX_BAN_ID = 100  # characters; every database column holding a ban id takes this many
BAN_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.:/-]{{0,{MAX_BAN_ID - 1}}}")
_ILLEGAL_IN_NAMES = set("#<>[]|{}")
_TZ_EXAMPLE = "e.g. 2026-11-01T00:00:00Z"


def utc_datetime(value: Any) -> datetime:
    """A TOML offset date-time (to UTC) or date (midnight UTC); a local date-time is an error."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"needs a time zone, {_TZ_EXAMPLE}")
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    if isinstance(value, str):
        raise ValueError(f"must be a TOML date-time without quotes, {_TZ_EXAMPLE}")
    raise ValueError(f"must be a date-time, {_TZ_EXAMPLE}")


UtcDateTime = Annotated[datetime, PlainValidator(utc_datetime)]
Names = Annotated[tuple[StrictStr, ...], Field(min_length=1)]


def _check_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Each name non-empty, a possible MediaWiki user name, and listed once."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = normalize_user_name(name)
        if not key or any(not c.isprintable() for c in name):
            raise Invalid("must be a user name, not empty or blank", i)
        if _ILLEGAL_IN_NAMES & set(name):
            raise Invalid("contains a character user names cannot have (# < > [ ] | { })", i)
        if key in seen:
            raise Invalid(f"the same user as entry {seen[key] + 1}", i)
        seen[key] = i
    return names


def _check_aliases(value: Any) -> dict[str, tuple[str, ...]]:
    """`{ Account = ["nickname", ...] }`: positions, not names, in messages."""
    if not isinstance(value, dict):
        raise ValueError('must be a table, e.g. { Bob = ["Bobby"] }')
    aliases: dict[str, tuple[str, ...]] = {}
    for pos, (account, nicknames) in enumerate(value.items(), start=1):
        if not isinstance(nicknames, list) or not nicknames:
            raise ValueError(f"account {pos}: must be a non-empty list of quoted strings")
        for k, nick in enumerate(nicknames, start=1):
            if not isinstance(nick, str) or not nick.strip():
                raise ValueError(f"account {pos}, nickname {k}: must be a non-empty quoted string")
        aliases[account] = tuple(nicknames)
    return aliases


class BanEntry(BaseModel):
    """One `[[ban]]` table as written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: StrictStr
    banned: Names
    protected: Names
    two_way: StrictBool = True
    wikis: Annotated[tuple[StrictStr, ...], Field(min_length=1)] = (ALL_WIKIS,)
    start: UtcDateTime
    expires: UtcDateTime | None = None
    exempt_pages: tuple[StrictStr, ...] = ()
    confidential: StrictBool = False
    note: StrictStr = ""
    aliases: Annotated[dict[str, tuple[str, ...]], PlainValidator(_check_aliases)] = {}

    _names = field_validator("banned", "protected")(_check_names)

    @field_validator("id")
    @classmethod
    def _id(cls, ban_id: str) -> str:
        if not BAN_ID.fullmatch(ban_id):
            raise ValueError("must be letters, digits and _ . : / - (e.g. IB-2026-001)")
        return ban_id

    @field_validator("wikis")
    @classmethod
    def _wikis(cls, wikis: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        known = (info.context or {}).get("wikis") if isinstance(info.context, dict) else None
        for i, wiki in enumerate(wikis):
            if known is not None and wiki != ALL_WIKIS and wiki not in known:
                raise Invalid(f"unknown wiki '{wiki}' (settings define: {', '.join(known)}; "
                              f'"*" means every wiki)', i)
        return wikis

    @field_validator("exempt_pages")
    @classmethod
    def _pages(cls, pages: tuple[str, ...]) -> tuple[str, ...]:
        for i, page in enumerate(pages):
            if not page.strip():
                raise Invalid("must be a page title or pattern, not empty", i)
        return pages

    @model_validator(mode="after")
    def _consistent(self) -> BanEntry:
        banned = {normalize_user_name(n): i for i, n in enumerate(self.banned)}
        for j, name in enumerate(self.protected):
            if normalize_user_name(name) in banned:
                raise Invalid(f"the same user as 'banned' entry "
                              f"{banned[normalize_user_name(name)] + 1}", "protected", j)
        if self.expires is not None and self.expires <= self.start:
            raise Invalid("ends before its start" if self.expires < self.start
                          else "is the same as its start (the ban would never apply)", "expires")
        self._check_alias_accounts(set(banned) | {normalize_user_name(n) for n in self.protected})
        return self

    def _check_alias_accounts(self, users: set[str]) -> None:
        seen: dict[str, int] = {}
        for pos, account in enumerate(self.aliases, start=1):
            key = normalize_user_name(account)
            if key not in users:
                raise Invalid(f"account {pos} is not one of this ban's users "
                              f"(banned or protected)", "aliases")
            if key in seen:
                raise Invalid(f"account {pos} is the same user as account {seen[key]}", "aliases")
            seen[key] = pos

    def to_ban(self) -> Ban:
        return Ban(id=self.id, banned=self.banned, protected=self.protected, start=self.start,
                   two_way=self.two_way, wikis=self.wikis, expires=self.expires,
                   exempt_pages=self.exempt_pages, confidential=self.confidential,
                   note=self.note, aliases=tuple(self.aliases.items()))


class BansFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ban: tuple[BanEntry, ...] = ()

    @field_validator("ban", mode="before")
    @classmethod
    def _array(cls, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError("must be an array of tables: write [[ban]] above each ban")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> BansFile:
        seen: dict[str, int] = {}
        for i, entry in enumerate(self.ban):
            if entry.id in seen:
                raise Invalid(f"duplicate id (also ban #{seen[entry.id] + 1})", "ban", i, "id")
            seen[entry.id] = i
        return self


_BAN_KEYS = frozenset(BanEntry.model_fields) | {"ban"}


def load_bans(path: str | Path, wiki_names: Iterable[str], data: bytes | None = None
              ) -> tuple[Ban, ...]:
    """Read and validate the bans file; `wiki_names` are the configured wikis ("*" = all).

    `data`, when given, is the file's content already read (so that what was checked is what
    is loaded)."""
    raw = read_toml(path) if data is None else parse_toml(path, data)
    try:
        parsed = BansFile.model_validate(raw, context={"wikis": tuple(wiki_names)})
    except ValidationError as exc:
        raise first_error(path, exc, raw, section="ban", noun="ban", known_keys=_BAN_KEYS,
                          id_key="id", id_pattern=BAN_ID) from None
    return tuple(entry.to_ban() for entry in parsed.ban)
