"""An item's diff for its page: kept with the item once fetched, never waited on for long.

The first view of an item reads the wiki's diff in the background (bot.web.wikiwait) and
keeps it (`item_diffs`, bot.storage.itemdiffs) as soon as it comes, even when the page gave
up waiting; every later view shows the kept one without asking the wiki. The HTML is kept as
the wiki gave it and sanitized (bot.web.html) each time it is shown.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from bot.errors import IbanbotError
from bot.storage import ItemDiffStore, KeptDiff
from bot.web.html import sanitize_diff
from bot.web.wikiwait import StillReading, Waits
from bot.wiki.reader import AnonymousReader


@dataclass(frozen=True)
class ShownDiff:
    rows: Markup | None  # sanitized rows of the diff table; None: no diff to show
    problem: str  # why there is none (what could not be fetched)
    summary: str | None  # the edit summary, as text


def item_diff(item: Any, diffs: ItemDiffStore, readers: Mapping[str, AnonymousReader],
              waits: Waits, now: Callable[[], datetime]) -> ShownDiff:
    if not item.revid:
        return ShownDiff(None, "a logged action: no diff (see the log entry on the wiki)", None)
    kept = diffs.get(item.id)
    if kept is None:
        reader = readers.get(item.wiki)
        if reader is None:
            return ShownDiff(None, f"wiki {item.wiki} is not configured any more", None)
        try:
            kept = waits.get(("diff", item.id), lambda: _fetch(item, reader, diffs, now))
        except StillReading as exc:
            return ShownDiff(None, f"could not fetch the diff: {exc}; it is still being "
                             f"read (for up to {reader.timeout:g} s): reload the page", None)
        except IbanbotError as exc:
            return ShownDiff(None, f"could not fetch the diff ({exc}); reload the page in a "
                             "minute to try again", None)
    # sanitized by nh3 (an allow-list) and rebuilt as well-formed rows before it is marked safe
    rows = Markup(sanitize_diff(kept.html))  # nosec B704
    return ShownDiff(rows, "", kept.comment)


def _fetch(item: Any, reader: AnonymousReader, diffs: ItemDiffStore,
           now: Callable[[], datetime]) -> KeptDiff:
    """The wiki's diff, kept with the item (in the background: the page may be gone)."""
    comparison = reader.compare(item.revid)
    kept = KeptDiff(item.id, item.revid, comparison.html, comparison.comment, now())
    diffs.keep(kept)
    return kept
