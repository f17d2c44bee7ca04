"""Precision measured from decisions (`ibanbot stats`, the web /stats page).

Per finding kind and confidence band (bot.review.legend.BANDS), per wiki and over all wikis: how
many
items are new, confirmed, dismissed and needs-info, and the precision
confirmed / (confirmed + dismissed) (None while nothing is decided either way). An item counts
once per kind it has a finding of, in the band of its highest confidence of that kind. Only
kinds, bands, wikis and numbers: no user names, no ban ids (so no confidential one).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.errors import UsageError
from bot.review import legend

ALL = "*"  # the rows over every wiki
COLUMNS = ("new", "confirmed", "dismissed", "needs-info")


class CountSource(Protocol):
    def decision_counts(self, since: datetime | None = None,
                        wiki: str | None = None) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Row:
    wiki: str
    kind: str
    band: str
    new: int = 0
    confirmed: int = 0
    dismissed: int = 0
    needs_info: int = 0

    @property
    def precision(self) -> float | None:
        decided = self.confirmed + self.dismissed
        return round(self.confirmed / decided, 3) if decided else None

    def to_json(self) -> dict[str, Any]:
        return {"wiki": self.wiki, "kind": self.kind, "band": self.band, "new": self.new,
                "confirmed": self.confirmed, "dismissed": self.dismissed,
                "needs-info": self.needs_info, "precision": self.precision}


@dataclass(frozen=True)
class Stats:
    since: datetime | None
    wiki: str | None
    rows: tuple[Row, ...]  # the rows over every wiki (wiki "*") first, then per wiki

    def to_json(self) -> dict[str, Any]:
        return {"since": self.since.strftime("%Y-%m-%dT%H:%M:%SZ") if self.since else None,
                "wiki": self.wiki, "rows": [r.to_json() for r in self.rows]}


def precision(store: CountSource, wikis: Iterable[str], since: datetime | None = None,
              wiki: str | None = None) -> Stats:
    if wiki is not None and wiki not in set(wikis):
        raise UsageError(f"stats: no wiki named {wiki!r}; use one of "
                         f"{', '.join(sorted(set(wikis))) or '(none)'}")
    cells: dict[tuple[str, str, str], dict[str, int]] = {}
    for c in store.decision_counts(since, wiki):
        for where in (c.wiki,) if wiki else (ALL, c.wiki):
            cell = cells.setdefault((where, c.kind, legend.band(c.confidence)), {})
            cell[c.status] = cell.get(c.status, 0) + c.items
    rows = [Row(w, k, b, new=n.get("new", 0), confirmed=n.get("confirmed", 0),
                dismissed=n.get("dismissed", 0), needs_info=n.get("needs-info", 0))
            for (w, k, b), n in cells.items()]
    order = {k: i for i, k in enumerate(legend.LEGEND)}
    rows.sort(key=lambda r: (r.wiki != ALL, r.wiki, order.get(r.kind, 99), r.kind, r.band))
    return Stats(since, wiki, tuple(rows))


def render_table(stats: Stats) -> str:
    if not stats.rows:
        return "(no findings)"
    header = ("WIKI", "KIND", "CONFIDENCE", "NEW", "CONFIRMED", "DISMISSED", "NEEDS-INFO",
              "PRECISION")
    lines = [header] + [(
        "all" if r.wiki == ALL else r.wiki, r.kind, r.band, str(r.new), str(r.confirmed),
        str(r.dismissed), str(r.needs_info),
        "-" if r.precision is None else f"{r.precision:.0%}") for r in stats.rows]
    widths = [max(len(line[c]) for line in lines) for c in range(len(header))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip()
                     for line in lines)
