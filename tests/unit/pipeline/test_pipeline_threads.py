"""The pipeline and the App under the scheduler's threads: a reload or rename during a poll, the
registry rebuilt while identities are refreshed, the EventStreams reader surviving a bug
(no wiki, no network: tests.fakes around the real Pipeline, App and StreamRunner)."""
from __future__ import annotations

import threading
from datetime import timedelta

from bot.app import App
from bot.errors import WikiError
from bot.pipeline.join import Pipeline, PollResult
from bot.pipeline.streaming import StreamRunner
from bot.run.supervisor import Supervisor
from bot.wiki.cursor import Position
from bot.wiki.eventstreams import Routes
from detectors.base import DetectorLimits
from detectors.model import UserRef
from tests.core_helpers import WIKI, at, ban, edit, log_event, registry
from tests.fakes import FakeGateway, MemoryStore


def rename(when_minute: int):
    return log_event("Steward", "renameuser", "renameuser", "User:Old",
                     when=at(10) + timedelta(minutes=when_minute))


def test_bans_changed_during_a_poll_count_from_the_next_api_page():
    """A reload (or a rename refreshing identities) while a poll reads its pages: the rows of
    the pages read afterwards are prefiltered with the new registry, not dropped until the
    next poll (their cursor would have moved past them: lost)."""
    before, after = registry(ban()), registry(ban(), ban(id="IB-2", banned=("Carol",)))
    current = [before]
    gateway = FakeGateway(WIKI, recent=[[rename(0)], [edit("Carol", "Talk:Foo")]])
    pipeline = Pipeline(gateway, MemoryStore(), lambda: current[0], (), DetectorLimits(),
                        lambda: at(11), on_rename=lambda event: current.__setitem__(0, after))
    result = pipeline.poll(("recentchanges",))
    assert result.watched == 1 and result.renames == 1


def test_renames_refresh_identities_once_per_page():
    """Each refresh resolves every name of every ban on the wiki (API calls): once per page."""
    calls = []
    gateway = FakeGateway(WIKI, recent=[[rename(0), rename(1), rename(2)], [rename(3)]])
    pipeline = Pipeline(gateway, MemoryStore(), lambda: registry(ban()), (), DetectorLimits(),
                        lambda: at(11), on_rename=calls.append)
    result = pipeline.poll(("recentchanges",))
    assert result.renames == 4 and len(calls) == 2


def lookup() -> FakeGateway:
    """Wiki w1, where the bans' names are accounts."""
    return FakeGateway("w1", users={"Alice": UserRef(2, "Alice"), "Bob": UserRef(2, "Bob")})


def _app(tmp_path) -> App:
    (tmp_path / "bans.toml").write_text(
        '[[ban]]\nid = "IB-1"\nbanned = ["Alice"]\nprotected = ["Bob"]\n'
        'start = 2026-11-01T00:00:00Z\n', encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        '[database]\nurl = "sqlite:///db.sqlite3"\n'
        '[[wikis]]\nname = "w1"\napi = "http://127.0.0.1:9/api.php"\n', encoding="utf-8")
    app = App.load(tmp_path / "s.toml")
    app.ensure_schema()
    app.gateways = {"w1": lookup()}
    return app


def test_a_registry_built_during_an_identity_refresh_is_not_kept(tmp_path):
    """A poll builds the registry from the identities saved so far while a rename (or reload)
    saves new ones and drops the registry: the stale one must not stay in force."""
    app = _app(tmp_path)
    read = app.store.identities
    refresh = threading.Thread(target=app.resolve_identities)

    def identities(wiki=None):
        found = read(wiki)  # the registry's build reads the identities before the refresh
        if not refresh.is_alive() and refresh.ident is None:
            refresh.start()
            refresh.join(1.0)  # the refresh saves and drops the registry meanwhile
        return found

    app.store.identities = identities
    assert app.registry.person("w1", "Alice", app.bans[0]).user_id == 0  # built before
    refresh.join()
    app.store.identities = read
    assert app.registry.person("w1", "Alice", app.bans[0]).user_id == 2
    app.store.close()


class BuggyClient:
    def __init__(self, stop):
        self.stop, self.reads = stop, 0

    def read(self, last_id, since=None):
        self.reads += 1
        if self.reads == 2:
            self.stop.set()
        raise KeyError("a bug")
        yield  # pragma: no cover

    def close(self):
        pass


def test_the_eventstreams_reader_survives_an_unexpected_error(caplog):
    """`ibanbot run` reads EventStreams in one thread: a bug must be logged and the stream
    reconnected, not end the thread (the bot would go on running and read nothing)."""
    stop = threading.Event()
    client = BuggyClient(stop)
    runner = StreamRunner(client, {}, Routes(()), MemoryStore(), lambda: at(11),
                          reconnect_seconds=0.01, stop=stop)
    runner.run()
    assert client.reads == 2
    assert "eventstreams: reading failed" in caplog.text


def test_a_failed_gap_filling_is_retried_while_the_stream_goes_on():
    """A wiki whose polling failed when the stream (re)connected keeps a gap behind its cursors;
    it is filled as soon as the wiki answers again, not at a reconnection days later."""
    answers = [None, PollResult("w1", events=5)]
    calls = []

    def fill(wiki):
        calls.append(wiki)
        return answers.pop(0)

    runner = StreamRunner(BuggyClient(threading.Event()), {"w1": None}, Routes(()),
                          MemoryStore(), lambda: at(11), reconnect_seconds=0, fill=fill)
    runner.fill_gap(raise_errors=False)
    runner._batch.size = 1  # a message of another wiki was read
    runner.flush()
    assert calls == ["w1", "w1"] and runner.result.polled == 5


def test_stream_health_does_not_hide_a_failing_gap_filling(tmp_path):
    """While EventStreams delivers, a wiki whose gap filling fails stays FAILING in `status`."""
    app = _app(tmp_path)
    app.backfills.check_gap = lambda wiki: None
    failing = FakeGateway("w1", fail={
        "recent_changes": WikiError("wiki w1: query recentchanges failed: HTTP 500")})
    app.pipeline = lambda wiki: Pipeline(failing, MemoryStore(), lambda: app.registry, (),
                                         DetectorLimits(), app.now)
    supervisor = Supervisor(app)
    assert supervisor.poll("w1") is None
    supervisor.stream_alive()
    health = {h.stream: h for h in app.store.ops.health()}
    assert health["recentchanges"].failures == 1 and health["recentchanges"].last_success is None
    app.store.close()


class RecentChangesEdge:
    """A wiki whose recent changes reach back 30 days; counts the requests made."""

    name = "w1"

    def __init__(self, now):
        self.now, self.requests = now, 0

    def _query(self, params):
        self.requests += 1
        stamp = (self.now - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield {"recentchanges": [{"rcid": 1, "timestamp": stamp}]}


def test_gap_check_costs_no_request_per_poll_on_a_quiet_wiki(tmp_path):
    """A quiet wiki's cursor stays hours old between edits: no gap is possible while it is far
    from the edge of recent changes, so the check is not repeated at every poll (one request
    more per poll); near the edge (a catch-up after an outage) it is."""
    app = _app(tmp_path)
    now = at(20)
    app.now = lambda: now
    wiki = RecentChangesEdge(now)
    app.gateways = {"w1": wiki}
    cursor = [Position(now - timedelta(hours=3), 5)]

    class Quiet:
        def start_position(self, stream):
            return cursor[0]

    app.pipeline = lambda name: Quiet()
    for _ in range(3):
        assert app.backfills.check_gap("w1") is None
    assert wiki.requests == 1
    cursor[0] = Position(now - timedelta(days=30) + timedelta(minutes=30), 5)  # at the edge
    app.backfills.check_gap("w1")
    assert wiki.requests == 2
    app.store.close()


def test_thanks_rows_of_unrestricted_users_are_dropped_before_conversion(monkeypatch):
    """The thanks log gets the recent changes' prefilter: rows whose actor no ban restricts
    cost a dictionary lookup, not an Event (thanks are frequent on busy wikis)."""
    from bot.wiki import gateway as gateway_module
    from bot.wiki.gateway import WikiConfig, WikiGateway

    rows = [{"logid": n, "timestamp": f"2026-11-10T12:00:0{n}Z", "type": "thanks",
             "action": "thank", "user": name, "userid": user_id, "title": "User:Bob",
             "params": {}} for n, (name, user_id) in enumerate(
                 [("Alice", 2), ("Carol", 4), ("Dave", 5)], start=1)]
    gateway = WikiGateway(WikiConfig(name=WIKI, api="http://127.0.0.1:9/api.php"))
    gateway._query = lambda params: iter([{"logevents": rows}])
    converted = []
    real = gateway_module.normalize.event_from_log
    monkeypatch.setattr(gateway_module.normalize, "event_from_log",
                        lambda wiki, row: converted.append(row["user"]) or real(wiki, row))
    pipeline = Pipeline(gateway, MemoryStore(), lambda: registry(ban()), (), DetectorLimits(),
                        lambda: at(11))
    pipeline.analyse = lambda events, registry=None: []
    result = pipeline.poll(("log:thanks",))
    assert converted == ["Alice"] and result.events == 3 and result.watched == 1


def test_page_creator_is_read_once_per_title_in_a_batch():
    from bot.pipeline.join import Contents

    gateway = FakeGateway(creators={"Foo": "Bob", "Bar": "Bob"})
    contents = Contents(gateway, DetectorLimits(), frozenset())
    events = [log_event("Alice", "delete", "delete", "Foo"),
              log_event("Alice", "protect", "protect", "Foo"),
              log_event("Alice", "move", "move", "Bar")]
    contents.prefetch(events)
    assert gateway.requests() == [("page_creator", "Foo"), ("page_creator", "Bar")]


def test_bans_reload_loads_the_very_version_it_checked(tmp_path, monkeypatch):
    """A file rewritten between the check and the load must not mark a valid version bad."""
    from pathlib import Path
    from types import SimpleNamespace

    from bot.pipeline.reload import BansWatcher

    bans = tmp_path / "bans.toml"
    entry = '[[ban]]\nid = "{}"\nbanned = ["Alice"]\nprotected = ["Bob"]\nstart = 2026-11-01\n'
    bans.write_text(entry.format("IB-1"), encoding="utf-8")
    settings = SimpleNamespace(bans=SimpleNamespace(file=bans), wiki_names=("w1",),
                               wikis=(SimpleNamespace(poll_seconds=5),))
    watcher = BansWatcher(SimpleNamespace(settings=settings))
    applied = []
    monkeypatch.setattr(watcher, "_apply", applied.append)
    bans.write_text(entry.format("IB-2"), encoding="utf-8")
    reads = {"n": 0}
    real = Path.read_bytes

    def half_written_after_first_read(self):
        reads["n"] += 1
        return real(self) if reads["n"] == 1 else b'[[ban]]\nid = "IB-'

    monkeypatch.setattr(Path, "read_bytes", half_written_after_first_read)
    assert watcher.check() is True
    assert [b.id for b in applied[0]] == ["IB-2"]
