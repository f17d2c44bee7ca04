"""The detector contract.

A detector is a small object with a `name`, the `kinds` it can report, the inputs it `needs`
beyond the event itself, and `detect(event, context) -> list[Finding]`. It is pure: no I/O,
no clock, and bad input (odd wikitext, missing fields) never raises; it yields no finding.
The pipeline calls it only for events whose actor is restricted by the context's ban, and
only on pages that are not exempt for that ban.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from detectors.bans import Restriction
from detectors.model import Event, Finding, Kind, Revision, SiteInfo


class Need(str, Enum):
    TEXT = "text"  # old_text and new_text of an edit
    HISTORY = "history"  # the page's revisions before the edit (newest first), with sha1
    HISTORY_TEXT = "history-text"  # the same, with their texts (bounded by DetectorLimits)


@dataclass(frozen=True)
class DetectorLimits:
    """Bounds that keep the cost of one event bounded, whatever the page."""

    revert_radius: int = 15  # MediaWiki's and mwreverts' window for identity reverts
    history_revisions: int = 50  # revisions walked to attribute text
    history_bytes: int = 20_000_000  # total text fetched to attribute text
    max_parse_bytes: int = 2_000_000  # wikitext larger than this is not parsed as a whole


@dataclass(frozen=True)
class Context:
    """What a detector may know about one event under one restriction."""

    restriction: Restriction
    site: SiteInfo = field(default_factory=SiteInfo)
    old_text: str | None = None  # None: page creation, hidden, or not fetched
    new_text: str | None = None
    history: tuple[Revision, ...] = ()  # revisions before the event's, newest first
    limits: DetectorLimits = field(default_factory=DetectorLimits)


class Detector(Protocol):
    name: str
    kinds: frozenset[Kind]
    needs: frozenset[Need]

    def detect(self, event: Event, context: Context) -> Sequence[Finding]: ...
