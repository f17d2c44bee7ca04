"""A reload that drops more than half of the bans, or all: ERROR, staff warning, `status` exit 1,
until a later reload brings them back or staff acknowledge it (issue 13.2)."""
from __future__ import annotations

import io
import logging
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC

import pytest

from bot.app import App
from bot.cli.entry import main
from bot.pipeline.reload import RESTORED_BY, BansWatcher, drops_most, open_drop_warnings
from bot.storage.backfill import Ledger

BAN = ('[[ban]]\nid = "{id}"\nbanned = ["Alice{n}"]\nprotected = ["Bob{n}"]\n'
       'start = 2026-11-01T00:00:00Z\nconfidential = {secret}\n')
HEADER = "# the bans of the Trust & Safety team\n"


@pytest.mark.parametrize("before, dropped, after, warned", [
    (3, 2, 1, True),  # more than half gone
    (4, 2, 2, False),  # exactly half: no
    (1, 1, 0, True), (2, 2, 0, True),  # all of them
    (0, 0, 0, False),  # nothing was loaded
    (5, 2, 3, False),
    (4, 3, 4, True),  # three replaced by others: still most of the bans in force gone
])
def test_the_rule(before, dropped, after, warned):
    assert drops_most(before, dropped, after) is warned


def write(path, *ids: str) -> None:
    path.write_text(HEADER + "".join(
        BAN.format(id=i, n=n, secret="true" if i == "IB-SECRET" else "false")
        for n, i in enumerate(ids)), encoding="utf-8")


@pytest.fixture
def app(tmp_path):
    write(tmp_path / "bans.toml", "IB-1", "IB-2", "IB-SECRET")
    (tmp_path / "s.toml").write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite3"}"\n[bans]\nfile = "bans.toml"\n'
        '[[wikis]]\nname = "w1"\napi = "http://127.0.0.1:9/api.php"\n', encoding="utf-8")
    app = App.load(tmp_path / "s.toml")
    app.ensure_schema()
    yield app
    app.store.close()


def status(app) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--config", str(app.settings.path), "status"])
    return code, out.getvalue()


def test_dropped_bans_warn_until_they_are_back(app, tmp_path, caplog):
    watcher, bans = BansWatcher(app), tmp_path / "bans.toml"
    caplog.set_level(logging.DEBUG)
    write(bans, "IB-1")
    assert watcher.check()
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "dropped 2 of 3 ban(s)" in error.getMessage()
    (warning,) = open_drop_warnings(app.store)
    assert warning.kind == "bans-dropped" and "write it atomically" in warning.message
    code, out = status(app)
    assert code == 1 and f"problem: staff warning {warning.id}: bans file bans.toml" in out
    write(bans, "IB-1", "IB-2")  # one still missing: the warning stays
    assert watcher.check() and open_drop_warnings(app.store) == [warning]
    write(bans, "IB-1", "IB-2", "IB-SECRET")
    assert watcher.check() and open_drop_warnings(app.store) == []
    (done,) = Ledger(app.store).warnings(include_acknowledged=True)
    assert done.acknowledged_by == RESTORED_BY
    assert "problem: staff warning" not in status(app)[1]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "IB-SECRET" not in text and "Alice" not in text and "Bob" not in text


def test_staff_acknowledge_a_drop(app, tmp_path, caplog):
    watcher, bans = BansWatcher(app), tmp_path / "bans.toml"
    bans.write_text(HEADER, encoding="utf-8")  # the comment header only: valid, no ban
    assert watcher.check()
    (warning,) = open_drop_warnings(app.store)
    assert "reloaded with 0 ban(s): it dropped 3 of 3 ban(s)" in warning.message
    Ledger(app.store).acknowledge(warning.id, "Rita", app.now())
    assert open_drop_warnings(app.store) == []
    write(bans, "IB-1", "IB-2", "IB-SECRET")
    assert watcher.check()
    (done,) = Ledger(app.store).warnings(include_acknowledged=True)
    assert done.acknowledged_by == "Rita"  # never replaced by the bot's
    assert app.store.get_setting("bans_dropped") == "[]"


def test_a_hole_is_closed_only_by_a_backfill_that_finished(app, caplog, monkeypatch):
    from datetime import datetime

    from bot.errors import WikiError
    from bot.pipeline.coverage import open_holes
    from bot.pipeline.progress import Counts
    from bot.storage.coverage import Covered
    from bot.wiki.cursor import Position

    def pos(minute: int):
        return Position(datetime(2026, 12, 1, 12, minute, tzinfo=UTC), minute)

    def batch(ids, a, b):
        app.store.save_batch("w1", "recentchanges", pos(b).format(), [], app.now(),
                             covered=Covered(frozenset(ids), (pos(a).timestamp, a),
                                             (pos(b).timestamp, b)))

    batch({"IB-1", "IB-2", "IB-SECRET"}, 0, 5)
    batch({"IB-1", "IB-2"}, 5, 10)  # the confidential ban was out of the file meanwhile
    (hole,) = open_holes(app)
    assert (hole.ban_id, hole.stream, hole.start, hole.end) == (
        "IB-SECRET", "recentchanges", pos(5).timestamp, pos(10).timestamp)
    windows = []

    def window(w, on_progress=None):
        windows.append((w.ban.id, w.since, w.until))
        if len(windows) == 1:
            raise WikiError("wiki w1: cannot open http://127.0.0.1:9/api.php: connection refused")
        return Counts()

    monkeypatch.setattr(app.backfills, "run_window", window)
    caplog.set_level(logging.DEBUG)
    app.fill_holes("w1")  # the wiki fails: the hole stays, polling goes on
    assert open_holes(app) == [hole]
    assert "backfill of coverage holes interrupted" in caplog.text
    assert "IB-SECRET" not in caplog.text
    app.fill_holes("w1")
    assert open_holes(app) == []
    assert windows == [("IB-SECRET", pos(5).timestamp, pos(10).timestamp)] * 2
    app.fill_holes("w1")  # nothing left to read
    assert len(windows) == 2


def test_a_start_up_with_most_bans_watched_before_missing_warns(app, tmp_path, caplog):
    """`run` restarted while the file was half-written: the bans watched at the last saved
    poll (their coverage reaches the cursor) are compared with the file read now."""
    from bot.storage.coverage import Covered
    from bot.wiki.cursor import Position

    now = app.now().replace(microsecond=0)  # MediaWiki's timestamps have whole seconds
    app.store.save_batch("w1", "recentchanges", Position(now, 9).format(), [], now,
                         covered=Covered(frozenset({"IB-1", "IB-2", "IB-SECRET"}), (now, 1),
                                         (now, 9)))
    write(tmp_path / "bans.toml", "IB-1")
    BansWatcher(App.load(app.settings.path)).check_start()
    (warning,) = open_drop_warnings(app.store)
    assert "loaded at start-up with 1 ban(s): it dropped 2 of 3 ban(s)" in warning.message
    write(tmp_path / "bans.toml", "IB-1", "IB-2", "IB-SECRET")
    restarted = App.load(app.settings.path)
    BansWatcher(restarted).check_start()  # all back: acknowledged by the bot
    assert open_drop_warnings(app.store) == []
    restarted.store.close()
