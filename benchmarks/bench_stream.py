"""EventStreams source throughput: recentchange messages per second through the StreamRunner.

EVENTS messages shaped like Wikimedia's (JSON text, decoded here as the client does), spread
over 300 wikis of which WIKIS are configured, 10,000 bans on every configured wiki, 0.1% of the
events by banned users: routing, mapping, de-duplication against the polling cursors, the
prefilter, enrichment and analysis of the watched ones (contents from memory), and the real
SQLite saves of findings and positions. Wikimedia's whole stream averages a few dozen events a
second, so this is the headroom of one process.

    python benchmarks/bench_stream.py [EVENTS]
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_prefilter import BANS, START, ReplayGateway, Rows, bans_and_identities

from bot.pipeline.join import Pipeline, PollResult
from bot.pipeline.streaming import StreamRunner
from bot.storage import Store
from bot.wiki.eventstreams import Message, Routes, StreamRef
from detectors import catalog
from detectors.bans import BanRegistry, Identity
from detectors.base import DetectorLimits
from detectors.model import UserRef
from tests.sse_server import event_id, from_rc_row

EVENTS, WIKIS, ALL_WIKIS = 200_000, 20, 300


class StreamGateway(ReplayGateway):
    def revisions(self, revids, with_text: bool = True):
        """Revision metadata without a user name: enrichment keeps the stream's actor."""
        return {r: replace(rev, user=UserRef(0, ""))
                for r, rev in super().revisions(revids, with_text).items()}


class ReplayClient:
    def __init__(self, payloads: list[str]) -> None:
        self.payloads = payloads

    def read(self, last_event_id, since=None):
        for n, payload in enumerate(self.payloads):
            yield Message(event_id(n), json.loads(payload))

    def close(self) -> None:
        pass


def payloads(events: int) -> list[str]:
    out = []
    for page in Rows(events).pages():
        for row in page:
            wiki = f"w{row['rcid'] * 7 % ALL_WIKIS}wiki"
            if row["userid"] >= 1_000_000:  # banned users' events on configured wikis
                wiki = f"w{row['rcid'] % WIKIS}wiki"
            if row["type"] == "log":
                row = {**row, "logparams": {}}
            out.append(json.dumps(from_rc_row(row, wiki, f"{wiki}.example.org")))
    return out


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS
    bans, idents = bans_and_identities()
    wikis = [f"w{i}" for i in range(WIKIS)]
    idents = [Identity(w, i.name, i.user_id, i.current_name) for w in wikis for i in idents]
    registry = BanRegistry(bans, wikis, idents)
    data = payloads(events)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.sqlite3")
        store.upgrade()
        now = lambda: START + timedelta(days=60)  # noqa: E731
        pipelines = {}
        for w in wikis:
            gateway = StreamGateway(Rows(0))
            gateway.name = w
            pipelines[w] = Pipeline(gateway, store, lambda: registry, catalog.ALL,
                                    DetectorLimits(), now)
        routes = Routes(tuple(StreamRef.of(w, f"https://{w}.example.org/w/api.php", f"{w}wiki")
                              for w in wikis))
        runner = StreamRunner(ReplayClient(data), pipelines, routes, store, now,
                              fill=lambda w: PollResult(w))
        t0 = time.perf_counter()
        result = runner.run(once=True)
        elapsed = time.perf_counter() - t0
        store.close()
    print(f"eventstreams: {result.events / elapsed:,.0f} events/s ({result.events:,} events of "
          f"{ALL_WIKIS} wikis, {result.ours:,} of the {WIKIS} configured, {result.watched:,} "
          f"by banned users, {len(result.new_items):,} queue items; {BANS:,} bans) in "
          f"{elapsed:.1f} s, JSON decoding included")


if __name__ == "__main__":
    main()
