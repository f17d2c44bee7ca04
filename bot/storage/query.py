"""Queue search: one parse of the filters for the CLI (`queue list`) and the web queue page.

`parse(values, choices, base)` turns raw text (argparse strings, query-string values; "" or
None means not given) into a frozen `Search`, or raises a one-line UsageError naming the filter
and, for a closed set (status, wiki, ban, kind, source, sort, threshold), the valid values. The
CLI and the web hand the same names to it, so they accept and refuse exactly the same things.
The store (bot.storage.search) turns a `Search` into SQL.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from bot.errors import UsageError
from detectors.model import Kind, normalize_user_name

STATUSES = ("new", "confirmed", "dismissed", "needs-info")
ANY = "any"  # status: every status (the web queue's default is `new`)
SOURCES = ("detector", "report")
SORTS = ("newest", "oldest", "most-confident", "least-confident")
# threshold: `shown` hides items whose every finding is below its kind's
# [review.queue_min_confidence]; `below` shows only those; `all` both
THRESHOLDS = ("shown", "below", "all")
KINDS = tuple(k.value for k in Kind)
FILTERS = ("status", "wiki", "ban", "kind", "source", "actor", "target", "title", "revid",
           "logid", "report", "since", "until", "min_confidence", "threshold", "sort", "limit",
           "page")
SECOND = timedelta(seconds=1)
MAX_ID = 2**63 - 1
MAX_LIMIT = 10_000
MAX_PAGE = 10**9  # page x limit stays within a 64-bit offset
MAX_NAME = 255
MAX_TITLE = 512
MAX_TEXT = 64  # ban ids, report references
NAMED = 20  # at most this many valid values named in an error


@dataclass(frozen=True)
class Search:
    """Which queue items, in which order, which page. None: not filtered on."""

    status: str | None = None
    wiki: str | None = None
    ban: str | None = None
    kind: str | None = None
    source: str | None = None
    actor: str | None = None  # a name the account had at the event, or has now
    target: str | None = None  # the protected user: a name in the bans file, or the current one
    title: str | None = None  # the page; ending in `*`: every title starting so
    revid: int | None = None
    logid: int | None = None
    report: str | None = None  # a report's reference
    since: datetime | None = None  # event time from (inclusive)
    before: datetime | None = None  # events before this: the end of until's day, or the
    #                                 second after until's time (both included)
    min_confidence: float | None = None  # the item's highest finding at least this
    threshold: str = "shown"
    sort: str = "newest"
    limit: int = 50
    page: int = 1
    given: tuple[str, ...] = field(default=(), compare=False)  # the filters spelled out

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def query(self) -> dict[str, str]:
        """The filters given, as query-string values in their checked form, for the links that
        carry the search (the web's paging, an item's previous and next): what was not given
        keeps its default there too."""
        return {k: v for k, v in self.raw().items() if k in self.given and k != "page"}

    def raw(self) -> dict[str, str]:
        until = None
        if self.before is not None:  # back from the exclusive bound to what was typed
            day = self.before.time() == time.min
            until = _day(self.before - timedelta(days=1)) if day else \
                (self.before - SECOND).strftime("%Y-%m-%dT%H:%M:%SZ")
        values = {
            "status": self.status or ANY, "wiki": self.wiki, "ban": self.ban, "kind": self.kind,
            "source": self.source, "actor": self.actor, "target": self.target,
            "title": self.title, "revid": self.revid, "logid": self.logid,
            "report": self.report, "since": _day(self.since), "until": until,
            "min_confidence": self.min_confidence, "threshold": self.threshold,
            "sort": self.sort, "limit": self.limit, "page": self.page,
        }
        return {k: "" if v is None else str(v) for k, v in values.items()}


CLI_DEFAULT = Search()  # DESIGN.md's `queue list`: every status, newest first
WEB_DEFAULT = Search(status="new", sort="oldest")  # the triage view: new items, oldest first


@dataclass(frozen=True)
class Choices:
    """The valid values of the open-ended closed sets: the configured wikis and the bans
    (plus those the queue holds, so that items of a wiki or ban since removed stay findable).
    None: not checked (UNCHECKED: a first pass before the database is opened)."""

    wikis: Sequence[str] | None = ()
    bans: Sequence[str] | None = ()
    # the bans an error may name (None: all): a confidential ban is valid but never named,
    # nor is a ban only the queue holds (whether it was confidential is not known)
    named_bans: Sequence[str] | None = None


UNCHECKED = Choices(wikis=None, bans=None)


def parse(values: Mapping[str, str | None], choices: Choices,
          base: Search = CLI_DEFAULT) -> Search:
    """A Search from raw text; `base` gives the defaults of what is not given."""
    unknown = sorted(k for k in values if k not in FILTERS)
    if unknown:
        raise UsageError(f"unknown filter {unknown[0]!r}: use {', '.join(FILTERS)}")
    given = {k: v.strip() for k, v in values.items() if v is not None and v.strip() != ""}
    fields = {name: _PARSERS[name](text, choices) for name, text in given.items()}
    if "until" in fields:
        fields["before"] = fields.pop("until")
    if "status" in fields and fields["status"] == ANY:
        fields["status"] = None
    search = replace(base, **fields, given=tuple(k for k in FILTERS if k in given))
    if search.since and search.before and search.before <= search.since:
        raise UsageError("filter until must not be before since")
    return search


def _one_of(name: str, valid: Sequence[str]):
    def check(text: str, _: Choices) -> str:
        return _member(name, text, valid)
    return check


def _member(name: str, text: str, valid: Sequence[str],
            named: Sequence[str] | None = None) -> str:
    if text in valid:
        return text
    named = valid if named is None else [v for v in valid if v in set(named)]
    unnamed = len(valid) - len(named)
    shown = list(named[:NAMED]) + ([f"... ({len(named) - NAMED} more)"]
                                  if len(named) > NAMED else [])
    if unnamed:
        shown.append(f"{unnamed} not named here")
    names = ", ".join(shown) if valid else "(none yet)"
    raise UsageError(f"filter {name} must be one of {names}; not {_clip(text)!r}")


def _wiki(text: str, choices: Choices) -> str:
    if choices.wikis is None:
        return _text("wiki")(text, choices)
    return _member("wiki", text, sorted(set(choices.wikis)))


def _ban(text: str, choices: Choices) -> str:
    if choices.bans is None:
        return _text("ban")(text, choices)
    return _member("ban", text, sorted(set(choices.bans)), choices.named_bans)


def _name(label: str, limit: int):
    def check(text: str, _: Choices) -> str:
        if len(text) > limit:
            raise UsageError(f"filter {label} is longer than {limit} characters")
        return normalize_user_name(text) if label in ("actor", "target") else \
            " ".join(text.replace("_", " ").split())
    return check


def _text(label: str):
    def check(text: str, _: Choices) -> str:
        if len(text) > MAX_TEXT:
            raise UsageError(f"filter {label} is longer than {MAX_TEXT} characters")
        return text
    return check


def _number(label: str, top: int):
    def check(text: str, _: Choices) -> int:
        if not text.isascii() or not text.isdigit():
            raise UsageError(f"filter {label} must be a whole number, not {_clip(text)!r}")
        value = int(text)
        if not 1 <= value <= top:
            raise UsageError(f"filter {label} must be from 1 to {top}, not {_clip(text)}")
        return value
    return check


def _confidence(text: str, _: Choices) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise UsageError(f"filter min_confidence must be a number from 0 to 1, "
                         f"not {_clip(text)!r}")
    return value


def _time(label: str):
    def check(text: str, _: Choices) -> datetime:
        when = parse_time(text, f"filter {label}", end_of_day=label == "until")
        if label == "until" and len(text) != 10:  # a time: that second included
            when = when.replace(microsecond=0) + SECOND
        return when
    return check


def parse_time(text: str, label: str, end_of_day: bool = False) -> datetime:
    """YYYY-MM-DD (until: the end of that day) or an ISO time (UTC unless it says)."""
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").date()
            start = datetime.combine(day, time.min, tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except (ValueError, OverflowError):
        raise UsageError(f"{label} must be a date (YYYY-MM-DD) or a time "
                         f"(YYYY-MM-DDTHH:MM:SSZ), not {_clip(text)!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _day(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.strftime("%Y-%m-%d") if when.time() == time.min else \
        when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


_PARSERS = {
    "status": _one_of("status", (*STATUSES, ANY)), "wiki": _wiki, "ban": _ban,
    "kind": _one_of("kind", KINDS), "source": _one_of("source", SOURCES),
    "actor": _name("actor", MAX_NAME), "target": _name("target", MAX_NAME),
    "title": _name("title", MAX_TITLE), "revid": _number("revid", MAX_ID),
    "logid": _number("logid", MAX_ID), "report": _text("report"), "since": _time("since"),
    "until": _time("until"), "min_confidence": _confidence,
    "threshold": _one_of("threshold", THRESHOLDS), "sort": _one_of("sort", SORTS),
    "limit": _number("limit", MAX_LIMIT), "page": _number("page", MAX_PAGE),
}
