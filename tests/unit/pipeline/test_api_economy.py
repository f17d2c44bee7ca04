"""API economy: histories only where a protected user edited; raw rows prefiltered unconverted."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bot.pipeline.join import Contents, Pipeline
from bot.pipeline.streaming import StreamRunner
from bot.wiki.cursor import Position
from bot.wiki.eventstreams import Routes
from bot.wiki.gateway import WikiConfig, WikiGateway
from detectors.bans import Person
from detectors.base import DetectorLimits, Need
from detectors.model import Event, EventType, Kind, UserRef
from tests.core_helpers import WIKI, log_event, registry
from tests.core_helpers import ban as core_ban
from tests.core_helpers import edit as core_edit
from tests.fakes import FakeGateway, MemoryStore, every_revision
from tests.harness import Bot, ban, people

T = datetime(2026, 11, 27, tzinfo=UTC)
BOB = Person(7, "Bob")


def edit(title: str, revid: int) -> Event:
    return Event("w", EventType.EDIT, T, UserRef(1, "Alice"), title=title, revid=revid,
                 old_revid=revid - 1)


@pytest.mark.parametrize("contributors, has_lookup, histories", [
    ({"Talk:A": (UserRef(7, "Bob"),), "Talk:B": (UserRef(9, "Carol"),)}, True, ["Talk:A"]),
    ({"Talk:A": (UserRef(0, "Bob"),)}, True, ["Talk:A", "Talk:B"]),  # B unknown: fetched
    (None, True, ["Talk:A", "Talk:B"]),  # too busy to tell: fetched
    ({}, False, ["Talk:A", "Talk:B"]),  # a gateway that cannot tell
])
def test_histories_only_on_pages_a_protected_user_edited(contributors, has_lookup, histories):
    gateway = FakeGateway("w", contributors=contributors,
                          capabilities=("contributors",) if has_lookup else ())
    events = [edit("Talk:A", 10), edit("Talk:B", 20)]
    Contents(gateway, DetectorLimits(), frozenset({Need.TEXT, Need.HISTORY_TEXT})).prefetch(
        events, {e.key: [BOB] for e in events})
    assert [c[1] for c in gateway.calls if c[0] == "history"] == histories
    assert [sorted(c[1]) for c in gateway.calls if c[0] == "revisions"] == [[9, 10, 19, 20]]


def test_texts_and_contributors_in_one_request_when_the_gateway_can():
    gateway = FakeGateway("w", contributors={"Talk:A": (UserRef(7, "Bob"),), "Talk:B": ()},
                          capabilities=("contributors", "revisions_with_contributors"))
    events = [edit("Talk:A", 10), edit("Talk:B", 20)]
    Contents(gateway, DetectorLimits(), frozenset({Need.TEXT, Need.HISTORY})).prefetch(
        events, {e.key: [BOB] for e in events})
    assert [c[0] for c in gateway.calls] == ["revisions_with_contributors", "history"]


class Rows(WikiGateway):
    def __init__(self, rows):
        super().__init__(WikiConfig("w", "http://w.invalid/api.php"))
        self.rows = rows

    def _query(self, params):
        yield {"recentchanges": self.rows}


def test_prefilter_drops_raw_rows_but_moves_the_position():
    rows = [{"type": "edit", "rcid": i, "timestamp": "2026-11-27T10:00:00Z", "title": "T",
             "user": user, "userid": uid, "revid": i} for i, (uid, user) in
            enumerate([(1, "Alice"), (2, "Other"), (0, "192.0.2.1"), (3, "Carol")], start=1)]
    rows.append({"type": "log", "rcid": 5, "timestamp": "2026-11-27T10:00:01Z", "title": "User:X",
                 "user": "Admin", "userid": 9, "logid": 3, "logtype": "renameuser"})
    rows.append({"rcid": 6, "timestamp": "2026-11-27T10:00:02Z", "userid": "not a number"})
    seen = []
    keep = lambda actor, log_type: seen.append(actor) or actor.name in ("Alice", "Carol") \
        or log_type == "renameuser"  # noqa: E731
    (page,) = Rows(rows).recent_changes(Position(T, 0), keep=keep)
    assert [e.actor.name for e in page.events] == ["Alice", "Carol", "Admin"]
    assert page.dropped == 2 and page.unreadable == ("rcid 6",)
    assert page.position == Position(datetime(2026, 11, 27, 10, 0, 2, tzinfo=UTC), 6)
    assert UserRef(0, "192.0.2.1") in seen


@pytest.mark.wiki
def test_run_once_fetches_history_only_where_the_protected_user_edited(tmp_path, local_wiki):
    (alice, a), (bob, b), (erin, e) = people(local_wiki, "Alice", "Bob", "Erin")
    bot = Bot(tmp_path / "bot", local_wiki)
    bot.add_ban(**ban(alice, bob))
    b.edit(f"Talk:Economy {bob}", "Bob's words here.", "bob")
    e.edit(f"Talk:Quiet {erin}", "Erin's words here.", "erin")
    gateway = WikiGateway(WikiConfig("w", local_wiki.api_url, max_retries=1, retry_wait=1))
    found = gateway.contributors([f"Talk:Economy {bob}", f"Talk:Quiet {erin}", "No such page"])
    assert [u.name for u in found[f"Talk:Economy {bob}"]] == [bob]
    assert [u.name for u in found[f"Talk:Quiet {erin}"]] == [erin]
    a.edit(f"Talk:Economy {bob}", "Alice removed Bob's words.", "rm")
    a.edit(f"Talk:Quiet {erin}", "Alice edits here too.", "edit")
    counts: Counter = Counter()
    original = requests.Session.send

    def send(self, request, **kwargs):
        query = parse_qs(urlsplit(request.url).query)
        query.update(parse_qs(request.body if isinstance(request.body, str)
                              else (request.body or b"").decode()))
        if query.get("prop") == ["revisions"] and "titles" in query:
            counts[query["titles"][0]] += 1
        elif any(p in query.get("prop", [""])[0] for p in ("revisions", "contributors")):
            counts[query["prop"][0]] += 1
        return original(self, request, **kwargs)

    requests.Session.send = send
    try:
        bot.run_once()
    finally:
        requests.Session.send = original
    # texts and contributors in one request; one history, on the page Bob edited
    assert counts == Counter({f"Talk:Economy {bob}": 1, "revisions|contributors": 1})
    (item,) = bot.queue()
    assert item["findings"][0]["kind"] == "edit-change"


class _Site:
    def __init__(self, high):
        self.high = high

    def has_right(self, right):
        return self.high and right == "apihighlimits"


@pytest.mark.parametrize("user, high, size", [("Bot", True, 500), ("Bot", False, 50),
                                              (None, True, 50)])
def test_batch_size_follows_apihighlimits(user, high, size):
    gateway = WikiGateway(WikiConfig("w", "http://w.invalid/api.php", user=user))
    gateway._site = _Site(high)
    assert gateway.batch_size() == size


def _kind(request) -> str:
    query = parse_qs(urlsplit(request.url).query)
    query.update(parse_qs(request.body if isinstance(request.body, str)
                          else (request.body or b"").decode()))
    get = lambda key: (query.get(key) or [""])[0]  # noqa: E731
    return get("action") if get("action") != "query" else \
        "|".join(sorted(m for m in get("meta").split("|") if m and m != "userinfo")) or \
        get("list") or get("prop")


@pytest.mark.wiki
def test_run_once_learns_the_wiki_in_four_requests(tmp_path, local_wiki):
    """Namespaces, language, zone and month names: one siteinfo|allmessages request; the zone
    names one allmessages; the ~~~~~ sample one parse; the ping redirects one more (issue 15:
    at most 8 one-time requests per process, with the bans' users and the sign-in)."""
    (alice, a), (bob, b) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki, bans=[ban(alice, bob)])
    b.edit(f"Talk:Learn {bob}", "== Q ==\nA question. ~~~~")
    a.append_reply(f"Talk:Learn {bob}", ": An answer. ~~~~")
    counts: Counter = Counter()
    original = requests.Session.send

    def send(self, request, **kwargs):
        counts[_kind(request)] += 1
        return original(self, request, **kwargs)

    requests.Session.send = send
    try:
        bot.run_once()
    finally:
        requests.Session.send = original
    learning = {k: n for k, n in counts.items()
                if k in ("allmessages|siteinfo", "siteinfo", "allmessages", "parse", "redirects")}
    assert learning == {"allmessages|siteinfo": 1, "allmessages": 1, "parse": 1, "redirects": 1}
    assert [f["kind"] for i in bot.queue() for f in i["findings"]] == ["reply"]


# -- issue 15: one prefilter decision per event, one fetch per watched revision -----------------

class TextDetector:
    """Needs the texts, finds nothing: the analysis runs, its requests are what is counted."""

    name, kinds, needs = "text", frozenset({Kind.REPLY}), frozenset({Need.TEXT})

    def __init__(self):
        self.seen: list[tuple[int, str | None, str | None]] = []

    def detect(self, event, context):
        self.seen.append((event.revid, context.new_text, context.old_text))
        return []


class CountingRegistry:
    """A BanRegistry that counts its prefilter decisions (is_watched) per actor."""

    def __init__(self, inner):
        self.inner, self.decisions = inner, Counter()

    def is_watched(self, wiki, user):
        self.decisions[user.name] += 1
        return self.inner.is_watched(wiki, user)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def stream_edit(revid: int, actor: str = "Alice") -> Event:
    """An edit as EventStreams gives it: a name, no user id (enrichment fills it)."""
    return Event(WIKI, EventType.EDIT, T, UserRef(0, actor), title="User talk:Bob",
                 revid=revid, old_revid=revid - 1)


def test_eventstreams_fetches_each_watched_revision_once():
    """Enrichment reads the texts the analysis needs in the same request (issue 15): each
    revision once, and the detectors see the texts."""
    gateway, detector = FakeGateway(WIKI, revisions=every_revision(when=T)), TextDetector()
    pipeline = Pipeline(gateway, None, lambda: registry(core_ban()), [detector], DetectorLimits(),
                        lambda: T)
    runner = StreamRunner(None, {WIKI: pipeline}, Routes(()), MemoryStore(), lambda: T)
    runner._batch.watched[WIKI].extend([stream_edit(10), stream_edit(20)])
    runner._batch.size = 2
    runner.flush()
    reads = [c for c in gateway.calls if c[0] == "revisions"]
    fetched = Counter(i for c in reads for i in c[1])
    assert fetched and max(fetched.values()) == 1, reads
    assert len(reads) == 1 and reads[0][2] is True, reads
    assert sorted(detector.seen) == [(10, "text 10", "text 9"), (20, "text 20", "text 19")]


def test_polling_decides_the_prefilter_once_per_event():
    """The raw-row prefilter's decision is the one the poll and the analysis use: is_watched
    runs once per event, not again for the batch and again in the analysis (issue 15)."""
    rows = [core_edit("Alice", "User talk:Bob"), core_edit("Carol", "Talk:Foo"),
            log_event("Steward", "renameuser", "renameuser", "User:Old")]
    counting = CountingRegistry(registry(core_ban()))
    gateway = FakeGateway(WIKI, recent=[rows], page_start=T, revisions=every_revision(when=T))
    pipeline = Pipeline(gateway, MemoryStore(), lambda: counting, [TextDetector()],
                        DetectorLimits(), lambda: T)
    result = pipeline.poll(("recentchanges",))
    assert result.watched == 1
    assert counting.decisions == Counter({"Alice": 1, "Carol": 1, "Steward": 1})


def test_eventstreams_decides_the_prefilter_once_per_event():
    counting = CountingRegistry(registry(core_ban()))
    gateway = FakeGateway(WIKI, revisions=every_revision(when=T))
    pipeline = Pipeline(gateway, None, lambda: counting, [TextDetector()], DetectorLimits(),
                        lambda: T)
    runner = StreamRunner(None, {WIKI: pipeline}, Routes(()), MemoryStore(), lambda: T)
    for message_event in (stream_edit(10), stream_edit(30, "Carol")):
        runner._batch.size += 1
        if counting.is_watched(WIKI, message_event.actor):  # what _take decides
            runner._batch.watched[WIKI].append(message_event)
    runner.flush()
    assert counting.decisions == Counter({"Alice": 1, "Carol": 1})


class HistoryDetector(TextDetector):
    name, needs = "history", frozenset({Need.TEXT, Need.HISTORY})


def test_eventstreams_reads_texts_and_contributors_in_the_enrichment_request():
    """With histories needed, the enrichment's one request brings the pages' contributors
    too: no history is read on a page no protected user edited, and nothing is read twice."""
    gateway = FakeGateway(WIKI, revisions=every_revision(when=T),
                          contributors={"User talk:Bob": (UserRef(2, "Alice"),)},  # no Bob
                          capabilities=("revisions_with_contributors",))
    pipeline = Pipeline(gateway, None, lambda: registry(core_ban()), [HistoryDetector()],
                        DetectorLimits(), lambda: T)
    runner = StreamRunner(None, {WIKI: pipeline}, Routes(()), MemoryStore(), lambda: T)
    runner._batch.watched[WIKI].extend([stream_edit(10), stream_edit(20)])
    runner._batch.size = 2
    runner.flush()
    assert gateway.requests() == [("revisions_with_contributors", (10, 20, 9, 19))]
