"""Findings per 1,000 added lines of every detector, over the real talk pages in the shared data.

For each page in ../shared/data/talk-pages/ the two users who sign most often there are
registered as a two-way ban. Each signed comment either of them wrote is replayed as an edit
by its signer: the old text is the page without that comment, the new text the page, the
summary `/* section */ reply` (the form DiscussionTools writes). Every detector of the catalog
runs on it, as the pipeline would run them for a restricted actor.

The two users really talk to each other on these pages, so many findings are true (replies,
pings): the figure is a yardstick, not a false-alarm rate by itself. Printed per finding kind
and confidence band, and per page type (article talk, user talk, project talk).

A false-alarm rate proper comes from probe users: first names that are not participants
(`PROBES`: Nick, John, David, Robert, ...) are added to the protected side of every ban, so
each finding that names one of them is false by construction. They are counted apart, on the
talk pages as they are and with the same edits replayed as article text (namespace 0), where
a first name is usually someone else's.

Run: python benchmarks/bench_false_alarms.py [--list]   (--list prints each low-confidence
mention finding, to judge them by eye)
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.bans import Ban, Person, Restriction
from detectors.base import Context
from detectors.catalog import ALL
from detectors.model import Event, EventType, Finding, Revision, SiteInfo, UserRef
from detectors.wikitext.comments import changed_region
from detectors.wikitext.signatures import find_signatures
from tests.unit.detectors.test_talk_pages_robustness import PAGES, talk_pages

_SIGNER = re.compile(r"\[\[\s*(?:User|User talk)\s*:\s*([^|\]/#\n]+)", re.IGNORECASE)
_HEADING = re.compile(r"^(={2,6})\s*(.*?)\s*\1\s*$")
NAMESPACES = {"article": (1, "Talk"), "user": (3, "User talk"), "wiki": (5, "Wikipedia talk")}
MAX_EDITS_PER_PAGE = 400
PROBES = ("Nick", "John", "Mark", "Will", "David", "Robert", "George", "William", "Paul",
          "Peter")


@dataclass(frozen=True)
class Replay:
    page: str  # "article/123.txt"
    kind: str  # article / user / wiki
    event: Event
    context: Context
    added_lines: int

    def as_article(self) -> Event:
        return replace(self.event, title=self.event.title.partition(":")[2], namespace=0)


def signer(line: str) -> str:
    names = _SIGNER.findall(line)
    return names[-1].strip().replace("_", " ") if names and "(UTC)" in line else ""


def comments(lines: list[str]) -> list[tuple[int, int, str, str]]:
    """(first line, end line, signer, section) of each signed comment."""
    out, start, section = [], 0, ""
    for i, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading:
            section, start = heading.group(2), i + 1
            continue
        who = signer(line)
        if who:
            out.append((start, i + 1, who, section))
            start = i + 1
    return out


def replays(path: Path) -> list[Replay]:
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    found = comments(lines)
    counts = Counter(who for _, _, who, _ in found)
    if len(counts) < 2:
        return []
    a, b = (name for name, _ in counts.most_common(2))
    ban = Ban("IB-BENCH", (a,), (b,), datetime(2000, 1, 1, tzinfo=UTC))
    ns, prefix = NAMESPACES[path.parent.name]
    fallback = _latest(text) + timedelta(minutes=5)
    mine = [c for c in found if c[2] in (a, b)][-MAX_EDITS_PER_PAGE:]
    out = []
    for i, (first, end, who, section) in enumerate(mine):
        other = b if who == a else a
        when = _latest(lines[end - 1], fallback - timedelta(minutes=5)) + timedelta(minutes=1)
        probes = tuple(Person(100 + j, name) for j, name in enumerate(PROBES))
        restriction = Restriction(ban, Person(1 if who == a else 2, who),
                                  (Person(2 if who == a else 1, other), *probes))
        old = "\n".join(lines[:first] + lines[end:])
        summary = f"/* {section} */ reply" if section else "reply"
        event = Event("enwiki", EventType.EDIT, when, UserRef(restriction.actor.user_id, who),
                      title=f"{prefix}:{path.stem}", namespace=ns, revid=1000 + i,
                      old_revid=999, comment=summary)
        history = (Revision(999, 998, UserRef(3, "Someone else"), when - timedelta(hours=1),
                            text=old),)
        context = Context(restriction, old_text=old, new_text=text, history=history)
        added = sum(1 for line in lines[first:end] if line.strip())
        out.append(Replay(f"{path.parent.name}/{path.name}", path.parent.name, event, context,
                          added))
    return out


def _latest(text: str, default: datetime = datetime(2026, 1, 1, tzinfo=UTC)
            ) -> datetime:
    """The latest signature date in `text` (an edit is replayed a minute after its comment)."""
    stamps = [s.timestamp for s in find_signatures(text, SiteInfo()) if s.timestamp]
    return max(stamps) if stamps else default


BANDS = ("high (>=0.8)", "mid (0.5-0.8)", "low (<0.5)")


def band(confidence: float) -> str:
    return "high (>=0.8)" if confidence >= 0.8 else "mid (0.5-0.8)" if confidence >= 0.5 \
        else "low (<0.5)"


@dataclass
class Tally:
    edits: int = 0
    lines: Counter = field(default_factory=Counter)  # added lines per page type
    by_kind: Counter = field(default_factory=Counter)  # about the real participant, per kind
    by_band: Counter = field(default_factory=Counter)  # (kind, confidence band)
    by_page_kind: Counter = field(default_factory=Counter)  # (page type, kind)
    probes: Counter = field(default_factory=Counter)  # about probe users: (talk|article, band)


def run(show: bool = False) -> Tally:
    tally = Tally()
    for path in talk_pages():
        for replay in replays(path):
            tally.edits += 1
            tally.lines[replay.kind] += replay.added_lines
            for detector in ALL:
                for f in detector.detect(replay.event, replay.context):
                    _count(tally, replay, f, "talk", show)
                for f in detector.detect(replay.as_article(), replay.context):
                    if f.target in PROBES:
                        _count(tally, replay, f, "article", show)
    return tally


def _count(tally: Tally, replay: Replay, f: Finding, where: str, show: bool) -> None:
    if f.target in PROBES:
        tally.probes[(where, band(f.confidence))] += 1
        if show:
            _print(replay, f)
        return
    tally.by_kind[f.kind.value] += 1
    tally.by_band[(f.kind.value, band(f.confidence))] += 1
    tally.by_page_kind[(replay.kind, f.kind.value)] += 1
    if show and f.kind.value == "mention" and f.confidence < 0.8:
        _print(replay, f)


def _print(replay: Replay, f: Finding) -> None:
    print(f"  {replay.page} {replay.event.actor.name} -> {f.target} {f.confidence}: "
          f"{f.evidence[:200]}")


def per_k(n: int, lines: int) -> str:
    return f"{1000 * n / lines:6.1f}" if lines else "   n/a"


def main(argv: list[str]) -> None:
    if not talk_pages():
        raise SystemExit(f"no talk pages in {PAGES}")
    tally = run("--list" in argv)
    total = sum(tally.lines.values())
    print(f"false alarms: {tally.edits} replayed comments, {total} added lines, "
          f"{len(talk_pages())} real talk pages (two top signers banned two-way)")
    _participants(tally, total)
    _probes(tally, total)
    _undated()


def _participants(tally: Tally, total: int) -> None:
    found = sum(tally.by_kind.values())
    print(f"  all findings: {per_k(found, total)} per 1,000 added lines ({found})")
    for kind in sorted(tally.by_kind):
        bands = ", ".join(f"{b} {tally.by_band[(kind, b)]}" for b in BANDS
                          if tally.by_band[(kind, b)])
        print(f"  {kind:12} {per_k(tally.by_kind[kind], total)} per 1,000 lines "
              f"({tally.by_kind[kind]}: {bands})")
    for page_kind, lines in sorted(tally.lines.items()):
        mine = {k: n for (pk, k), n in tally.by_page_kind.items() if pk == page_kind}
        parts = ", ".join(f"{k} {per_k(n, lines).strip()}" for k, n in sorted(mine.items()))
        print(f"  {page_kind} talk ({lines} lines): {parts or 'none'}")


def _probes(tally: Tally, total: int) -> None:
    for where in ("talk", "article"):
        found = {b: n for (w, b), n in tally.probes.items() if w == where}
        bands = ", ".join(f"{b} {n}" for b, n in sorted(found.items()))
        print(f"  probe names ({len(PROBES)} first names, all false) as {where} text: "
              f"{per_k(sum(found.values()), total).strip()} per 1,000 lines"
              f"{f' ({bands})' if bands else ''}")


def _stripped(text: str, lo: int, hi: int, whole: bool) -> str:
    """text with the signatures in text[lo:hi] undated (`~~~`) or, `whole`, taken out."""
    region = text[lo:hi]
    for sig in reversed(find_signatures(region, SiteInfo())):
        cut = sig.start if whole else sig.end - len(sig.timestamp_text)
        region = region[:cut] + region[sig.end:]
    return text[:lo] + region + text[hi:]


def _undated() -> None:
    """The replies found when the replayed comments carry no date, or no signature at all
    (issue 17: the revision's author wrote them); the same edits signed, for comparison."""
    found = Counter()
    reply = next(d for d in ALL if d.name == "reply")
    for path in talk_pages():
        for replay in replays(path):
            old, new = replay.context.old_text or "", replay.context.new_text or ""
            _, _, lo, hi = changed_region(old, new)
            for mode, text in (("signed", new), ("no date", _stripped(new, lo, hi, False)),
                               ("unsigned", _stripped(new, lo, hi, True))):
                context = replace(replay.context, new_text=text)
                found[mode] += sum(1 for f in reply.detect(replay.event, context)
                                   if f.target not in PROBES)
    print(f"  replies to the participant, the replayed comments signed: {found['signed']}, "
          f"signed ~~~ (no date): {found['no date']}, unsigned: {found['unsigned']}")


if __name__ == "__main__":
    main(sys.argv[1:])
