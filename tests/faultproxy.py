"""A fault-injecting HTTP proxy in front of the real local wiki.

The bot talks to the proxy's api.php; the proxy forwards to the real wiki, or, depending on
`mode`, answers like a wiki in trouble:

- "pass": forward unchanged (after `delay` seconds; `transform` may rewrite JSON answers);
- "500": HTTP 500 with an HTML error page;
- "maxlag": the API's maxlag error (HTTP 200, Retry-After, X-Database-Lag);
- "readonly": the API's readonly error;
- "down": `stop()` closes the listening socket (connection refused) and `start()` reopens it.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from localwiki.process import free_port

MAXLAG = {"error": {"code": "maxlag", "info": "Waiting for 10.64.0.1: 1 seconds lagged.",
                    "host": "10.64.0.1", "lag": 1, "type": "db"}}
READONLY = {"error": {"code": "readonly", "info": "The wiki is currently in read-only mode.",
                      "readonlyreason": "Database maintenance"}}
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-encoding",
               "content-length", "host"}


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")  # http://127.0.0.1:PORT (the real wiki)
        self.port = free_port()
        self.mode = "pass"
        self.delay = 0.0
        self.transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.requests = 0
        self.on_request: Callable[[str], None] | None = None  # gets path and body; may block
        self._server: ThreadingHTTPServer | None = None
        self._session = requests.Session()
        self._lock = threading.Lock()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api.php"

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy.handle(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                proxy.handle(self, self.rfile.read(length))

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, h: BaseHTTPRequestHandler, body: bytes | None) -> None:
        with self._lock:
            self.requests += 1
        if self.on_request:
            self.on_request(h.path + "&" + (body or b"").decode("utf-8", "replace"))
        if self.mode == "500":
            return _send(h, 500, b"<html><body>Internal Server Error</body></html>",
                         "text/html")
        if self.mode in ("maxlag", "readonly"):
            extra = {"Retry-After": "1", "X-Database-Lag": "1"} if self.mode == "maxlag" else {}
            answer = MAXLAG if self.mode == "maxlag" else READONLY
            return _send(h, 200, json.dumps(answer).encode(), "application/json", extra)
        time.sleep(self.delay)
        self._forward(h, body)

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes | None) -> None:
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_HEADERS}
        r = self._session.request("POST" if body is not None else "GET",
                                  self.upstream + h.path, data=body, headers=headers,
                                  timeout=60, allow_redirects=False)
        content = r.content
        if self.transform and "json" in r.headers.get("Content-Type", ""):
            content = json.dumps(self.transform(r.json())).encode()
        extra = {k: v for k, v in r.headers.items()
                 if k.lower() not in HOP_HEADERS and k.lower() != "content-type"}
        _send(h, r.status_code, content, r.headers.get("Content-Type", "text/plain"), extra)


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str,
          extra: dict[str, str] | None = None) -> None:
    try:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass
