"""Benchmark 2: analysis throughput, API time excluded: banned users' edits per second.

Every talk page of the shared data (`IBANBOT_SHARED_DATA`, default ../shared/data) gives two
edits by a banned user, analysed by the real Pipeline with every detector (userspace, reply,
mention, revert, edit-change, thanks, log-action):

- a reply: the page's last signed comment added (its signer banned, the most frequent other
  signer protected): replies and mentions;
- a revert: the protected user's last comment removed again, restoring the previous revision's
  exact text (same sha1): reverts and edit-change, with a 3-revision history with texts.

Texts and histories come from memory (no API), so the figure is the detectors' and pipeline's.

    python benchmarks/bench_analysis.py [SECONDS]
"""
from __future__ import annotations

import hashlib
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.pipeline.join import Pipeline
from detectors import catalog
from detectors.bans import Ban, BanRegistry
from detectors.base import DetectorLimits
from detectors.model import Event, EventType, Revision, SiteInfo, UserRef
from tests.unit.detectors.test_talk_pages_robustness import (
    PAGES,
    other_signer,
    split_last_signed,
    talk_pages,
)

T = datetime(2026, 11, 10, tzinfo=UTC)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class MemoryGateway:
    """Revisions and histories of the prepared edits; no HTTP."""

    name = "bench"

    def __init__(self) -> None:
        self.revs: dict[int, Revision] = {}
        self.histories: dict[int, tuple[Revision, ...]] = {}

    def add(self, revid: int, user: str, text: str, parent: int = 0) -> Revision:
        rev = Revision(revid, parent, UserRef(revid, user), T + timedelta(minutes=revid),
                       sha1(text), len(text), text=text)
        self.revs[revid] = rev
        return rev

    def site_info(self) -> SiteInfo:
        return SiteInfo()

    def revisions(self, revids, with_text: bool = True) -> dict[int, Revision]:
        return {r: self.revs[r] for r in revids if r in self.revs}

    def history(self, title, from_revid, limit, with_text=False, max_bytes=0):
        return self.histories.get(from_revid, ())[:limit]

    def page_creator(self, title):
        return None


def prepare() -> tuple[MemoryGateway, list[Event], list[Ban]]:
    gateway, events, bans, revid = MemoryGateway(), [], [], 0
    for n, path in enumerate(talk_pages()):
        text = path.read_text(encoding="utf-8", errors="replace")
        old, _, actor = split_last_signed(text)
        protected = other_signer(text, actor)
        bans.append(Ban(f"B{n}", (actor,), (protected,), T, two_way=False))
        title = f"Talk:Page {n}"
        # the reply
        base = gateway.add(revid + 1, protected, old)
        new = gateway.add(revid + 2, actor, text, base.revid)
        events.append(_edit(title, actor, new, base))
        # the revert: protected adds a comment, actor removes it again
        reverted = gateway.add(revid + 3, protected, text + f"\n:I disagree. [[User:{protected}"
                               f"|{protected}]] 10:00, 10 November 2026 (UTC)", new.revid)
        back = gateway.add(revid + 4, actor, text, reverted.revid)
        gateway.histories[reverted.revid] = (reverted, new, base)
        events.append(_edit(title, actor, back, reverted))
        revid += 4
    return gateway, events, bans


def _edit(title: str, actor: str, new: Revision, old: Revision) -> Event:
    return Event("bench", EventType.EDIT, new.timestamp, UserRef(0, actor), title=title,
                 namespace=1, revid=new.revid, old_revid=old.revid, sha1=new.sha1,
                 size=new.size, old_size=old.size, comment="")


def main(seconds: float = 5.0) -> None:
    gateway, events, bans = prepare()
    if not events:
        raise SystemExit(f"no talk pages in {PAGES}")
    registry = BanRegistry(bans, ["bench"])
    pipeline = Pipeline(gateway, None, lambda: registry, catalog.ALL, DetectorLimits(),
                        lambda: T)
    done, kinds, start = 0, {}, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for event in events:
            for detection in pipeline.analyse([event]):
                for finding in detection.findings:
                    kinds[finding.kind.value] = kinds.get(finding.kind.value, 0) + 1
            done += 1
    elapsed = time.perf_counter() - start
    found = ", ".join(f"{k} {v / done:.2f}" for k, v in sorted(kinds.items()))
    size = sum(len(r.text or "") for r in gateway.revs.values()) / len(gateway.revs)
    print(f"analysis: {done / elapsed:,.0f} edits/s over {len(events)} edits of "
          f"{len(events) // 2} talk pages (mean {size / 1000:.0f} KB), every detector; "
          f"findings per edit: {found}; goal >= 200")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
