"""Review use cases shared by the CLI and the web UI: list, show, decide."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from bot.errors import UsageError
from bot.review import timeline as _timeline
from bot.storage import query as _search
from detectors.model import normalize_user_name

DECISIONS = ("confirmed", "dismissed", "needs-info")
STATUSES = ("new", *DECISIONS)


class QueueStore(Protocol):
    def list_items(self, status: str | None = None, ban_id: str | None = None,
                   wiki: str | None = None, kind: Any = None, source: str | None = None,
                   limit: int | None = None, offset: int = 0) -> list[Any]: ...
    def search(self, search: _search.Search, thresholds: Any = None) -> tuple[list, bool]: ...
    def queue_values(self) -> tuple[list[str], list[str]]: ...
    def count_below(self, search: _search.Search, thresholds: Any) -> int: ...
    def adjacent(self, search: _search.Search, thresholds: Any,
                 item_id: int) -> tuple[int | None, int | None]: ...
    def get_item(self, item_id: int) -> Any: ...
    def decide(self, item_id: int, decision: str, reviewer: str, note: str,
               at: datetime, *, seen: str | None = None, force: bool = False) -> Any: ...


@dataclass(frozen=True)
class Links:
    diff: str
    page: str
    actor: str


def index_url(api: str) -> str:
    return api[: -len("api.php")] + "index.php" if api.endswith("api.php") else api


def links_for(item: Any, api: str) -> Links:
    index = index_url(api)
    if item.revid:
        diff = f"{index}?diff={item.revid}"
    elif item.logid:
        diff = f"{index}?title=Special:Log&logid={item.logid}"
    else:
        diff = ""
    page = f"{index}?title={quote(item.page.replace(' ', '_'), safe=':/')}" if item.page else ""
    actor = f"{index}?title=Special:Contributions/{quote(item.actor.replace(' ', '_'), safe=':/')}"
    return Links(diff, page, actor)


def page_url(index: str, title: str) -> str:
    return f"{index}?title={quote(title.replace(' ', '_'), safe=':/')}" if index and title else ""


def user_url(index: str, name: str) -> str:
    return page_url(index, f"User:{name}")


def diff_url(index: str, revid: int) -> str:
    return f"{index}?diff={int(revid)}" if index and revid else ""


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue search: the search as parsed, its items, whether more follow."""

    search: _search.Search
    items: tuple[Any, ...]
    more: bool
    wikis: tuple[str, ...] = ()  # the valid values of the wiki filter
    bans: tuple[str, ...] = ()  # ... and of the ban filter
    below: int = 0  # items matching but left aside, under [review.queue_min_confidence]


def search_queue(store: QueueStore, raw: Mapping[str, str | None], wikis: Sequence[str],
                 bans: Sequence[Any], thresholds: Mapping[str, float],
                 base: _search.Search = _search.CLI_DEFAULT) -> QueuePage:
    """`queue list` and the web queue page: the filters checked the same way (a UsageError
    naming the valid values, never a confidential ban's id), then one page found in the
    database. `bans`: the registered bans (bot.config.bansfile)."""
    choices = search_choices(store, wikis, bans)
    search = _search.parse(raw, choices, base)  # as parse_search, keeping the choices
    items, more = store.search(search, thresholds)
    below = store.count_below(search, thresholds) if search.threshold == "shown" else 0
    return QueuePage(search, tuple(items), more, tuple(sorted(set(choices.wikis or ()))),
                     tuple(sorted(set(choices.bans or ()))), below)


def search_choices(store: QueueStore, wikis: Sequence[str],
                   bans: Sequence[Any]) -> _search.Choices:
    """The valid wikis and bans of a queue search: configured or held by the queue."""
    held_wikis, held_bans = store.queue_values()
    return _search.Choices(wikis=[*wikis, *held_wikis], bans=[*(b.id for b in bans), *held_bans],
                           named_bans=[b.id for b in bans if not b.confidential])


def parse_search(store: QueueStore, raw: Mapping[str, str | None], wikis: Sequence[str],
                 bans: Sequence[Any], base: _search.Search = _search.CLI_DEFAULT
                 ) -> _search.Search:
    """The filters checked as search_queue checks them (a UsageError naming valid values)."""
    return _search.parse(raw, search_choices(store, wikis, bans), base)


def neighbours(store: QueueStore, search: _search.Search, thresholds: Mapping[str, float],
               item_id: int) -> tuple[int | None, int | None]:
    """The items before and after `item_id` in the search's order: a reviewer's "previous"
    and "next" within their filter (the item need not match it any more)."""
    return store.adjacent(search, thresholds, item_id)


def top_finding(item: Any) -> Any:
    """The item's finding of highest confidence (the first of equals), None without any."""
    return max(item.findings, key=lambda f: f.confidence, default=None)


def highest_confidence(item: Any) -> float | None:
    top = top_finding(item)
    return None if top is None else top.confidence


def validate_filters(status: str | None) -> None:
    if status and status not in STATUSES:
        raise UsageError(f"--status must be one of {', '.join(STATUSES)}, not {status!r}")


def decide(store: QueueStore, item_id: int, decision: str, reviewer: str, note: str,
           at: datetime, *, seen: str | None = None, force: bool = False) -> Any:
    """Record a decision; a `confirmed` or `dismissed` item (or one no longer in the status
    `seen`) changes only with `force`, else DecisionConflict and nothing is recorded."""
    if decision not in DECISIONS:
        raise UsageError(f"--decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if not reviewer.strip():
        raise UsageError("--reviewer must name the staff member deciding")
    if seen is not None and seen not in STATUSES:
        raise UsageError(f"the status seen must be one of {', '.join(STATUSES)}, not {seen!r}")
    return store.decide(item_id, decision, reviewer.strip(), note, at, seen=seen, force=force)


def reviewer_name(given: str, accounts: list) -> str:
    """The reviewer's canonical name: with no accounts, `given` as typed (stripped); else the
    active account it names, matched case-insensitively, or a UsageError listing them."""
    given = given.strip()
    if not given:
        raise UsageError("--reviewer must name the staff member deciding")
    active = [a.name for a in accounts if a.active]
    if not accounts:
        return given
    match = next((n for n in active if n.casefold() == given.casefold()), None)
    if match is None:
        raise UsageError(f"--reviewer {given!r} is not a reviewer; the active reviewers: "
                         f"{', '.join(active) or '(none)'}")
    return match


def render_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def render_table(items: list) -> str:
    header = ("ID", "STATUS", "WIKI", "BAN", "ACTOR", "TARGET", "KINDS", "CONF", "PAGE",
              "WHEN (UTC)")
    rows = [header] + [(
        str(i.id), i.status, i.wiki, i.ban_id or "(no ban)", i.actor, i.target,
        ",".join(dict.fromkeys(f.kind.value if hasattr(f.kind, "value") else str(f.kind)
                               for f in i.findings)), _confidence(highest_confidence(i)),
        _clip(i.page, 40), i.timestamp.strftime("%Y-%m-%d %H:%M")) for i in items]
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines) if items else "(no queue items)"


def _confidence(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def render_item(item: Any, links: Links, current_actor: str | None = None) -> str:
    actor = item.actor + (f" (now {current_actor})" if current_actor and
                          current_actor != item.actor else "")
    out = [f"Queue item {item.id} [{item.status}]  source: {item.source}",
           f"  wiki:     {item.wiki}", f"  ban:      {item.ban_id}",
           f"  actor:    {actor} (user id {item.actor_id or '?'})",
           f"  target:   {item.target}", f"  page:     {item.page}",
           f"  event:    "
           f"{'revision ' + str(item.revid) if item.revid else 'log ' + str(item.logid)}"
           f" at {render_time(item.timestamp)}", f"  detected: {render_time(item.detected_at)}",
           f"  diff:     {links.diff}", f"  page url: {links.page}",
           f"  actor:    {links.actor}", "Findings:"]
    for f in item.findings:
        kind = f.kind.value if hasattr(f.kind, "value") else str(f.kind)
        out.append(f"  - {kind} (confidence {f.confidence:.2f}): {f.evidence}")
    decisions = getattr(item, "decisions", ())
    if decisions:
        out.append("Decisions:")
        out += [f"  - {render_time(d.at)} {d.reviewer}: {d.decision}"
                + (f" ({d.note})" if d.note else "") for d in decisions]
    return "\n".join(out)


# -- interaction timeline (the web UI's timeline page) ---------------------------------------
MAX_TIMELINE_DAYS = 366


class ContributionSource(Protocol):
    def contributions(self, user: str, start: datetime, end: datetime) -> Any: ...


def timeline(wiki: ContributionSource, first: str, second: str, start: datetime,
             end: datetime) -> _timeline.Timeline:
    """Pages both users edited between start and end, and their edits there side by side."""
    if not first.strip() or not second.strip():
        raise UsageError("a timeline needs two user names")
    first, second = normalize_user_name(first), normalize_user_name(second)
    if first == second:
        raise UsageError("a timeline needs two different users")
    if end <= start:
        raise UsageError("the timeline's end must be after its start")
    if end - start > timedelta(days=MAX_TIMELINE_DAYS):
        raise UsageError(f"a timeline covers at most {MAX_TIMELINE_DAYS} days")
    a, b = wiki.contributions(first, start, end), wiki.contributions(second, start, end)
    return _timeline.build((first, second), start, end, a.edits, b.edits,
                           a.truncated or b.truncated)
