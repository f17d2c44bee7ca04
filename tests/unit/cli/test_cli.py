"""The CLI through main(argv): exit codes, one-line errors, stdout only for output."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cli.entry import main
from bot.storage import Store
from detectors.model import Detection, Finding, Kind, UserRef
from tests.harness import Outcome

T = datetime(2026, 11, 27, 17, 15, 42, tzinfo=UTC)


@pytest.fixture
def config(tmp_path):
    (tmp_path / "settings.toml").write_text(
        '[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:9/api.php"\n'
        "max_retries = 0\nretry_wait = 1\n", encoding="utf-8")
    (tmp_path / "bans.toml").write_text(
        '[[ban]]\nid = "IB-1"\nbanned = ["Alice"]\nprotected = ["Bob"]\n'
        "start = 2026-11-01T00:00:00Z\n", encoding="utf-8")
    return tmp_path / "settings.toml"


def run(config, *argv, capsys) -> Outcome:
    code = main(["--config", str(config), *argv])
    cap = capsys.readouterr()
    return Outcome(code, cap.out, cap.err)


@pytest.fixture
def filled(config):
    store = Store(f"sqlite:///{config.parent / 'ibanbot.sqlite3'}")
    store.upgrade()
    det = Detection(wiki="devwiki", ban_id="IB-1", event_key="rev:5", actor=UserRef(2, "Alice"),
                    target="Bob", page="User talk:Bob", timestamp=T, revid=5,
                    findings=(Finding(Kind.USERSPACE, 1.0, "edited [[User talk:Bob]]", "Bob"),))
    store.save_batch("devwiki", "recentchanges", None, [det], T)
    return config


def test_queue_list_json_matches_design(filled, capsys):
    out = run(filled, "queue", "list", "--format", "json", capsys=capsys)
    assert out.code == 0 and out.err == ""
    (item,) = out.json()
    assert list(item)[:13] == ["id", "wiki", "ban_id", "actor", "target", "page", "revid",
                               "logid", "timestamp", "detected_at", "status", "source",
                               "findings"]
    assert item["timestamp"] == "2026-11-27T17:15:42Z" and item["logid"] is None
    assert item["findings"] == [{"kind": "userspace", "confidence": 1.0,
                                 "evidence": "edited [[User talk:Bob]]"}]


def test_queue_show_and_decide_with_audit(filled, capsys):
    shown = run(filled, "queue", "show", "1", capsys=capsys)
    assert shown.code == 0
    assert "http://127.0.0.1:9/index.php?diff=5" in shown.out and "userspace" in shown.out
    decided = run(filled, "queue", "decide", "1", "--decision", "confirmed", "--reviewer",
                  "Staffer", "--note", "clear breach", capsys=capsys)
    assert decided.code == 0 and "confirmed by Staffer" in decided.out
    assert run(filled, "queue", "list", "--status", "new", "--format", "json",
               capsys=capsys).json() == []
    shown = run(filled, "queue", "show", "1", capsys=capsys)
    assert "Staffer: confirmed (clear breach)" in shown.out
    audit = Store(f"sqlite:///{filled.parent / 'ibanbot.sqlite3'}").audit()
    assert [(a.actor, a.action, a.item_id) for a in audit] == [("Staffer", "decide", 1)]


@pytest.mark.parametrize("argv,code,fragment", [
    (["queue", "show", "99"], 1, "queue item 99 does not exist"),
    (["queue", "decide", "1", "--decision", "maybe", "--reviewer", "X"], 2, "invalid choice"),
    (["queue", "decide", "1", "--decision", "confirmed", "--reviewer", " "], 2, "--reviewer"),
    (["queue", "frobnicate"], 2, "invalid choice"),
    (["queue", "list", "--limit", "x"], 2, "must be a whole number, not 'x'"),
])  # a bare `ibanbot` prints its usage too: tests/unit/cli/test_cli_conventions.py
def test_errors_are_one_line_with_exit_codes(filled, capsys, argv, code, fragment):
    out = run(filled, *argv, capsys=capsys)
    assert out.code == code
    assert fragment in out.err and out.err.count("\n") == 1 and out.out == ""


def test_bad_config_exit_2_naming_file(tmp_path, capsys):
    bad = tmp_path / "settings.toml"
    bad.write_text("[[wikis]]\nname = 'x'\n", encoding="utf-8")
    out = run(bad, "queue", "list", capsys=capsys)
    assert out.code == 2 and "settings.toml" in out.err and out.err.count("\n") == 1
    missing = run(tmp_path / "nope.toml", "queue", "list", capsys=capsys)
    assert missing.code == 2 and "nope.toml" in missing.err


def test_bad_bans_file_exit_2_naming_ban_and_key(config, capsys):
    (config.parent / "bans.toml").write_text(
        '[[ban]]\nid = "IB-9"\nbanned = ["A"]\nprotected = ["B"]\n'
        "start = 2026-11-02T00:00:00Z\nexpires = 2026-11-01T00:00:00Z\n", encoding="utf-8")
    out = run(config, "bans", "list", capsys=capsys)
    assert out.code == 2 and "IB-9" in out.err and "expires" in out.err


def test_queue_needs_a_migrated_database(config, capsys):
    store = Store(f"sqlite:///{config.parent / 'ibanbot.sqlite3'}")
    store.upgrade()
    store.downgrade("base")
    out = run(config, "queue", "list", capsys=capsys)
    assert out.code == 1 and "db upgrade" in out.err


def test_unreachable_wiki_is_a_one_line_runtime_error(config, capsys):
    out = run(config, "run", "--once", capsys=capsys)
    assert out.code == 1 and "devwiki" in out.err
    assert "Traceback" not in out.err


def test_bans_list(config, capsys):
    out = run(config, "bans", "list", capsys=capsys)
    assert out.code == 0 and out.out.startswith("IB-1: Alice <-> Bob;")


def test_db_upgrade(config, capsys):
    out = run(config, "db", "upgrade", capsys=capsys)
    assert out.code == 0 and out.out.startswith("database at revision")
