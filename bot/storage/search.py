"""A queue search (bot.storage.query.Search) as SQL: filters, order and page in the database.

Names: an actor matches by the name the item recorded or by account (the user id of a stored
identity, or of another item, named so on that wiki): a renamed account's items are found by
its old and its new name. A target matches the name the item recorded or, through the stored
identities, the account's current name. `thresholds` (kind -> minimum confidence) decide which
items are below threshold: those whose every finding is under its kind's minimum (an item with
no finding, a report, never is).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    exists,
    func,
    not_,
    or_,
    select,
    true,
)

from bot.storage.query import Search
from bot.storage.queue import _with_children as with_children
from bot.storage.records import QueueItem, to_db_time
from bot.storage.reports import report_items, reports
from bot.storage.schema import findings, identities, queue_items

q = queue_items.c
f = findings.c


def highest_confidence() -> Any:
    """The item's highest finding confidence (NULL without findings), as a column."""
    return (select(func.max(f.confidence)).where(f.item_id == q.id)
            .correlate(queue_items).scalar_subquery())


def search_items(conn: Connection, search: Search,
                 thresholds: Mapping[str, float]) -> tuple[list[QueueItem], bool]:
    """One page of items and whether more follow."""
    stmt = (select(queue_items).where(*conditions(conn, search, thresholds))
            .order_by(*_order(search.sort)).offset(search.offset).limit(search.limit + 1))
    rows = conn.execute(stmt).mappings().all()
    return with_children(conn, rows[: search.limit]), len(rows) > search.limit


def count_below(conn: Connection, search: Search, thresholds: Mapping[str, float]) -> int:
    """How many items the search would show with `threshold = below` (0 when no kind has a
    minimum): the items the default view keeps aside."""
    if not any(v > 0 for v in thresholds.values()):
        return 0
    below = replace(search, threshold="below")
    stmt = select(func.count()).select_from(queue_items).where(
        *conditions(conn, below, thresholds))
    return int(conn.execute(stmt).scalar_one())


def conditions(conn: Connection, search: Search,
               thresholds: Mapping[str, float]) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for column, value in ((q.status, search.status), (q.wiki, search.wiki),
                          (q.ban_id, search.ban), (q.source, search.source),
                          (q.revid, search.revid), (q.logid, search.logid)):
        if value is not None:
            where.append(column == value)
    if search.kind is not None:
        where.append(exists().where(f.item_id == q.id, f.kind == search.kind))
    if search.actor is not None:
        where.append(_actor(conn, search.actor))
    if search.target is not None:
        where.append(_target(search.target))
    if search.title is not None:
        where.append(_title(search.title))
    if search.report is not None:
        where.append(q.id.in_(select(report_items.c.item_id).join(
            reports, reports.c.id == report_items.c.report_id).where(
            reports.c.reference == search.report)))
    if search.since is not None:
        where.append(q.event_time >= to_db_time(search.since))
    if search.before is not None:
        where.append(q.event_time < to_db_time(search.before))
    if search.min_confidence is not None:
        where.append(exists().where(f.item_id == q.id, f.confidence >= search.min_confidence))
    shown = _shown(thresholds)
    if search.threshold == "shown":
        where.append(shown)
    elif search.threshold == "below":
        where.append(not_(shown))
    return where


def _actor(conn: Connection, name: str) -> ColumnElement[bool]:
    """The name at the event, or the accounts (wiki, user id) that had or have it: read first,
    a handful of pairs, so that the page's query compares plain columns."""
    ident = identities.c
    named = select(q.wiki, q.actor_id).where(q.actor == name, q.actor_id != 0).distinct()
    known = select(ident.wiki, ident.user_id).where(
        or_(ident.name == name, ident.current_name == name), ident.user_id != 0)
    accounts = sorted({(w, int(i)) for w, i in conn.execute(named).all()}
                      | {(w, int(i)) for w, i in conn.execute(known).all()})
    return or_(q.actor == name, *[and_(q.wiki == w, q.actor_id == i) for w, i in accounts])


def _target(name: str) -> ColumnElement[bool]:
    ident = identities.c
    renamed = exists().where(ident.wiki == q.wiki,
                             or_(ident.name == name, ident.current_name == name),
                             or_(ident.name == q.target, ident.current_name == q.target))
    return or_(q.target == name, renamed)


def _title(title: str) -> ColumnElement[bool]:
    if not title.endswith("*"):
        return q.page == title
    prefix = title[:-1]  # compared exactly (LIKE ignores case on SQLite) and without wildcards
    return func.substr(q.page, 1, len(prefix)) == prefix


def _shown(thresholds: Mapping[str, float]) -> ColumnElement[bool]:
    """Not below threshold: some finding reaches its kind's minimum, or no finding at all."""
    limits = {k: v for k, v in thresholds.items() if v > 0}
    if not limits:
        return true()
    reaches = or_(f.kind.notin_(list(limits)), *[
        and_(f.kind == kind, f.confidence >= value) for kind, value in sorted(limits.items())])
    any_finding = exists().where(f.item_id == q.id)
    return or_(not_(any_finding), exists().where(f.item_id == q.id, reaches))


def _keys(sort: str) -> list[tuple[Any, bool]]:
    """The sort's columns, each with True when descending."""
    top = func.coalesce(highest_confidence(), -1.0)
    keys: dict[str, list[tuple[Any, bool]]] = {
        "newest": [(q.event_time, True), (q.id, True)],
        "oldest": [(q.event_time, False), (q.id, False)],
        "most-confident": [(top, True), (q.event_time, True), (q.id, True)],
        "least-confident": [(top, False), (q.event_time, False), (q.id, False)],
    }
    return keys[sort]


def _order(sort: str) -> list[Any]:
    return [column.desc() if desc else column.asc() for column, desc in _keys(sort)]


def adjacent(conn: Connection, search: Search, thresholds: Mapping[str, float],
             item_id: int) -> tuple[int | None, int | None]:
    """The items before and after `item_id` in the search's order (the item itself need not
    match the search any more: just decided, it may have left a `new` filter)."""
    keys = _keys(search.sort)
    current = conn.execute(select(*[c for c, _ in keys]).where(q.id == item_id)).first()
    if current is None:
        return None, None
    where = conditions(conn, search, thresholds)
    out = []
    for forward in (False, True):
        after = _beyond(keys, tuple(current), forward)
        order = [c.desc() if desc != (not forward) else c.asc() for c, desc in keys]
        stmt = select(q.id).where(*where, after).order_by(*order).limit(1)
        out.append(conn.execute(stmt).scalar_one_or_none())
    return out[0], out[1]


def _beyond(keys: list[tuple[Any, bool]], values: tuple[Any, ...],
            forward: bool) -> ColumnElement[bool]:
    """Rows strictly after (or before) `values` in the order of `keys`, as a keyset condition."""
    column, desc = keys[0]
    later = (column < values[0]) if desc == forward else (column > values[0])
    if len(keys) == 1:
        return later
    return or_(later, and_(column == values[0], _beyond(keys[1:], values[1:], forward)))


def known_values(conn: Connection) -> tuple[list[str], list[str]]:
    """The wikis and ban ids the queue holds (for the valid values of a filter)."""
    wikis = conn.execute(select(q.wiki).distinct()).scalars().all()
    bans = conn.execute(select(q.ban_id).where(q.ban_id != "").distinct()).scalars().all()
    return list(wikis), list(bans)

