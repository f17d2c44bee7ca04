"""Logs on stderr: plain text lines, or with `--log-format json` one JSON object per line.

Keys: `time` (UTC, ISO 8601 with milliseconds), `level`, `logger`, `message`, `exception`
(the traceback, as one string) when there is one, and the record's structured fields, given by
callers as `extra={...}`: `wiki`, `stream` and counts (`events`, `watched`, `queued`, ...).
What goes into messages and fields is the callers' business: at INFO and above they carry
counts, wiki and stream names and non-confidential ban ids, never user names, queue contents
or anything of a confidential ban.

What the CLI itself says on stderr (`Error: ...`, `Warning: ...`) goes through `say`, so
that with `--log-format json` every stderr line is JSON, the fatal error included.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", (), None))) | {
    "message", "asctime", "caller_name", "caller_file", "caller_line", "newline"}  # pywikibot's
_QUIET = ("pywikibot", "apscheduler", "urllib3", "alembic")  # pywiki: bot.wiki.session
# their DEBUG lines carry request URLs and bodies, hence the names of bans: not even --debug
_DEBUG_FLOOR = {"urllib3": logging.INFO}
CONSOLE = "ibanbot"  # the logger name of `say` lines in JSON
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_json = False


def fields(record: logging.LogRecord) -> dict[str, object]:
    """The structured fields a caller gave (`extra=`): plain JSON values only."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")
            and (v is None or isinstance(v, (str, int, float, bool)))}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, object] = {
            "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in fields(record).items() if k not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _Stderr(logging.StreamHandler):
    """The one handler of our logs: whatever sys.stderr is when a record is written."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class _OneLineWarnings(logging.Filter):
    """Python warnings as one line (`file:line: Category: text`), without the source line."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage().strip().splitlines()
        record.msg, record.args = (text[0] if text else ""), ()
        return True


def configure(level: str = "INFO", debug: bool = False, log_format: str = "text",
              root: logging.Logger | None = None) -> None:
    """Our handler on the root logger (replacing one set before), in the given format."""
    global _json
    root = root or logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(handler)
    _json = log_format == "json"
    handler = _Stderr()
    handler.setFormatter(JsonFormatter() if _json else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else level)
    logging.captureWarnings(True)  # Python warnings become log records (one line, JSON too)
    warnings_log = logging.getLogger("py.warnings")
    if not any(isinstance(f, _OneLineWarnings) for f in warnings_log.filters):
        warnings_log.addFilter(_OneLineWarnings())
    for noisy in _QUIET:
        logging.getLogger(noisy).setLevel(_DEBUG_FLOOR.get(noisy, logging.NOTSET) if debug
                                          else logging.WARNING)


def use_json(root: logging.Logger | None = None) -> None:
    """JSON on the root logger's stderr handler (kept for callers of the old API)."""
    root = root or logging.getLogger()
    configure(logging.getLevelName(root.level), False, "json", root)


def is_json() -> bool:
    return _json


def say(level: str, text: str) -> None:
    """One line of the CLI's own on stderr: `Error: text` / `Warning: text` / `text`, or the
    same as a JSON object (logger `ibanbot`) with `--log-format json`."""
    if _json:
        record = logging.LogRecord(CONSOLE, logging.getLevelName(level.upper()), "", 0, text,
                                   (), None)
        line = JsonFormatter().format(record)
    else:
        prefix = {"error": "Error: ", "warning": "Warning: "}.get(level.lower(), "")
        line = prefix + text
    print(line, file=sys.stderr, flush=True)
