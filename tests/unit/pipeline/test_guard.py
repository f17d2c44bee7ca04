"""Analysis under a time and memory bound: small inputs in process, large ones in a child."""
from __future__ import annotations

import pytest

from bot.app import App
from bot.pipeline.guard import Guard, input_size
from bot.storage.backfill import Ledger
from detectors.base import Context, Need
from detectors.model import Finding, Kind
from tests.core_helpers import WIKI, at, ban, edit, registry, user
from tests.harness import Bot, people
from tests.harness import ban as ban_entry


class Finds:
    name, kinds, needs = "finds", frozenset({Kind.MENTION}), frozenset()

    def detect(self, event, context):
        return [Finding(Kind.MENTION, 0.5, f"saw {len(context.new_text or '')} chars", "Bob")]


class Hangs:
    name, kinds, needs = "hangs", frozenset({Kind.MENTION}), frozenset({Need.TEXT})

    def detect(self, event, context):
        if len(context.new_text or "") > 1000:
            while True:
                pass
        return []


class Bloats:
    name, kinds, needs = "bloats", frozenset({Kind.MENTION}), frozenset()

    def detect(self, event, context):
        hoard = []
        while True:
            hoard.append(bytearray(50 * 1024 * 1024))


def ctx(size: int) -> Context:
    (r,) = registry(ban()).restrictions(WIKI, user("Alice"), at(10))
    return Context(restriction=r, old_text="", new_text="x" * size)


def test_small_inputs_run_in_process_and_large_ones_in_a_child():
    guard = Guard(seconds=20, in_process_bytes=100)
    assert input_size(ctx(50)) == 50
    for size in (50, 5000):  # in process, then in a forked child
        (f,) = guard.run([Finds()], edit("Alice", "Talk:X"), ctx(size))
        assert f.evidence == f"saw {size} chars"


@pytest.mark.parametrize("detector", [Hangs(), Bloats()], ids=["endless loop", "memory"])
def test_a_runaway_analysis_is_stopped(detector):
    guard = Guard(seconds=2, memory_mb=200, in_process_bytes=100)
    assert guard.run([Finds(), detector], edit("Alice", "Talk:X"), ctx(5000)) is None


@pytest.mark.wiki
def test_stopped_analysis_becomes_a_staff_warning(tmp_path, local_wiki):
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot = Bot(tmp_path / "bot", local_wiki)
    bot.add_ban(**ban_entry(alice, bob, confidential=True))
    a.edit(f"Talk:{alice} big page", "word " * 60_000)
    app = App.load(bot.folder / "settings.toml")
    app.prepare()
    app.detectors = (Hangs(),)
    pipeline = app.pipeline(local_wiki.name)
    pipeline.guard = Guard(seconds=1, in_process_bytes=1000)
    pipeline.poll()
    (warning,) = Ledger(app.store).warnings()
    assert warning.kind == "unanalysed" and "check it by hand" in warning.message
    assert app.store.list_items() == []


def _spin() -> None:
    while True:
        pass


def test_call_bounds_any_pure_function():
    """Report-page parsing runs through the same bound as the detectors
    (bot.pipeline.reportintake)."""
    guard = Guard(seconds=1, in_process_bytes=10)
    assert guard.call(len, ("abc",), 5) == 3      # small: in this process
    assert guard.call(len, ("abc",), 100) == 3    # large: in a child, result sent back
    assert guard.call(_spin, (), 100) is None      # stopped at the bound
