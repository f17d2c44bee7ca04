"""Cases: a ban's items with one actor and one target within a window, reviewed together.

A case starts at an item and holds the items of the same wiki, ban, actor (by user id; by
name when the id is unknown) and target whose event falls within `case_window_hours` of that
first item; the next such item after the window starts the next case. Grouping reads every
item whatever its status, so a decided case stays one case. A case is named by its first
item's id (`case 17`). The use cases here serve `ibanbot queue cases|case|decide-case` and
the web UI's case pages alike.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.errors import CaseChanged, NotFound, UsageError
from bot.review import queue as review


class CaseStore(Protocol):
    def item_keys(self, wiki: str | None = None, ban_id: str | None = None,
                  target: str | None = None) -> list: ...
    def get_item(self, item_id: int) -> Any: ...
    def decide_all(self, item_ids: Sequence[int], decision: str, reviewer: str, note: str,
                   at: datetime, *, seen: Any = None, force: bool = False,
                   detail: str = "") -> list[int]: ...


@dataclass(frozen=True, slots=True)
class Case:
    id: int  # its first item's id
    wiki: str
    ban_id: str
    actor: str
    target: str
    start: datetime
    end: datetime
    item_ids: tuple[int, ...]
    statuses: tuple[str, ...]  # the items', in order

    def counts(self) -> dict[str, int]:
        return {s: self.statuses.count(s) for s in review.STATUSES if s in self.statuses}

    def summary(self) -> str:
        return ", ".join(f"{s} {n}" for s, n in self.counts().items())

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "wiki": self.wiki, "ban_id": self.ban_id or None,
                "actor": self.actor, "target": self.target,
                "start": self.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": self.end.strftime("%Y-%m-%dT%H:%M:%SZ"), "items": list(self.item_ids),
                "statuses": self.counts()}


def _key(k: Any) -> tuple:
    return (k.wiki, k.ban_id, k.actor_id or k.actor, k.target)


def group(keys: Iterable[Any], window: timedelta) -> list[Case]:
    """Cases from item keys (any order), each case's items oldest first; cases oldest first."""
    by_key: dict[tuple, list[Any]] = {}
    for k in sorted(keys, key=lambda k: (k.timestamp, k.id)):
        by_key.setdefault(_key(k), []).append(k)
    cases: list[Case] = []
    for items in by_key.values():
        run: list[Any] = []
        for k in items:
            if run and k.timestamp - run[0].timestamp > window:
                cases.append(_case(run))
                run = []
            run.append(k)
        cases.append(_case(run))
    return sorted(cases, key=lambda c: (c.start, c.id))


def _case(run: list[Any]) -> Case:
    first, last = run[0], run[-1]
    return Case(first.id, first.wiki, first.ban_id, last.actor, first.target, first.timestamp,
                last.timestamp, tuple(k.id for k in run), tuple(k.status for k in run))


def window_of(hours: int) -> timedelta:
    return timedelta(hours=hours)


def list_cases(store: CaseStore, window: timedelta, *, status: str | None = None,
               ban_id: str | None = None, wiki: str | None = None) -> list[Case]:
    """Newest first (by the last item's time); `status`: cases with an item in it."""
    review.validate_filters(status)
    cases = group(store.item_keys(wiki=wiki, ban_id=ban_id), window)
    if status:
        cases = [c for c in cases if status in c.statuses]
    return sorted(cases, key=lambda c: (c.end, c.id), reverse=True)


def case_of(store: CaseStore, window: timedelta, item: Any) -> Case:
    """The case holding `item` (a QueueItem)."""
    keys = store.item_keys(wiki=item.wiki, ban_id=item.ban_id or None, target=item.target)
    found = next((c for c in group(keys, window) if item.id in c.item_ids), None)
    if found is None:  # purged or changed between the two reads
        raise NotFound(f"queue item {item.id} does not exist")
    return found


def get_case(store: CaseStore, window: timedelta, case_id: int) -> tuple[Case, list[Any]]:
    """The case and its items (QueueItems, oldest first); NotFound when `case_id` is not the
    first item of a case (saying which case the item belongs to)."""
    item = store.get_item(case_id)  # NotFound: "queue item N does not exist"
    case = case_of(store, window, item)
    if case.id != case_id:
        raise NotFound(f"case {case_id} does not exist: queue item {case_id} belongs to "
                       f"case {case.id}")
    return case, [store.get_item(i) for i in case.item_ids]


def decide_case(store: CaseStore, window: timedelta, case_id: int, decision: str,
                reviewer: str, note: str, at: datetime, *, seen: dict[int, str] | None = None,
                force: bool = False) -> tuple[Case, list[int]]:
    """One decision on every item of the case (each its own decision and audit row), all or
    nothing; a `confirmed` or `dismissed` item (or one no longer as `seen`) needs `force`.
    Items already holding this decision are left as they are. (case, ids decided)."""
    if decision not in review.DECISIONS:
        raise UsageError(f"--decision must be one of {', '.join(review.DECISIONS)}, "
                         f"not {decision!r}")
    if not reviewer.strip():
        raise UsageError("--reviewer must name the staff member deciding")
    case, _ = get_case(store, window, case_id)
    if seen is not None and set(seen) != set(case.item_ids):
        raise CaseChanged(case_id)
    done = store.decide_all(case.item_ids, decision, reviewer.strip(), note, at, seen=seen,
                            force=force, detail=f" (case {case_id})")
    return case, done


def render_cases(cases: list[Case]) -> str:
    header = ("CASE", "WIKI", "BAN", "ACTOR", "TARGET", "ITEMS", "STATUS", "FROM (UTC)",
              "TO (UTC)")
    rows = [header] + [(str(c.id), c.wiki, c.ban_id or "(no ban)", c.actor, c.target,
                        str(len(c.item_ids)), c.summary(), f"{c.start:%Y-%m-%d %H:%M}",
                        f"{c.end:%Y-%m-%d %H:%M}") for c in cases]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines) if cases else "(no cases)"


def render_case(case: Case, items: list[Any]) -> str:
    out = [f"Case {case.id}: {len(items)} item(s) of ban {case.ban_id or '(no ban)'} on "
           f"{case.wiki}, {case.actor} -> {case.target}, {case.start:%Y-%m-%d %H:%M} to "
           f"{case.end:%Y-%m-%d %H:%M} UTC ({case.summary()})"]
    for item in items:
        event = f"revision {item.revid}" if item.revid else f"log {item.logid}"
        out.append(f"  item {item.id} [{item.status}] {item.timestamp:%Y-%m-%d %H:%M:%S} "
                   f"{item.page} ({event})")
        for f in item.findings:
            kind = f.kind.value if hasattr(f.kind, "value") else str(f.kind)
            out.append(f"    - {kind} (confidence {f.confidence:.2f}): {f.evidence}")
    return "\n".join(out)
