"""Signatures in wikitext: a user, user talk or contributions link (or `{{unsigned|...}}`)
followed by a timestamp, found by regular expressions over lines (never a full parse).

Namespace and special page names come from the wiki's `SiteInfo`, so localized signatures
(`[[Benutzer:X]]`, `[[Spezial:Beiträge/X]]`) are recognized. Timestamps are read in the
wiki's own format (`SiteInfo.timestamps`, see timestamps.py): `10:15, 20 November 2026 (UTC)`
by default, `20 novembre 2026 à 11:15 (CET)` on a French wiki whose format was learned.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from detectors.model import NS_USER, NS_USER_TALK, SiteInfo, normalize_user_name
from detectors.wikitext.timestamps import TimestampFormat

_UNSIGNED = re.compile(r"\{\{\s*(?:subst:\s*)?unsigned[^{}\n]{0,400}\}\}", re.IGNORECASE)
_LOOKBACK = 300  # raw characters between a signature link and its timestamp, at most
_AFTER_UNSIGNED = 40  # a timestamp this close after {{unsigned|X}} belongs to it
_NAME = r"(?P<user>[^\[\]|#/\n{}<>]{1,255}?)\s*(?=[|\]#])"


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature: `start`/`end` are offsets in the scanned text (link start, stamp end)."""

    author: str  # normalized user name
    timestamp: datetime | None  # None when absent or not in a format we can read
    timestamp_text: str  # the timestamp as written ("" when absent)
    start: int
    end: int

    @property
    def key(self) -> tuple[str, str]:
        """What identifies a comment across revisions (DiscussionTools' comment name)."""
        when = self.timestamp.isoformat() if self.timestamp else self.timestamp_text
        return self.author, when


def _alternatives(names: tuple[str, ...]) -> str:
    forms = {n.replace("_", " ") for n in names if n}
    return "|".join(re.escape(f).replace(r"\ ", r"[ _]+") for f in sorted(forms, key=len,
                                                                        reverse=True))


@lru_cache(maxsize=32)
def _link_pattern(user_ns: tuple[str, ...], special: tuple[str, ...],
                  contribs: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        r"\[\[\s*:?\s*(?:(?:" + _alternatives(user_ns) + r")\s*:\s*|(?:"
        + _alternatives(special) + r")\s*:\s*(?:" + _alternatives(contribs) + r")\s*/\s*)"
        + _NAME, re.IGNORECASE)


def user_link_pattern(site: SiteInfo) -> re.Pattern[str]:
    """A regex for links to a user page, user talk page or contributions; group `user`."""
    names: list[str] = []
    special: tuple[str, ...] = ("Special",)
    for ns in site.namespaces:
        if ns.id in (NS_USER, NS_USER_TALK):
            names.extend(ns.names)
        elif ns.id == -1:
            special = ns.names or special
    contribs = tuple(site.special_aliases.get("Contributions", ())) or ("Contributions",)
    return _link_pattern(tuple(names), special, contribs)


def _valid_user(name: str) -> str:
    name = normalize_user_name(name)
    return name if name and not any(c in name for c in "[]{}|<>") else ""


def _unsigned(match: re.Match[str], text: str, end: int,
              fmt: TimestampFormat) -> Signature | None:
    stamps = fmt.regex
    parts = [p.split("=", 1)[-1].strip() for p in match.group(0)[2:-2].split("|")[1:]]
    stamp = None
    for part in parts:
        stamp = stamp or stamps.search(part)
    after = stamps.match(text, match.end(), min(end, match.end() + _AFTER_UNSIGNED)) \
        if stamp is None else None
    if after is None and stamp is None:
        after = stamps.search(text, match.end(), min(end, match.end() + _AFTER_UNSIGNED))
    users = [p for p in parts if p and not stamps.search(p)]
    author = _valid_user(users[0]) if users else ""
    if not author:
        return None
    found = stamp or after
    stop = after.end() if after else match.end()
    return Signature(author, fmt.parse(found) if found else None,
                     found.group(0) if found else "", match.start(), stop)


def find_signatures(text: str, site: SiteInfo, start: int = 0,
                    end: int | None = None) -> list[Signature]:
    """Every signature in text[start:end], in order. Linear in the length scanned."""
    end = len(text) if end is None else min(end, len(text))
    links = user_link_pattern(site)
    found: list[Signature] = []
    taken_until = start
    fmt = site.timestamps
    unsigned = [s for m in _UNSIGNED.finditer(text, start, end)
                if (s := _unsigned(m, text, end, fmt))]
    ends = [s.end for s in unsigned]
    for stamp in fmt.regex.finditer(text, start, end):
        i = bisect.bisect_right(ends, stamp.start())
        if i < len(unsigned) and unsigned[i].start <= stamp.start():
            continue
        lo = max(taken_until, stamp.start() - _LOOKBACK)
        lo = text.rfind("\n", lo, stamp.start()) + 1 or lo
        last = None
        for last in links.finditer(text, lo, stamp.start()):  # noqa: B007 (the last match)
            pass
        author = _valid_user(last["user"]) if last else ""
        if last is None or not author:
            continue
        found.append(Signature(author, fmt.parse(stamp), stamp.group(0), last.start(),
                               stamp.end()))
        taken_until = stamp.end()
    return sorted(found + unsigned, key=lambda s: s.start)


def first_signature_per_line(text: str, site: SiteInfo, start: int = 0,
                             end: int | None = None) -> dict[int, Signature]:
    """Line start offset -> the first signature on that line (DiscussionTools merges the
    later signatures on one line into the comment of the first)."""
    out: dict[int, Signature] = {}
    line_start, scanned = text.rfind("\n", 0, start) + 1, start
    for sig in find_signatures(text, site, start, end):
        newline = text.rfind("\n", scanned, sig.start)
        line_start, scanned = (newline + 1 if newline >= 0 else line_start), sig.start
        out.setdefault(line_start, sig)
    return out
