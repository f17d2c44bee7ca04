"""bot.pipeline.coverage: the interval maths (merge, subtract, holes), data-driven, and the drop
rule."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.pipeline.coverage import Hole, Span, domain, holes, merge, subtract, time_spans
from bot.wiki.cursor import Position

T = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def s(a, b) -> Span:
    return Span(a, b)


def p(minutes: int, row: int = 0) -> Position:
    return Position(T + timedelta(minutes=minutes), row)


@pytest.mark.parametrize("spans, merged", [
    ([], []),
    ([s(1, 2)], [s(1, 2)]),
    ([s(5, 6), s(1, 2)], [s(1, 2), s(5, 6)]),  # sorted
    ([s(1, 3), s(2, 4)], [s(1, 4)]),  # overlapping
    ([s(1, 2), s(2, 3)], [s(1, 3)]),  # touching: one span
    ([s(1, 10), s(2, 3)], [s(1, 10)]),  # contained
    ([s(1, 2), s(3, 4), s(2, 3)], [s(1, 4)]),  # a bridge
    ([s(1, 1), s(1, 1)], [s(1, 1)]),  # points
])
def test_merge(spans, merged):
    assert list(merge(spans)) == merged


@pytest.mark.parametrize("where, covered, left", [
    (s(0, 10), [], [s(0, 10)]),
    (s(0, 10), [s(0, 10)], []),
    (s(0, 10), [s(-5, 20)], []),
    (s(0, 10), [s(0, 4)], [s(4, 10)]),  # the tail: after the coverage ends
    (s(0, 10), [s(6, 10)], [s(0, 6)]),  # the head
    (s(0, 10), [s(0, 3), s(7, 10)], [s(3, 7)]),  # a truncated file: one hole in the middle
    (s(0, 10), [s(0, 3), s(3, 10)], []),  # batches that touch leave nothing
    (s(0, 10), [s(1, 2), s(4, 5)], [s(0, 1), s(2, 4), s(5, 10)]),
    (s(0, 10), [s(-3, -1), s(12, 14)], [s(0, 10)]),  # coverage outside the domain
    (s(0, 10), [s(10, 12)], [s(0, 10)]),  # only the last point
    (s(0, 10), [s(-2, 0)], [s(0, 10)]),  # only the first point
    (s(0, 10), [s(4, 6), s(2, 8)], [s(0, 2), s(8, 10)]),  # unmerged input
])
def test_subtract(where, covered, left):
    assert list(subtract(where, covered)) == left


def test_a_span_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="ends before it starts"):
        Span(2, 1)


@pytest.mark.parametrize("start, expires, since, cursor, expected", [
    (0, None, None, 10, None),  # tracking never began on this stream
    (0, None, p(0), None, None),  # never polled
    (-60, None, p(0), p(10), s(p(0), p(10))),  # before tracking began: the ledger vouches
    (5, None, p(0), p(10), s(p(5), p(10))),  # from the ban's start
    (20, None, p(0), p(10), None),  # starts after the cursor: polling will cover it
    (0, 4, p(0), p(10), s(p(0), p(4))),  # up to its expiry
    (0, -1, p(0), p(10), None),  # expired before tracking began
])
def test_domain(start, expires, since, cursor, expected):
    ban_start = T + timedelta(minutes=start)
    ban_expires = None if expires is None else T + timedelta(minutes=expires)
    cur = p(cursor) if isinstance(cursor, int) else cursor
    assert domain(ban_start, ban_expires, since, cur) == expected


def test_row_ids_tell_apart_events_of_one_second():
    """A breach in the very second the coverage ended is still in a hole."""
    covered = [s(p(0, 1), p(5, 40))]
    assert holes(T, None, p(0, 1), p(5, 41), covered) == (s(p(5, 40), p(5, 41)),)
    assert holes(T, None, p(0, 1), p(5, 40), covered) == ()


def test_holes_of_streams_become_time_spans_read_once():
    rc = [s(p(3, 10), p(8, 20))]
    thanks = [s(p(4, 2), p(6, 3)), s(p(20, 1), p(21, 9))]
    assert time_spans(rc + thanks) == (s(p(3).timestamp, p(8).timestamp),
                                       s(p(20).timestamp, p(21).timestamp))


def test_a_hole_as_json_and_text_names_a_confidential_ban_only_when_revealed():
    hole = Hole("w", "recentchanges", "IB-1", True, T, T + timedelta(minutes=2))
    assert hole.to_json(reveal=True) == {
        "wiki": "w", "stream": "recentchanges", "ban_id": "IB-1", "confidential": True,
        "from": "2026-12-01T12:00:00Z", "to": "2026-12-01T12:02:00Z"}
    assert hole.to_json()["ban_id"] is None
    assert hole.text(reveal=True) == ("ban IB-1 (confidential) not watched from "
                                      "2026-12-01T12:00:00Z to 2026-12-01T12:02:00Z")
    assert hole.text() == ("a confidential ban not watched from 2026-12-01T12:00:00Z to "
                           "2026-12-01T12:02:00Z")
    public = Hole("w", "log:thanks", "IB-2", False, T, T)
    assert public.to_json()["ban_id"] == "IB-2" and public.text().startswith("ban IB-2 not")
