"""Reads from a wiki that no page waits on (bot.web.wikiwait) and the diff kept with its item
once a read the page gave up on comes in (bot.web.itemdiff), over a real database."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from bot.errors import WikiError
from bot.storage import ItemDiffStore, Store
from bot.web.itemdiff import item_diff
from bot.web.wikiwait import StillReading, Waits
from bot.wiki.diffs import Comparison
from tests.storage_fixtures import T0, detection


def test_a_slow_read_goes_on_and_its_answer_is_there_next_time():
    release = threading.Event()
    calls: list[int] = []

    def read() -> str:
        calls.append(1)
        release.wait(5)
        return "answer"

    waits = Waits(0.05)
    started = time.monotonic()
    with pytest.raises(StillReading, match="did not answer within 0.05 s"):
        waits.get("k", read)
    with pytest.raises(StillReading):
        waits.get("k", read)  # the same read, not a second one
    assert time.monotonic() - started < 1 and len(calls) == 1
    release.set()
    time.sleep(0.1)
    assert waits.get("k", read) == "answer" and len(calls) == 1


def test_a_failed_read_is_remembered_for_a_while_then_tried_again():
    calls: list[int] = []

    def read() -> str:
        calls.append(1)
        raise WikiError("wiki w: compare failed (ReadTimeout)")

    waits = Waits(1.0, keep_seconds=0.2)
    for _ in range(2):
        with pytest.raises(WikiError, match="ReadTimeout"):
            waits.get("k", read)
    assert len(calls) == 1
    time.sleep(0.3)
    with pytest.raises(WikiError):
        waits.get("k", read)
    assert len(calls) == 2


@dataclass
class SlowWiki:
    seconds: float
    timeout: float = 5.0
    calls: int = 0

    def compare(self, revid: int) -> Comparison:
        self.calls += 1
        time.sleep(self.seconds)
        return Comparison(revid, revid - 1, "Talk:Foo", "Alice",
                          "summary <script>", '<tr><td class="diff-addedline">'
                          "<script>alert(1)</script>new</td></tr>")


def test_a_diff_the_page_gave_up_on_is_kept_when_it_comes(store: Store):
    (item_id,) = store.save_batch("devwiki", "rc", "c", [detection("rev:42")], T0)
    item = store.get_item(item_id)
    diffs, wiki, waits = ItemDiffStore(store.engine), SlowWiki(0.4), Waits(0.05)
    first = item_diff(item, diffs, {"devwiki": wiki}, waits, lambda: T0)
    assert first.rows is None and "could not fetch the diff" in first.problem
    assert "reload the page" in first.problem
    deadline = time.monotonic() + 10
    while diffs.get(item_id) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    again = item_diff(item, diffs, {}, Waits(0.05), lambda: T0)  # no wiki needed any more
    assert again.problem == "" and again.summary == "summary <script>"
    assert "new" in again.rows and "<script>" not in again.rows
    assert wiki.calls == 1 and diffs.get(item_id).html.count("<script>") == 1  # kept as given
