"""`--log-format json`: one JSON object per log line on stderr, for log collectors.

Keys: `time` (UTC, ISO 8601 with milliseconds), `level`, `logger`, `message`, and `exception`
(the traceback, as one string) when there is one. What goes into messages is the callers'
business: at INFO they carry counts and wiki names, never queue contents or banned users.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, timezone.utc)
        entry: dict[str, object] = {
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def use_json(root: logging.Logger | None = None) -> None:
    """JSON on the root logger's stderr handlers (one is added when there is none)."""
    root = root or logging.getLogger()
    plain = [h for h in root.handlers if type(h) is logging.StreamHandler]
    if not plain:
        plain = [logging.StreamHandler(sys.stderr)]
        root.addHandler(plain[0])
    for handler in plain:
        handler.setFormatter(JsonFormatter())
