"""EventStreams: recorded recentchange events -> Events; the SSE client against a local server."""
from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from requests_sse import EventSource

from bot.errors import WikiError
from bot.wiki.eventstreams import Routes, StreamClient, StreamRef, event_from_stream, rc_id
from detectors.model import EventType
from tests.sse_server import StreamServer, event_id

RECORDED = json.loads((Path(__file__).parents[1] / "data" / "eventstreams" / "recentchange.json")
                      .read_text(encoding="utf-8"))
ROUTES = Routes((StreamRef.of("en", "https://en.wikipedia.org/w/api.php", "enwiki"),
                 StreamRef.of("de", "https://de.wikipedia.org/w/api.php", "dewiki"),
                 StreamRef.of("commons", "https://commons.wikimedia.org/w/api.php", None),
                 StreamRef.of("wd", "https://www.wikidata.org/w/api.php", "wikidatawiki")))


def test_recorded_events_of_several_wikis_map_to_events():
    mapped = [(w, event_from_stream(w, d) if w else None)
              for d in RECORDED for w in [ROUTES.wiki_of(d)]]
    assert [w for w, _ in mapped] == ["en", "de", "en", "commons", "wd", None]
    (_, edit), (_, new), (_, thanks), (_, block), (_, categorize), _ = mapped
    assert (edit.type, edit.title, edit.namespace, edit.revid, edit.old_revid, edit.key) == \
        (EventType.EDIT, "Talk:Tea", 1, 1260000002, 1260000001, "rev:1260000002")
    assert (edit.actor.id, edit.actor.name, edit.size, edit.old_size) == (0, "Alice", 5301, 5120)
    assert edit.timestamp == datetime(2026, 11, 27, 17, 15, 42, tzinfo=UTC)
    assert (new.type, new.wiki, new.old_revid, new.title) == \
        (EventType.NEW, "de", 0, "Benutzer:Bob/Notizen")
    assert (thanks.type, thanks.log_type, thanks.logid, thanks.key, thanks.target.name) == \
        (EventType.LOG, "thanks", 170000001, "log:170000001", "Bob")
    assert rc_id(RECORDED[2]) == 0 and rc_id(RECORDED[0]) == 1790012345
    assert (block.log_type, block.target.name, block.params["duration"]) == \
        ("block", "Bob", "1 week")
    assert categorize is None  # categorize and external changes are not events


def test_malformed_events_are_not_events():
    good = RECORDED[0]
    for bad in ({}, {**good, "timestamp": "soon", "meta": {}}, {**good, "type": "external"},
                {**good, "revision": "x", "length": None}):
        event = event_from_stream("en", bad)
        assert event is None or event.revid == 0


def test_client_resumes_after_an_event_id_and_ends_on_a_cut():
    with StreamServer() as server:
        server.add(*RECORDED[:3], "not json")
        client = StreamClient(server.url, "test@example.org", timeout=5)
        first = client.read(None, datetime(2026, 11, 27, 17, 15, 43, tzinfo=UTC))
        got = [next(first), next(first), next(first)]
        assert [m.id for m in got] == [event_id(1), event_id(2), event_id(3)]
        assert got[-1].data is None  # malformed data is reported, not fatal
        assert server.requests[0]["since"] == "2026-11-27T17:15:43Z"
        server.cut()
        assert list(first) == []  # the connection ended: read returns
        again = client.read(event_id(1))
        assert json.loads(json.dumps(next(again).data)) == RECORDED[2]
        assert server.requests[1]["last_event_id"] == event_id(1)
        client.close()


def test_client_connection_failure_is_one_line_wiki_error():
    client = StreamClient("http://127.0.0.1:9/v2/stream/recentchange", timeout=2)
    with pytest.raises(WikiError) as err:
        next(client.read(None))
    assert "eventstreams: cannot connect to http://127.0.0.1:9/" in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("extra, message", [
    ('[streams]\nsource = "kafka"\n', "key 'streams.source'"),
    ('[streams]\neventstreams_url = "stream.example.org"\n', "must be an http(s) URL"),
    ('[streams]\ntimeout_seconds = 0\n', "key 'streams.timeout_seconds'"),
    ('[streams]\nsourc = "poll"\n', "did you mean 'source'"),
])
def test_bad_stream_settings_are_one_line_errors(tmp_path, extra, message):
    from bot.config.settings import load_settings
    from bot.errors import ConfigError

    path = tmp_path / "settings.toml"
    path.write_text(extra + '[[wikis]]\nname = "w"\napi = "http://127.0.0.1/api.php"\n'
                    'stream_wiki = "wwiki"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert message in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_stream_settings_defaults(tmp_path):
    from bot.config.settings import load_settings

    path = tmp_path / "settings.toml"
    path.write_text('[[wikis]]\nname = "w"\napi = "https://en.wikipedia.org/w/api.php"\n',
                    encoding="utf-8")
    settings = load_settings(path)
    assert settings.streams.source == "poll"  # polling stays the default
    assert settings.streams.eventstreams_url == \
        "https://stream.wikimedia.org/v2/stream/recentchange"
    assert settings.wikis[0].stream_wiki is None


def test_two_wikis_with_one_stream_wiki_is_an_error(tmp_path):
    from bot.config.settings import load_settings
    from bot.errors import ConfigError

    wiki = '[[wikis]]\nname = "{}"\napi = "http://127.0.0.1/api.php"\nstream_wiki = "xwiki"\n'
    path = tmp_path / "settings.toml"
    path.write_text(wiki.format("a") + wiki.format("b"), encoding="utf-8")
    with pytest.raises(ConfigError, match="wiki b: key 'stream_wiki': another wiki has the same"):
        load_settings(path)


def test_close_from_another_thread_ends_a_read_on_a_quiet_stream_at_once():
    """SIGTERM closes the client from the main thread while the reader waits for data: the
    read must end then, not when the read timeout (here 60 s) runs out."""
    with StreamServer() as server:
        client = StreamClient(server.url, timeout=60)
        started, read = threading.Event(), []

        def reader():
            started.set()
            read.extend(client.read(None))

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        assert started.wait(10)
        server.wait_connections(1)
        deadline = time.monotonic() + 30
        while getattr(client._source, "_response", None) is None:  # connected
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)  # the reader is blocked in its read now (nothing to send)
        closed_at = time.monotonic()
        client.close()
        thread.join(30)
        assert not thread.is_alive() and read == []
        assert time.monotonic() - closed_at < 20  # far from the 60 s timeout


def test_close_while_connecting_reads_nothing(monkeypatch):
    """SIGTERM between the start of a connection and its answer: nothing is read after it."""
    with StreamServer() as server:
        server.add(*RECORDED[:2])
        client = StreamClient(server.url, timeout=60)
        connect = EventSource.connect

        def closed_meanwhile(self, retry=0):
            client.close()  # what the signal handler's thread does
            return connect(self, retry)

        monkeypatch.setattr(EventSource, "connect", closed_meanwhile)
        started = time.monotonic()
        assert list(client.read(None)) == []
        assert time.monotonic() - started < 20  # not after the 60 s read timeout
