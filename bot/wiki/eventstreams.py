"""Wikimedia EventStreams (`recentchange`, server-sent events): one connection for every wiki.

`StreamClient.read` opens one connection (resuming with `Last-Event-ID` when an id is given,
else from `since`) and yields `Message`s until the server closes it, the connection breaks or
nothing arrives for `timeout` seconds; the caller decides whether to fill the gap and reconnect.
`event_from_stream` maps one recentchange JSON event (schema mediawiki/recentchange) to an
Event, through the same normalization as a `list=recentchanges` row: the stream carries no
user ids, tags or sha1, so those stay empty until the caller enriches watched events.
"""
from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests_sse import EventSource, InvalidContentTypeError, InvalidStatusCodeError

from bot.errors import WikiError
from bot.wiki import normalize, session
from bot.wiki.cursor import format_ts
from detectors.model import Event

log = logging.getLogger(__name__)
DEFAULT_URL = "https://stream.wikimedia.org/v2/stream/recentchange"
_TYPES = {"edit", "new", "log"}


class _Closed(Exception):
    """Raised from requests-sse's error callback: the connection ended (we reconnect ourselves)."""


@dataclass(frozen=True)
class Message:
    """One server-sent event: its id (opaque, for Last-Event-ID) and its JSON data (None: bad)."""

    id: str
    data: Mapping[str, Any] | None


@dataclass(frozen=True)
class StreamRef:
    """Which stream wiki a configured wiki is: by db name (`wiki`) or by host (`meta.domain`)."""

    name: str  # the configured wiki's name
    stream_wiki: str | None
    host: str

    @classmethod
    def of(cls, name: str, api: str, stream_wiki: str | None) -> StreamRef:
        return cls(name, stream_wiki, (urlsplit(api).hostname or "").lower())


class Routes:
    """Stream events -> the configured wiki they belong to (or None: not ours)."""

    def __init__(self, refs: tuple[StreamRef, ...]) -> None:
        self.by_db = {r.stream_wiki: r.name for r in refs if r.stream_wiki}
        self.by_host = {r.host: r.name for r in refs if not r.stream_wiki and r.host}

    def wiki_of(self, data: Mapping[str, Any]) -> str | None:
        name = self.by_db.get(str(data.get("wiki") or ""))
        if name is None and self.by_host:
            meta = data.get("meta")
            meta = meta if isinstance(meta, dict) else {}
            host = str(meta.get("domain") or data.get("server_name") or "").lower()
            name = self.by_host.get(host)
        return name


def _stamp(data: Mapping[str, Any]) -> str | None:
    value = data.get("timestamp")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_ts(datetime.fromtimestamp(value, UTC))
    meta = data.get("meta")
    dt = meta.get("dt") if isinstance(meta, dict) else None
    return str(dt)[:19] + "Z" if isinstance(dt, str) and len(dt) >= 19 else None


def _pair(value: Any) -> tuple[Any, Any]:
    return (value.get("old"), value.get("new")) if isinstance(value, dict) else (None, None)


def rc_row(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """A recentchange stream event as a `list=recentchanges` row (None: not an edit/new/log)."""
    kind, stamp = data.get("type"), _stamp(data)
    if kind not in _TYPES or stamp is None:
        return None
    (old_len, new_len), (old_rev, new_rev) = _pair(data.get("length")), _pair(data.get("revision"))
    row: dict[str, Any] = {
        "type": kind, "rcid": data.get("id") or 0, "timestamp": stamp,
        "title": data.get("title") or "", "ns": data.get("namespace") or 0,
        "comment": data.get("comment") or "", "revid": new_rev or 0, "old_revid": old_rev or 0,
        "newlen": new_len or 0, "oldlen": old_len or 0}
    if isinstance(data.get("user"), str):
        row["user"] = data["user"]
    if kind == "log":
        row.update(logid=data.get("log_id") or 0, logtype=data.get("log_type") or "",
                   logaction=data.get("log_action") or "", logparams=data.get("log_params"))
    return row


def event_from_stream(wiki: str, data: Mapping[str, Any]) -> Event | None:
    """A recentchange event -> Event of `wiki`, or None (categorize, external, malformed)."""
    row = rc_row(data)
    if row is None:
        return None
    try:
        return normalize.event_from_rc(wiki, row)
    except (TypeError, ValueError):
        return None


def rc_id(data: Mapping[str, Any]) -> int:
    value = data.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class StreamClient:
    """Reads the recentchange stream over HTTP (requests-sse), one connection per `read`."""

    def __init__(self, url: str = DEFAULT_URL, contact: str | None = None,
                 timeout: float = 60.0) -> None:
        self.url, self.timeout = url, timeout
        self.user_agent = f"ibanbot/{session.VERSION}" + (f" ({contact})" if contact else "")
        self._source: EventSource | None = None

    def read(self, last_event_id: str | None, since: datetime | None = None
             ) -> Iterator[Message]:
        params = {} if last_event_id or since is None else {"since": format_ts(since)}
        source = EventSource(self.url, timeout=self.timeout, latest_event_id=last_event_id,
                             max_connect_retry=0, on_error=_raise_closed, params=params,
                             headers={"User-Agent": self.user_agent})
        self._source = source
        try:
            source.connect(0)
        except (InvalidStatusCodeError, InvalidContentTypeError, requests.RequestException,
                _Closed) as exc:
            raise WikiError(f"eventstreams: cannot connect to {self.url}: "
                            f"{type(exc).__name__}: {str(exc)[:200]}") from None
        if self._source is not source:  # closed (SIGTERM) while connecting: no read
            _shut(source)
            return
        # requests-sse reads with iter_lines(chunk_size=512), which holds a quiet stream's
        # events back until 512 bytes arrive: read what is there instead (low latency).
        source._data_generator = _lines(source._response)
        try:
            yield from _messages(source)
        finally:
            self.close()

    def close(self) -> None:
        """End the current connection (also from another thread, to stop a blocked read)."""
        source, self._source = self._source, None
        if source is not None:
            _shut(source)


def _shut(source: EventSource) -> None:
    _wake(getattr(source, "_response", None))
    try:
        source.close()
    except Exception:  # closing a broken connection may fail: it is closed either way
        log.debug("eventstreams: error while closing", exc_info=True)


def _wake(response: requests.Response | None) -> None:
    """Shut the connection's socket down, so that a read blocked in another thread returns at
    once: closing the response alone leaves it waiting until `timeout` (60 s by default) on a
    quiet stream. Best effort: the socket sits in http.client's private attributes."""
    fp = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed or never connected
            pass


def _lines(response: requests.Response | None) -> Iterator[bytes]:
    """The response's lines as soon as they arrive; a broken read as requests' ConnectionError."""
    raw = getattr(response, "raw", None)
    if response is None or raw is None or not hasattr(raw, "read1"):
        yield from (response.iter_lines(chunk_size=1) if response is not None else ())
        return
    buffer = b""
    while True:
        try:
            chunk = raw.read1(65536)
        except (urllib3.exceptions.HTTPError, OSError, AttributeError, ValueError) as exc:
            raise requests.ConnectionError(f"stream read failed: {type(exc).__name__}") from None
        if not chunk:
            if buffer:
                yield buffer
            return
        *lines, buffer = (buffer + chunk).split(b"\n")
        yield from lines


def _raise_closed() -> None:
    raise _Closed()


def _messages(source: EventSource) -> Iterator[Message]:
    while True:
        try:
            event = next(source)
        except (_Closed, StopIteration, ValueError, requests.RequestException, AttributeError):
            return  # closed, broken or idle for `timeout`; ValueError/AttributeError: closed
        if event.type not in (None, "message") or event.data is None:
            continue
        try:
            data = json.loads(event.data)
        except ValueError:
            data = None
        yield Message(event.last_event_id, data if isinstance(data, dict) else None)
