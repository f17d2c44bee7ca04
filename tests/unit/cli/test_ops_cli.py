"""Issue 6: `ibanbot status` and `ibanbot purge` through the CLI, the [operations] settings, the
scheduler's purge job and the supervisor's backoff (no wiki needed: nothing is polled)."""
from __future__ import annotations

import io
import json
import logging
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from bot.cli.entry import main
from bot.errors import WikiError
from bot.run.scheduler import build_scheduler
from bot.run.supervisor import Supervisor
from bot.storage import ReviewerStore, Store
from tests.storage_fixtures import detection


def _files(tmp_path, operations: str = "") -> str:
    (tmp_path / "bans.toml").write_text("", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        f'[database]\nurl = "sqlite:///db.sqlite3"\n{operations}\n'
        '[[wikis]]\nname = "w1"\napi = "http://127.0.0.1:9/api.php"\npoll_seconds = 10\n',
        encoding="utf-8")
    return str(tmp_path / "s.toml")


def cli(config: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--config", config, *argv])
    return code, out.getvalue(), err.getvalue()


def test_status_and_purge_commands(tmp_path):
    config = _files(tmp_path, "[operations]\nretention_days = 30\nstale_after_seconds = 60")
    assert cli(config, "db", "upgrade")[0] == 0
    code, out, _ = cli(config, "status", "--format", "json")
    rows = json.loads(out)
    assert code == 1 and [r["stream"] for r in rows] == ["recentchanges", "log:thanks"]
    assert rows[0]["warnings"] == ["never polled successfully"] and rows[0]["stale"]
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    now = datetime.now(UTC)
    for stream in ("recentchanges", "log:thanks"):
        store.ops.record_poll("w1", stream, now - timedelta(seconds=5))
    store.ops.record_poll("w1", "log:thanks", now, "wiki w1: HTTP 500")
    code, out, _ = cli(config, "status")
    assert code == 0 and "FAILING" in out and "last error: wiki w1: HTTP 500" in out
    assert cli(config, "status", "--max-age", "2")[0] == 1
    old, fresh = store.save_batch("w1", "rc", None, [detection("rev:1"), detection("rev:2")],
                                  now - timedelta(days=60))
    store.decide(old, "dismissed", "Rev", "", now - timedelta(days=31))
    store.decide(fresh, "confirmed", "Rev", "", now - timedelta(days=29))
    attempts = ReviewerStore(store.engine)
    attempts.record_attempt("Someone", "198.51.100.7", False, now - timedelta(days=31))
    attempts.record_attempt("Someone else", "198.51.100.8", False, now - timedelta(days=29))
    code, out, _ = cli(config, "purge")
    assert code == 0 and out.startswith("purged 1 decided item(s)")
    assert out.endswith(", and 1 review UI sign-in attempt(s) made before it\n")
    assert attempts.failures_since(now - timedelta(days=40)) == 1
    assert [i.id for i in store.list_items()] == [fresh]
    assert cli(config, "purge", "--days", "1")[1].startswith("purged 1 ")
    assert cli(config, "purge", "--days", "0")[0] == 2
    assert cli(config, "status", "--max-age", "-1")[0] == 2
    store.close()


@pytest.mark.parametrize("line, message", [
    ("retention_days = 0", "key 'operations.retention_days': must be at least 1"),
    ("lease_second = 3",
     "key 'operations.lease_second': unknown key (did you mean 'lease_seconds'?)"),
    ("max_backoff_seconds = \"x\"", "key 'operations.max_backoff_seconds': must be a whole"),
])
def test_operations_settings_errors(tmp_path, line, message):
    code, _, err = cli(_files(tmp_path, f"[operations]\n{line}"), "status")
    assert code == 2 and message in err and err.count("\n") == 1, err


class FailingPipeline:
    def fail(self, *args):
        raise WikiError("wiki w1: query recentchanges failed: ApiTimeoutError: no answer")

    poll = start_position = fail


def test_backoff_doubles_up_to_the_bound_and_one_warning_per_outage(tmp_path, caplog):
    config = _files(tmp_path, "[operations]\nmax_backoff_seconds = 45")
    app = App.load(config)
    app.ensure_schema()
    clock = [0.0]
    supervisor = Supervisor(app, clock=lambda: clock[0])
    app.pipeline = lambda wiki: FailingPipeline()
    caplog.set_level(logging.INFO)
    waits = []
    for _ in range(6):
        assert supervisor.poll("w1") is None
        waits.append(supervisor.next_try["w1"] - clock[0])
        assert supervisor.poll("w1") is None  # too early: skipped, no request, no log
        clock[0] = supervisor.next_try["w1"]
    assert waits == [10, 20, 40, 45, 45, 45]  # poll_seconds doubling, bounded
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "no answer" in warnings[0].getMessage()
    jobs = {job.id for job in build_scheduler(app, supervisor).get_jobs()}
    assert {"poll:w1", "purge"} <= jobs
    app.store.close()
