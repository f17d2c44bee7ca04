"""The pywikibot password file must be readable by the bot's user only.

`check_password_file(path)` returns a one-line warning (naming the file and its mode, never its
content) when the group or other users may read or write it; `warn_about_password_file`
logs that warning once per file and process.
"""
from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

log = logging.getLogger(__name__)
_warned: set[str] = set()


def check_password_file(path: str | os.PathLike[str] | None) -> str | None:
    if not path:
        return None
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # no file: nothing exposed (pywikibot reports a missing login itself)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (f"pywikibot password file {path} is accessible by other users (mode "
                f"{stat.S_IMODE(mode):o}); run: chmod 600 {path}")
    return None


def warn_about_password_file(path: str | os.PathLike[str] | None) -> None:
    message = check_password_file(path)
    key = str(Path(path).resolve()) if path else ""
    if message and key not in _warned:
        _warned.add(key)
        log.warning("%s", message)


# -- pywikibot's debug log shows request bodies: login passwords and tokens are masked -----------
_SECRET_PARAM = re.compile(
    r"((?:lg|bp)?password|lgtoken|token|logintoken|csrftoken|oauth_[a-z_]*|"
    r"(?:consumer|access)_(?:key|secret|token))(['\"]?\s*[=:,]\s*['\"]?)([^&'\"\s,)]+)",
    re.IGNORECASE)
_installed = False


def redact(text: str) -> str:
    """`lgpassword=abc&lgtoken=x` -> `lgpassword=***&lgtoken=***` (also in repr'd tuples)."""
    return _SECRET_PARAM.sub(lambda m: f"{m[1]}{m[2]}***", text)


def install_redaction() -> None:
    """Mask secrets in every record of pywikibot's loggers (`pywiki*`), whatever the handler."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if (record.name or "").startswith("pywiki"):  # makeLogRecord() passes no name
            try:
                record.msg, record.args = redact(record.getMessage()), ()
            except Exception:
                record.msg, record.args = "<unloggable pywikibot record>", ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
