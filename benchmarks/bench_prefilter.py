"""Benchmark 1 and 5: prefilter throughput and peak memory of a poll, HTTP excluded.

Replays EVENTS recent changes shaped like real ones (edits, page creations, log entries;
registered users and IPs, titles in many namespaces, real-looking summaries and tags) as API
pages of 500 rows through the real poll: WikiGateway's page reading and normalization, the
Pipeline's prefilter against BANS bans (10,000 bans: 20,000 restricted accounts), analysis of
the 0.1% by banned users, and a real SQLite save of findings and cursor per page. Only the
HTTP request is replaced (the rows are built in memory, page by page; their building is timed
apart and reported). Peak RSS is the process's own (run it alone, as run_all does).

    python benchmarks/bench_prefilter.py [EVENTS]
"""
from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.pipeline.join import Pipeline
from bot.storage import Store
from bot.wiki.cursor import Position, format_ts
from bot.wiki.gateway import WikiConfig, WikiGateway
from detectors import catalog
from detectors.bans import Ban, BanRegistry, Identity
from detectors.base import DetectorLimits
from detectors.model import Revision, SiteInfo, UserRef

EVENTS, BANS, BANNED_SHARE, PAGE = 1_000_000, 10_000, 0.001, 500
START = datetime(2026, 11, 1, tzinfo=UTC)
SYLLABLES = "ka lo mi ne ra su to vi an el is or ur ber dan fel gor hal jon kir lan mor".split()
TITLES = ["Tea", "History of tea", "Green tea", "Camellia sinensis", "Teapot", "Assam",
          "Darjeeling", "Matcha", "Oolong", "Chai", "Earl Grey tea", "Tea culture"]
SPACES = [("", 60), ("Talk:", 10), ("User:", 8), ("User talk:", 10), ("Wikipedia:", 5),
          ("Template:", 3), ("Category:", 2), ("File:", 2)]
SUMMARIES = ["/* History */ copyedit", "Reverted edits by 198.51.100.7 (talk) to last version",
             "/* Origins */ Reply", "fix typo", "", "Added citation", "Undid revision 123 by X",
             "rm unsourced", "+cat", "Tag: Mobile edit", "[[WP:AES|←]]Created page with 'x'"]
TAGS = [[], [], ["mobile edit", "mobile web edit"], ["visualeditor"], ["mw-undo"],
        ["mw-rollback"], ["discussiontools", "discussiontools-reply"]]
LOGS = [("move", "move"), ("delete", "delete"), ("block", "block"), ("newusers", "create"),
        ("upload", "upload"), ("protect", "protect"), ("patrol", "patrol")]


def name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize() + \
        (str(rng.randint(1, 999)) if rng.random() < 0.3 else "")


def bans_and_identities() -> tuple[list[Ban], list[Identity]]:
    bans, idents = [], []
    for i in range(BANS):
        banned, protected = f"Banned {i:05d}", f"Protected {i:05d}"
        bans.append(Ban(f"IB-{i:05d}", (banned,), (protected,), START))
        idents += [Identity("bench", banned, 1_000_000 + i, banned),
                   Identity("bench", protected, 2_000_000 + i, protected)]
    return bans, idents


class Rows:
    """Row templates (a realistic mix) and the paging of EVENTS rows built from them."""

    def __init__(self, events: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        users = [(rng.randint(1, 900_000), name(rng)) for _ in range(20_000)]
        users += [(0, f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}") for _ in range(6000)]
        users += [(0, f"2001:db8:{rng.randint(0, 65535):x}::{rng.randint(1, 65535):x}")
                  for _ in range(2000)]
        self.rng, self.users, self.events = rng, users, events
        self.templates = [self._template(rng) for _ in range(5000)]

    def _template(self, rng: random.Random) -> dict[str, Any]:
        prefix = rng.choices([p for p, _ in SPACES], [w for _, w in SPACES])[0]
        title = prefix + (rng.choice(TITLES) if prefix in ("", "Talk:") else name(rng))
        kind = rng.choices(["edit", "new", "log"], [80, 8, 12])[0]
        row: dict[str, Any] = {"type": kind, "ns": 0, "title": title,
                               "pageid": rng.randint(1, 9 ** 8),
                               "comment": rng.choice(SUMMARIES), "tags": rng.choice(TAGS),
                               "sha1": f"{rng.getrandbits(160):040x}",
                               "oldlen": rng.randint(0, 90_000), "newlen": rng.randint(0, 90_000)}
        if kind == "log":
            log_type, action = rng.choice(LOGS)
            row.update(logtype=log_type, logaction=action, logparams={})
        return row

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """EVENTS rows, PAGE at a time; ~12 changes a second, like a busy wiki."""
        rng, users, banned_every = self.rng, self.users, int(1 / BANNED_SHARE)
        picks = [users[rng.randrange(len(users))] for _ in range(65_536)]
        templates, stamp = self.templates, START
        for first in range(0, self.events, PAGE):
            rows = []
            for n in range(first, min(first + PAGE, self.events)):
                if n % banned_every == banned_every // 2:
                    i = rng.randrange(BANS)
                    uid, user = 1_000_000 + i, f"Banned {i:05d}"
                else:
                    uid, user = picks[(n * 7919) & 65_535]
                if n % 12 == 0:
                    stamp += timedelta(seconds=1)
                    text = format_ts(stamp)
                row = {**templates[n % len(templates)], "rcid": n + 1, "revid": n + 1,
                       "old_revid": n, "user": user, "userid": uid, "timestamp": text}
                # half the banned users' edits are breaches
                if uid >= 1_000_000 and (n // banned_every) % 2:
                    row.update(type="edit", ns=3, title=f"User talk:Protected {i:05d}")
                if row["type"] == "log":
                    row["logid"] = n + 1
                rows.append(row)
            yield rows


class ReplayGateway(WikiGateway):
    """The real gateway with the HTTP request replaced by in-memory API pages."""

    def __init__(self, rows: Rows) -> None:
        super().__init__(WikiConfig(name="bench", api="http://bench.invalid/api.php"))
        self.rows = rows

    def _query(self, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if params.get("list") == "recentchanges":
            for rows in self.rows.pages():
                yield {"recentchanges": rows}
        elif params.get("list") != "logevents":
            yield {}

    def site_info(self) -> SiteInfo:
        return SiteInfo()

    def revisions(self, revids, with_text: bool = True) -> dict[int, Revision]:
        return {r: Revision(r, r - 1, UserRef(1, "Someone"), START, text="Hello\n" * 40)
                for r in revids}

    def history(self, title, from_revid, limit, with_text=False, max_bytes=0):
        return ()

    def page_creator(self, title: str) -> str | None:
        return None

    revisions_with_contributors = None  # texts and contributors apart (both from memory)

    def contributors(self, titles, max_requests: int = 5) -> dict[str, tuple[UserRef, ...]]:
        """Protected users have edited their own talk pages, nobody else's pages."""
        out = {}
        for title in titles:
            owner = title.partition(":")[2] if title.startswith("User talk:Protected ") else ""
            out[title] = (UserRef(2_000_000 + int(owner[-5:]), owner),) if owner else ()
        return out


def run(events: int = EVENTS) -> dict[str, float]:
    bans, idents = bans_and_identities()
    registry = BanRegistry(bans, ["bench"], idents)
    t0 = time.perf_counter()
    built = sum(len(p) for p in Rows(events).pages())
    build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.sqlite3")
        store.upgrade()
        store.set_cursor("bench", "recentchanges", Position(START, 0).format(), START)
        store.set_cursor("bench", "log:thanks", Position(START, 0).format(), START)
        pipeline = Pipeline(ReplayGateway(Rows(events)), store, lambda: registry, catalog.ALL,
                            DetectorLimits(), lambda: START + timedelta(days=30))
        t0 = time.perf_counter()
        result = pipeline.poll()
        total = time.perf_counter() - t0
        store.close()
    assert result.events == built == events, (result.events, built)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"events": events, "watched": result.watched, "items": len(result.new_items),
            "seconds": total, "build_seconds": build, "rate": events / total,
            "net_rate": events / max(total - build, 1e-9), "peak_rss_mb": rss}


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS
    r = run(events)
    print(f"prefilter: {r['rate']:,.0f} events/s ({r['events']:,} events, {BANS:,} bans, "
          f"{r['watched']:,} by banned users, {r['items']:,} queue items) in {r['seconds']:.1f} s; "
          f"{r['net_rate']:,.0f} events/s without building the rows ({r['build_seconds']:.1f} s); "
          f"goal >= 100,000")
    print(f"memory: peak RSS {r['peak_rss_mb']:.0f} MB during the replay; goal <= 150 MB")


if __name__ == "__main__":
    main()
