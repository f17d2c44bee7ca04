"""A local EventStreams stand-in: server-sent `recentchange` events on 127.0.0.1.

It replays recorded events (JSON objects shaped like Wikimedia's mediawiki/recentchange) for
several wikis, honours `Last-Event-ID` (resume after that event) and `?since=` (from that time),
and lets a test cut the live connection and lose events for good (a gap).
Event ids look like Wikimedia's: a JSON array of Kafka topic/partition/offset.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

TOPIC = "eqiad.mediawiki.recentchange"


def event_id(offset: int) -> str:
    return json.dumps([{"topic": TOPIC, "partition": 0, "offset": offset}])


class StreamServer:
    def __init__(self) -> None:
        self.events: list[str | None] = []  # raw `data:` payloads (None: lost for good)
        self.requests: list[dict[str, Any]] = []  # each connection's Last-Event-ID and since
        self.paused = False
        self._cut = 0  # connections opened before this count are closed
        self._cond = threading.Condition()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v2/stream/recentchange"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StreamServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._cut = 10 ** 9
            self._cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- what a test does ------------------------------------------------------------------
    def add(self, *events: dict[str, Any] | str) -> None:
        with self._cond:
            for e in events:
                self.events.append(e if isinstance(e, str) else json.dumps(e))
            self._cond.notify_all()

    def cut(self) -> None:
        """Close the live connection(s), as a network failure or a server restart would."""
        with self._cond:
            self._cut = len(self.requests)
            self._cond.notify_all()

    def drop(self, *offsets: int) -> None:
        """Lose these events for good (never sent again), as past a retention limit."""
        with self._cond:
            for offset in offsets:
                self.events[offset] = None

    def wait_connections(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"stream: {len(self.requests)} connection(s), "
                                     f"wanted {count}")
            time.sleep(0.05)

    # -- serving ---------------------------------------------------------------------------
    def _start(self, last_id: str | None, since: str | None) -> int:
        if last_id:
            offset = json.loads(last_id)[0]["offset"]
            start = offset + 1
        elif since:
            start = next((i for i, e in enumerate(self.events) if e and _dt(e) >= since),
                         len(self.events))
        else:
            start = len(self.events)  # like Wikimedia: from now on
        return start

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                last_id = self.headers.get("Last-Event-ID")
                since = (query.get("since") or [None])[0]
                with server._cond:
                    number = len(server.requests)
                    server.requests.append({"last_event_id": last_id, "since": since})
                    position = server._start(last_id, since)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.end_headers()
                try:
                    server._serve(self.wfile, number, position)
                except OSError:
                    pass

        return Handler

    def _serve(self, out: Any, number: int, position: int) -> None:
        while True:
            with self._cond:
                while number >= self._cut and (self.paused or position >= len(self.events)):
                    self._cond.wait(0.2)
                if number < self._cut:
                    return
                payload = self.events[position]
            position += 1
            if payload is None:
                continue
            out.write(f"event: message\nid: {event_id(position - 1)}\ndata: {payload}\n\n"
                      .encode())
            out.flush()


def _dt(payload: str) -> str:
    try:
        return str(json.loads(payload)["meta"]["dt"])
    except (ValueError, KeyError, TypeError):
        return ""


# -- recordings from the real local wiki -----------------------------------------------------

def _meta(server_name: str, dt: str, uri: str) -> dict[str, Any]:
    return {"uri": uri, "request_id": "test", "id": f"uuid-{dt}", "dt": dt,
            "domain": server_name, "stream": "mediawiki.recentchange", "topic": TOPIC,
            "partition": 0}


def _epoch(stamp: str) -> int:
    return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=UTC).timestamp())


def from_rc_row(row: dict[str, Any], wiki: str, server_name: str = "127.0.0.1"
                ) -> dict[str, Any]:
    """A `list=recentchanges` row (formatversion 2) as EventStreams would send it."""
    title = row["title"]
    out: dict[str, Any] = {
        "$schema": "/mediawiki/recentchange/1.0.0",
        "meta": _meta(server_name, row["timestamp"], f"http://{server_name}/wiki/{title}"),
        "id": row["rcid"], "type": row["type"], "namespace": row["ns"], "title": title,
        "title_url": f"http://{server_name}/wiki/{title}", "comment": row.get("comment", ""),
        "timestamp": _epoch(row["timestamp"]), "user": row["user"], "bot": False,
        "server_url": f"http://{server_name}", "server_name": server_name,
        "server_script_path": "", "wiki": wiki, "parsedcomment": row.get("comment", "")}
    if row["type"] in ("edit", "new"):
        out.update(minor=False, patrolled=False,
                   length={"old": row.get("oldlen") or None, "new": row.get("newlen")},
                   revision={"old": row.get("old_revid") or None, "new": row["revid"]})
    else:
        out.update(log_id=row["logid"], log_type=row["logtype"], log_action=row["logaction"],
                   log_params=row.get("logparams") or [], log_action_comment="")
    return out


def from_log_row(row: dict[str, Any], wiki: str, server_name: str = "127.0.0.1"
                 ) -> dict[str, Any]:
    """A `list=logevents` row sent only to the stream (thanks): rc id null, as on Wikimedia."""
    rc = {"rcid": None, "type": "log", "ns": row["ns"], "title": row["title"],
          "timestamp": row["timestamp"], "user": row["user"], "comment": row.get("comment", ""),
          "logid": row["logid"], "logtype": row["type"], "logaction": row["action"],
          "logparams": row.get("params") or []}
    return from_rc_row(rc, wiki, server_name)


def recent_rows(api: str, user: str, kind: str = "rc") -> list[dict[str, Any]]:
    """The user's newest recent changes (or thanks log rows), oldest first."""
    if kind == "rc":
        params = {"list": "recentchanges", "rcuser": user, "rclimit": 50,
                  "rcprop": "user|comment|timestamp|title|ids|sizes|loginfo"}
    else:
        params = {"list": "logevents", "leuser": user, "letype": "thanks", "lelimit": 50,
                  "leprop": "ids|title|type|user|timestamp|comment|details"}
    answer = requests.get(api, params={"action": "query", "format": "json",
                                       "formatversion": "2", **params}, timeout=30).json()
    rows = answer["query"]["recentchanges" if kind == "rc" else "logevents"]
    return list(reversed(rows))
