"""The bans file: exact Ban values from valid files, one one-line ConfigError per bad input."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config.bansfile import load_bans
from bot.config.settings import load_bans as via_settings
from bot.errors import ConfigError
from detectors.bans import Ban

ROOT = Path(__file__).resolve().parents[3]
WIKIS = ("devwiki", "testwiki")


def write(tmp_path: Path, text: str | bytes, name: str = "bans.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def ban(**keys: str) -> str:
    """One [[ban]] table: a valid minimal ban with `keys` replaced (None-valued keys dropped)."""
    fields = {"id": '"IB-1"', "banned": '["Alice"]', "protected": '["Bob"]',
              "start": "2026-11-01T00:00:00Z", **keys}
    return "[[ban]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)


def error_of(tmp_path: Path, text: str | bytes) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_bans(path, WIKIS)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    assert info.value.exit_code == 2
    return message


# (case id, file text, fragments the one-line message must contain)
BAD = [
    ("toml-syntax", '[[ban]]\nid = "IB-1"\nbanned = ["A",,]\n', ["TOML syntax error", "line 3"]),
    ("toml-duplicate-key", ban() + 'note = "a"\nnote = "b"\n', ["TOML syntax error", "line 7"]),
    ("unknown-top-key", ban() + "\n[[bans]]\nid = 'x'\n",
     ["key 'bans': unknown key (did you mean 'ban'?)"]),
    ("unknown-ban-key", ban(bannned='["Carol"]'),
     ["ban IB-1: key 'bannned': unknown key (did you mean 'banned'?)"]),
    ("single-table", '[ban]\nid = "IB-1"\n', ["key 'ban': must be an array of tables"]),
    ("missing-id", ban(id=None), ["ban #1: key 'id': required key is missing"]),
    ("missing-banned", ban(banned=None), ["ban IB-1: key 'banned': required key is missing"]),
    ("missing-protected", ban(protected=None), ["ban IB-1: key 'protected': required key"]),
    ("missing-start", ban(start=None), ["ban IB-1: key 'start': required key is missing"]),
    ("id-not-string", ban(id="5"), ["ban #1: key 'id': must be a quoted string"]),
    ("id-bad-chars", ban(id='"IB 1"'), ["ban #1: key 'id': must be letters"]),
    ("id-empty", ban(id='""'), ["ban #1: key 'id': must be letters"]),
    ("name-integer", ban(banned="[1234]"),
     ["ban IB-1: key 'banned', entry 1: must be a quoted string"]),
    ("name-float", ban(banned="[1e3]"), ["key 'banned', entry 1: must be a quoted string"]),
    ("name-hex", ban(protected="[0x10]"), ["key 'protected', entry 1: must be a quoted string"]),
    ("name-bool", ban(banned='["Alice", true]'),
     ["key 'banned', entry 2: must be a quoted string"]),
    ("names-not-list", ban(banned='"Alice"'), ["ban IB-1: key 'banned': must be a list"]),
    ("banned-empty", ban(banned="[]"), ["ban IB-1: key 'banned': must not be empty"]),
    ("protected-empty", ban(protected="[]"), ["ban IB-1: key 'protected': must not be empty"]),
    ("name-empty", ban(protected='[""]'), ["key 'protected', entry 1: must be a user name"]),
    ("name-blank", ban(banned='["Alice", "  _ "]'), ["key 'banned', entry 2: must be a user name"]),
    ("name-illegal-char", ban(banned='["Al|ice"]'), ["key 'banned', entry 1: contains a char"]),
    ("same-user-both-sides", ban(banned='["Carol", "Alice"]', protected='["alice"]'),
     ["ban IB-1: key 'protected', entry 1: the same user as 'banned' entry 2"]),
    ("same-user-normalized", ban(banned='["alice_Smith"]', protected='["Alice Smith"]'),
     ["key 'protected', entry 1: the same user as 'banned' entry 1"]),
    ("same-user-twice", ban(banned='["Alice", "Carol", "Alice "]'),
     ["ban IB-1: key 'banned', entry 3: the same user as entry 1"]),
    ("duplicate-id", ban() + ban(banned='["Carol"]'),
     ["ban IB-1: key 'id': duplicate id (also ban #1)"]),
    ("unknown-wiki", ban(wikis='["devwiki", "enwiki"]'),
     ["ban IB-1: key 'wikis', entry 2: unknown wiki 'enwiki'", "devwiki, testwiki"]),
    ("wikis-empty", ban(wikis="[]"), ["ban IB-1: key 'wikis': must not be empty"]),
    ("wikis-not-list", ban(wikis='"*"'), ["ban IB-1: key 'wikis': must be a list"]),
    ("expires-before-start", ban(expires="2026-10-01T00:00:00Z"),
     ["ban IB-1: key 'expires': ends before its start"]),
    ("expires-equals-start", ban(expires="2026-11-01T01:00:00+01:00"),
     ["ban IB-1: key 'expires': is the same as its start"]),
    ("start-without-zone", ban(start="2026-11-01T00:00:00"),
     ["ban IB-1: key 'start': needs a time zone, e.g. 2026-11-01T00:00:00Z"]),
    ("expires-without-zone", ban(expires="2027-01-01 12:00:00"),
     ["ban IB-1: key 'expires': needs a time zone"]),
    ("start-quoted", ban(start='"2026-11-01T00:00:00Z"'),
     ["ban IB-1: key 'start': must be a TOML date-time without quotes"]),
    ("start-time-only", ban(start="07:30:00"), ["ban IB-1: key 'start': must be a date-time"]),
    ("exempt-empty-entry", ban(exempt_pages='["Project:X", " "]'),
     ["ban IB-1: key 'exempt_pages', entry 2: must be a page title or pattern"]),
    ("exempt-not-list", ban(exempt_pages='"Project:X"'), ["key 'exempt_pages': must be a list"]),
    ("alias-unknown-account", ban(aliases='{ Bob = ["Bobby"], Zed = ["Z"] }'),
     ["ban IB-1: key 'aliases': account 2 is not one of this ban's users"]),
    ("alias-account-twice", ban(aliases='{ Bob = ["B"], bob = ["Bobby"] }'),
     ["ban IB-1: key 'aliases': account 2 is the same user as account 1"]),
    ("alias-not-list", ban(aliases='{ Bob = "Bobby" }'),
     ["ban IB-1: key 'aliases': account 1: must be a non-empty list"]),
    ("alias-empty-nickname", ban(aliases='{ Bob = ["Bobby", ""] }'),
     ["key 'aliases': account 1, nickname 2: must be a non-empty quoted string"]),
    ("aliases-not-table", ban(aliases='["Bobby"]'), ["key 'aliases': must be a table"]),
    ("two-way-not-bool", ban(two_way='"yes"'), ["ban IB-1: key 'two_way': must be true or false"]),
    ("confidential-not-bool", ban(confidential="1"), ["key 'confidential': must be true or false"]),
    ("note-not-string", ban(note="5"), ["ban IB-1: key 'note': must be a quoted string"]),
    ("second-ban-labelled", ban() + ban(id='"IB-2"', start=None),
     ["ban IB-2: key 'start': required key is missing"]),
    ("bad-id-labelled-by-position", ban() + ban(id="[2]", start=None), ["ban #2: key 'id'"]),
    ("not-utf8", b'[[ban]]\nid = "IB-1"\nnote = "caf\xe9"\n', ["not UTF-8 text"]),
]


@pytest.mark.parametrize("text,fragments", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_bans_file_is_one_line_error(tmp_path: Path, text: str, fragments: list[str]) -> None:
    message = error_of(tmp_path, text)
    for fragment in fragments:
        assert fragment in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: file not found$"):
        load_bans(path, WIKIS)


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_bans(tmp_path, WIKIS)


def test_case_after_the_first_letter_matters(tmp_path: Path) -> None:
    text = ban(banned='["Alice_Smith"]', protected='["Alice smith"]')
    (found,) = load_bans(write(tmp_path, text), WIKIS)
    assert found.banned == ("Alice_Smith",) and found.protected == ("Alice smith",)


def test_messages_never_name_users(tmp_path: Path) -> None:
    text = ban(banned='["Secretname"]', protected='["secretname"]', confidential="true")
    assert "ecretname" not in error_of(tmp_path, text)
    text = ban(aliases='{ Hiddenname = ["x"] }', confidential="true")
    assert "Hiddenname" not in error_of(tmp_path, text)


def test_full_ban_exact_values(tmp_path: Path) -> None:
    path = write(tmp_path, """
[[ban]]
id = "IB-2026-001"
banned = ["Alice", "Alice2"]
protected = ["Bob"]
two_way = false
wikis = ["devwiki"]
start = 2026-11-01T02:00:00+02:00
expires = 2027-05-01
exempt_pages = ["Project:Arbitration/*"]
confidential = true
note = "why"
aliases = { Bob = ["Bobby", "B."], alice2 = ["A2"] }
""")
    assert load_bans(path, WIKIS) == (Ban(
        id="IB-2026-001", banned=("Alice", "Alice2"), protected=("Bob",),
        start=datetime(2026, 11, 1, 0, 0, tzinfo=UTC), two_way=False, wikis=("devwiki",),
        expires=datetime(2027, 5, 1, 0, 0, tzinfo=UTC),
        exempt_pages=("Project:Arbitration/*",), confidential=True, note="why",
        aliases=(("Bob", ("Bobby", "B.")), ("alice2", ("A2",)))),)


def test_defaults(tmp_path: Path) -> None:
    (found,) = load_bans(write(tmp_path, ban()), WIKIS)
    assert found == Ban(id="IB-1", banned=("Alice",), protected=("Bob",),
                        start=datetime(2026, 11, 1, tzinfo=UTC))
    assert (found.two_way, found.wikis, found.expires, found.exempt_pages, found.confidential,
            found.note, found.aliases) == (True, ("*",), None, (), False, "", ())
    assert found.start.tzinfo is UTC
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.note = "x"  # type: ignore[misc]


def test_date_is_midnight_utc_and_offsets_become_utc(tmp_path: Path) -> None:
    (found,) = load_bans(write(tmp_path, ban(start="2026-11-01",
                                             expires="2026-11-02T01:30:00-05:00")), WIKIS)
    assert found.start == datetime(2026, 11, 1, tzinfo=UTC) and found.start.tzinfo is UTC
    assert found.expires == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)
    assert found.expires.tzinfo is UTC


MANGLE_PRONE = ["True", "1234", "No", "null", "0x10", "1e3", "~", "Yes", "false", "1.0",
                "2026-11-01", "on", "NaN"]


def test_mangle_prone_names_stay_strings(tmp_path: Path) -> None:
    quoted = ", ".join(f'"{n}"' for n in MANGLE_PRONE)
    (found,) = load_bans(write(tmp_path, ban(banned=f"[{quoted}]", protected='["Off"]',
                                             aliases='{ Off = ["0", "None"] }')), WIKIS)
    assert found.banned == tuple(MANGLE_PRONE)
    assert all(type(n) is str for n in found.banned)
    assert found.protected == ("Off",) and found.aliases == (("Off", ("0", "None")),)


def test_empty_file_means_no_bans(tmp_path: Path) -> None:
    assert load_bans(write(tmp_path, "# no bans yet\n"), WIKIS) == ()


def test_utf8_with_bom_and_non_ascii_names(tmp_path: Path) -> None:
    text = "\ufeff" + ban(banned='["Ærøskøbing", "用户"]')
    (found,) = load_bans(write(tmp_path, text), WIKIS)
    assert found.banned == ("Ærøskøbing", "用户")


def test_star_means_every_wiki_and_many_bans_keep_order(tmp_path: Path) -> None:
    text = ban(wikis='["*"]') + ban(id='"IB-2"', wikis='["testwiki", "*"]')
    found = load_bans(write(tmp_path, text), WIKIS)
    assert [b.id for b in found] == ["IB-1", "IB-2"]
    assert found[0].covers_wiki("anything") and found[1].wikis == ("testwiki", "*")


def test_wiki_names_from_any_iterable(tmp_path: Path) -> None:
    path = write(tmp_path, ban(wikis='["devwiki"]'))
    assert load_bans(path, iter(["devwiki"]))[0].wikis == ("devwiki",)
    with pytest.raises(ConfigError, match="unknown wiki 'devwiki'"):
        load_bans(path, [])


def test_example_bans_file_is_valid() -> None:
    bans = load_bans(ROOT / "config" / "bans.example.toml", ["devwiki"])
    assert len(bans) == 2
    two_way, one_way = bans
    assert two_way.two_way and not two_way.confidential
    assert not one_way.two_way and one_way.confidential
    assert one_way.expires is not None and one_way.exempt_pages and one_way.aliases
    assert one_way.note and "1234" in one_way.banned


def test_reexported_from_settings(tmp_path: Path) -> None:
    assert via_settings(write(tmp_path, ban()), WIKIS) == load_bans(tmp_path / "bans.toml", WIKIS)
