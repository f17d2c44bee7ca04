"""The one exception tree. Every error the bot raises on purpose is an IbanbotError.

`exit_code` is what the CLI exits with: 2 for usage and configuration errors, 1 for runtime
errors. Messages are one line, name the place (file, ban id, key, wiki, item) and never
include secrets or the content of a confidential ban.
"""
from __future__ import annotations


class IbanbotError(Exception):
    exit_code = 1


class ConfigError(IbanbotError):
    """A bad settings or bans file (or a bad value in one)."""

    exit_code = 2


class UsageError(IbanbotError):
    """A bad command line."""

    exit_code = 2


class WikiError(IbanbotError):
    """The wiki was unreachable or answered something we cannot use."""


class WikiConfigError(WikiError):
    """The configured `api` URL is not a MediaWiki api.php (404, HTML, not an API answer).

    Only fatal at a wiki's first contact in a process: a wiki that answered before and answers
    so now is having an outage like any other."""

    exit_code = 2


class PollsFailed(IbanbotError):
    """`run --once`: some wikis failed (the others were polled); 2 when a restart cannot help."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class EditConflict(WikiError):
    """Someone else edited the page since the bot read it (re-read and try again)."""


class StorageError(IbanbotError):
    """The database failed or is not at the schema this version needs."""


class StorageConfigError(StorageError):
    """A database URL that cannot work as written (driver unknown or not installed, SQLite
    folder missing or not writable): a restart cannot help."""

    exit_code = 2


class NotFound(IbanbotError):
    """A queue item, ban or user that does not exist."""


class IdentityError(IbanbotError):
    """A name in the bans file that resolves to no account on a wiki."""


class LockLost(IbanbotError):
    """This process no longer holds a wiki's polling lock: the poll stops before it saves."""


class DecisionConflict(IbanbotError):
    """A queue item was decided already (or since the reviewer looked at it): nothing recorded.

    Carries the item's status now and its last decision (who, when) for the reviewer."""

    def __init__(self, item_id: int, status: str, reviewer: str | None, at: object,
                 hint: str = "") -> None:
        by = f" (by {reviewer} at {at:%Y-%m-%d %H:%M} UTC)" if reviewer and at else ""
        super().__init__(f"queue item {item_id} is already {status}{by}"
                         + (f"; {hint}" if hint else ""))
        self.item_id, self.status, self.reviewer, self.at = item_id, status, reviewer, at


class CaseChanged(DecisionConflict):
    """A case gained or lost items since its reviewer opened it: nothing recorded."""

    def __init__(self, case_id: int) -> None:
        IbanbotError.__init__(self, f"case {case_id} changed since it was opened (items added "
                                    "or removed); nothing was recorded")
        self.item_id, self.status, self.reviewer, self.at = case_id, "changed", None, None
