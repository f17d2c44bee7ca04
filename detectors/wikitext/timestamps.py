"""Signature timestamps in the wiki's own language and time zone.

MediaWiki writes a signature's timestamp in its content language's date format and the wiki's
local time zone: `21:30, 27 November 2026 (UTC)` on English wikis, `27 novembre 2026 à 22:30
(CET)` on French ones, `2026年11月27日 (金) 21:30 (UTC)` on Japanese ones. A `TimestampFormat`
is the regex that finds them (groups `y`, `mon`, `d`, `H`, `M`, `tz`) and the parser that turns
one into a UTC datetime.

`learn` builds one from a sample the wiki wrote for `~~~~~` at a known time, the language's
month and weekday names, and the labels of the wiki's time zone (the wiki adapter gathers
them). It is pure: no clock, no I/O; a sample it cannot explain gives None, never an error.
`ENGLISH` (English month names, UTC; also finding similar shapes it cannot read) is the default.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache

_ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
                   "september", "october", "november", "december")
ENGLISH_PATTERN = (
    r"(?P<H>\d{1,2}):(?P<M>\d\d),\s(?P<d>\d{1,2})\.?\s(?P<mon>[^\W\d_]{3,12}\.?)\s"
    r"(?P<y>\d{4})\s\((?P<tz>[A-Za-z]{2,5}(?:[+-]\d{1,2}(?::?\d\d)?)?)\)")
_NUMBER_FIELDS = {"y": r"\d{4}", "mon": r"\d{1,2}", "d": r"\d{1,2}", "H": r"\d{1,2}",
                  "M": r"\d\d"}
_TOKEN = re.compile(r"(?P<num>\d+)|(?P<space>\s+)|(?P<other>.)", re.DOTALL)


def fold(name: str) -> str:
    """How names are compared: case-folded, without a trailing abbreviation dot."""
    return " ".join(name.casefold().split()).rstrip(".")


@lru_cache(maxsize=64)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True)
class TimestampFormat:
    """How one wiki writes signature timestamps. `zones`: label -> UTC offset in minutes."""

    pattern: str
    months: tuple[tuple[str, int], ...]  # folded month name -> month number
    zones: tuple[tuple[str, int], ...]

    @property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.pattern)

    @cached_property
    def _month_index(self) -> dict[str, int]:
        return dict(self.months)

    @cached_property
    def _zone_index(self) -> dict[str, int]:
        return dict(self.zones)

    def parse(self, match: re.Match[str]) -> datetime | None:
        """The UTC datetime of a match of `regex`; None when a name or label is unknown."""
        mon, offset = match["mon"], self._zone_index.get(match["tz"])
        month = int(mon) if mon.isdecimal() else self._month_index.get(fold(mon))
        if month is None or offset is None:
            return None
        try:
            return _utc(datetime(int(match["y"]), month, int(match["d"]), int(match["H"]),
                                 int(match["M"])), offset)
        except ValueError:
            return None


ENGLISH = TimestampFormat(ENGLISH_PATTERN,
                          tuple((m, i) for i, m in enumerate(_ENGLISH_MONTHS, start=1)),
                          (("UTC", 0),))


@dataclass(frozen=True)
class LocalNames:
    """A language's names: `months[i]` every name of month i+1 (nominative, genitive,
    abbreviation), `weekdays[i]` every name of weekday i (Monday is 0, as in Python)."""

    months: tuple[tuple[str, ...], ...]
    weekdays: tuple[tuple[str, ...], ...] = ()


def learn(sample: str, when: datetime, names: LocalNames, zones: Mapping[str, int],
          offset: int | None = None) -> TimestampFormat | None:
    """The format of `sample`, a signature timestamp such as `27 novembre 2026 à 22:30 (CET)`
    that the wiki wrote at local time `when` (naive). `zones` maps the time zone's labels to
    their UTC offsets in minutes; the sample's own label, when not among them, counts with
    `offset` (the offset of `when`), if given. None when the sample cannot be explained.

    English UTC wikis get `ENGLISH`, which also reads the shapes of hand-written signatures."""
    found = re.fullmatch(r"\s*(?P<date>.*?\S)\s*\((?P<tz>[^()]+)\)\s*", sample, re.DOTALL)
    if found and found["tz"] not in zones and offset is not None:
        zones = {**zones, found["tz"]: offset}
    if not found or len(names.months) != 12 or found["tz"] not in zones:
        return None
    expected = _utc(when, zones[found["tz"]])
    english = ENGLISH.regex.fullmatch(sample.strip())
    if english and ENGLISH.parse(english) == expected:
        return ENGLISH
    parts = _parts(found["date"], when, names)
    if parts is None:
        return None
    months = tuple((fold(n), i) for i, forms in enumerate(names.months, 1) for n in forms if n)
    labels = sorted(zones, key=len, reverse=True)
    pattern = "".join(parts) + r"\s?\((?P<tz>" + "|".join(map(re.escape, labels)) + r")\)"
    result = TimestampFormat(pattern, months, tuple(zones.items()))
    try:
        check = result.regex.fullmatch(sample.strip())
    except re.error:
        return None
    if check is None or result.parse(check) != expected:
        return None
    return result


def _utc(local: datetime, offset: int) -> datetime:
    local = local.replace(second=0, microsecond=0, tzinfo=None)
    return (local - timedelta(minutes=offset)).replace(tzinfo=UTC)


def _alternatives(names: Sequence[str]) -> str:
    forms = sorted({" ".join(n.split()) for n in names if n.strip()}, key=len, reverse=True)
    return "(?i:" + "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms) + ")"


Span = tuple[int, int, str]  # where a name stands in the sample: start, end, "mon" or "day"


def _placements(date: str, when: datetime, names: LocalNames) -> list[list[Span]]:
    """Every way to place the current month's and weekday's names in `date` (a few at most):
    in "1. 1. 2026" either "1." may be the month; in "11日 (日)" either "日" the weekday."""
    month = _occurrences(date, names.months[when.month - 1], "mon")
    day = _occurrences(date, names.weekdays[when.weekday()], "day") \
        if len(names.weekdays) == 7 else []
    out = []
    months: list[tuple[int, int, str] | None] = [*month[:4]] or [None]
    days: list[tuple[int, int, str] | None] = [*day[:4]] or [None]
    for m, d in itertools.product(months, days):
        if m and d and m[0] < d[1] and d[0] < m[1]:
            continue
        out.append(sorted(x for x in (m, d) if x))
    return out


def _occurrences(date: str, forms: Sequence[str], kind: str) -> list[Span]:
    """Where the longest of `forms` found in `date` stands, each whole occurrence."""
    for name in sorted((f for f in forms if f.strip()), key=len, reverse=True):
        found = [(m.start(), m.end(), kind) for m in re.finditer(re.escape(name), date,
                                                                  re.IGNORECASE)
                 if _whole(date, m.start(), m.end())]
        if found:
            return found
    return []


def _whole(text: str, start: int, end: int) -> bool:
    """text[start:end] is not inside a longer number ("1." in "11.") nor the end of a longer
    word; a word may go on (Finnish writes "marraskuu" + "ta")."""
    def joined(a: str, b: str) -> bool:
        return (a.isdecimal() and b.isdecimal()) or (a.isalpha() and b.isalpha())
    return not ((start and joined(text[start - 1], text[start]))
                or (end < len(text) and text[end].isdecimal() and text[end - 1].isdecimal()))


def _parts(date: str, when: datetime, names: LocalNames) -> list[str] | None:
    """Regex pieces for `date`, or None: the best reading over every placement of names."""
    best: tuple[int, list[str]] | None = None
    for spans in _placements(date, when, names):
        reading = _reading(date, spans, when, names)
        if reading is not None and (best is None or reading[0] > best[0]):
            best = reading
    return best[1] if best else None


def _reading(date: str, spans: list[Span], when: datetime, names: LocalNames
             ) -> tuple[int, list[str]] | None:
    """One placement's regex pieces and score. Names become alternations of every month
    (group `mon`) or weekday name; numbers become the date field whose value they hold."""
    pieces: list[tuple[str, str]] = []  # ("re", regex) | ("num", digits) | ("mon", regex)
    at = 0
    for start, end, kind in spans:
        pieces += _tokens(date[at:start])
        every = [n for forms in (names.months if kind == "mon" else names.weekdays) for n in forms]
        alternation = _alternatives(every)
        pieces.append(("mon", f"(?P<mon>{alternation})") if kind == "mon" else ("re", alternation))
        at = end
    pieces += _tokens(date[at:])
    slots = [text if kind == "num" else "mon" for kind, text in pieces if kind in ("num", "mon")]
    found = _assign(slots, when)
    if found is None:
        return None
    score, fields = found
    # a weekday stands apart from numbers: Sunday "日" is not the "日" of "11日"
    score += sum(1 for start, end, kind in spans if kind == "day" and not (
        (start and date[start - 1].isdecimal()) or (end < len(date) and date[end].isdecimal())))
    assigned, out = iter(fields), []
    for kind, text in pieces:
        field = next(assigned) if kind in ("num", "mon") else ""
        out.append(f"(?P<{field}>{_NUMBER_FIELDS[field]})" if kind == "num" else text)
    return score, out


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        if m["num"]:
            out.append(("num", m["num"]))
        elif m["space"]:
            out.append(("re", r"\s+"))
        elif unicodedata.category(m["other"]) == "Cf":  # direction marks: optional
            out.append(("re", re.escape(m["other"]) + "?"))
        else:
            out.append(("re", re.escape(m["other"])))
    return out


def _assign(slots: list[str], when: datetime) -> tuple[int, tuple[str, ...]] | None:
    """Which field each slot is (a slot is a number, or "mon" for a month name): every slot
    one field, each field once, all five present, numbers holding their field's value. Among
    several answers: the hour followed by the minute, a day and month in the order the
    year's place suggests (2026. 11. 27 or 27. 11. 2026)."""
    if len(slots) != len(_NUMBER_FIELDS) or slots.count("mon") > 1:
        return None
    values = {"y": when.year, "mon": when.month, "d": when.day, "H": when.hour,
              "M": when.minute}
    best: tuple[int, tuple[str, ...]] | None = None
    for order in itertools.permutations(_NUMBER_FIELDS):
        if all(_holds(slot, field, values) for slot, field in zip(slots, order)):
            score = _score(order)
            if best is None or score > best[0]:
                best = (score, order)
    return best


def _holds(slot: str, field: str, values: dict[str, int]) -> bool:
    if slot == "mon":
        return field == "mon"
    return int(slot) == values[field] and len(slot) == {"y": 4, "M": 2}.get(field, len(slot))


def _score(order: tuple[str, ...]) -> int:
    score = 2 if order.index("H") + 1 == order.index("M") else 0
    year_first = order.index("y") == 0
    return score + (1 if (order.index("mon") < order.index("d")) == year_first else 0)
