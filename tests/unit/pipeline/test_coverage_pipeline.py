"""What a saved batch claims as coverage: only the bans loaded for every page (or stream event)
of it, from where its reading began to the cursor it saves (bot.pipeline.coverage)."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.pipeline.join import Pipeline
from bot.pipeline.streaming import StreamRunner
from bot.wiki.cursor import Position
from bot.wiki.eventstreams import Message, Routes, StreamRef
from detectors.base import DetectorLimits
from tests.core_helpers import WIKI, at, ban, edit, registry
from tests.fakes import FakeGateway, MemoryStore

RECORDED = json.loads((Path(__file__).parents[2] / "data" / "eventstreams" / "recentchange.json")
                      .read_text(encoding="utf-8"))


def two_bans():
    return registry(ban(id="IB-A"), ban(id="IB-B", banned=("Carol",), protected=("Dave",)),
                    ban(id="IB-ELSEWHERE", wikis=("otherwiki",)), wikis=(WIKI, "otherwiki"))


def test_a_poll_claims_the_bans_loaded_for_every_page_from_its_cursor():
    current = [registry(ban(id="IB-A"), wikis=(WIKI, "otherwiki"))]
    pages = [[edit("Erin", "Sandbox")], [edit("Erin", "Sandbox")], [edit("Erin", "Sandbox")]]
    store = MemoryStore({(WIKI, "recentchanges"): Position(at(9), 5).format()})

    def reload(stream, n):
        if n == 0:  # the bans file reloaded with IB-B added, after the first page
            current[0] = two_bans()

    gateway = FakeGateway(WIKI, recent=pages, on_page=reload)
    pipeline = Pipeline(gateway, store, lambda: current[0], (), DetectorLimits(), lambda: at(11))
    pipeline.poll(("recentchanges",))
    (batch,) = store.batches
    ((stream, covered),) = batch.covered.items()
    (cursor,) = batch.cursors.values()
    assert covered.ban_ids == {"IB-A"}  # the first page's rows were judged without IB-B;
    # IB-ELSEWHERE is not in force on this wiki
    assert covered.start == (at(9), 5)  # from the cursor the poll began at ...
    assert (covered.end, cursor) == ((at(10) + timedelta(minutes=2), 3),  # ... to the new one
                                     Position(at(10) + timedelta(minutes=2), 3).format())


def test_a_stream_batch_claims_the_bans_loaded_for_each_wiki():
    current = [registry(ban(id="IB-A"), wikis=("en",))]
    store = MemoryStore()
    pipeline = Pipeline(FakeGateway("en"), store, lambda: current[0], (), DetectorLimits(),
                        lambda: at(11))
    runner = StreamRunner(None, {"en": pipeline},
                          Routes((StreamRef.of("en", "https://en.wikipedia.org/w/api.php",
                                               "enwiki"),)), store, lambda: at(11))
    edit_message, _, thanks_message = RECORDED[0], RECORDED[1], RECORDED[2]
    runner._take(Message("1", edit_message))
    current[0] = registry(ban(id="IB-A"), ban(id="IB-B"), wikis=("en",))  # IB-B added
    runner._take(Message("3", thanks_message))
    runner.flush()
    (batch,) = store.batches
    cursors, covered = batch.cursors, batch.covered
    assert set(covered) == {("en", "recentchanges"), ("en", "log:thanks")}
    assert all(c.ban_ids == {"IB-A"} for c in covered.values())
    rc = covered[("en", "recentchanges")]
    assert rc.start == rc.end and Position(*rc.end).format() == cursors[("en", "recentchanges")]
