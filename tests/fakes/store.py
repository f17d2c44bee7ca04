"""MemoryStore: what the pipeline and the EventStreams runner need of bot.storage.Store, in dicts.

The pipeline (bot.pipeline.join.Pipeline), the EventStreams runner (bot.pipeline.streaming) and
the identity resolution call on their store: get_cursor, save_batch, save_batch_cursors,
get_item, set_cursor, save_identity, identities. MemoryStore has those, with the real store's
semantics for what it covers (tests/unit/pipeline/test_fakes_contract.py runs the same
scenarios on both):

- a detection whose (wiki, event_key, ban_id) is queued already is left as it is: a save
  returns the ids of NEW items only, numbered from 1 in the order saved;
- save_batch moves the cursor only when given one; save_batch_cursors moves every cursor
  given (the real store records the coverage claims of the cursors it moves);
- a new item has status "new" and its detection's findings in order;
- save_identity replaces the identity of the same (wiki, name); identities() lists them by
  wiki, then name.

It does not merge coverage into spans (bot.storage.coverage): `batches` keeps every save as
a SavedBatch (the cursors it moved, the detections and coverage claims it was given, the ids
of the items it added), for tests to read. Failing saves:
set `fail` to the exception the next saves raise.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import NotFound
from bot.storage.coverage import Covered
from bot.storage.records import QueueItem
from detectors.bans import Identity
from detectors.model import Detection

StreamKey = tuple[str, str]  # (wiki, stream)


@dataclass(frozen=True)
class SavedBatch:
    """One save: the cursors it moved, the detections and claims (`covered`, by stream) it
    was given, the ids of the items it added."""
    cursors: Mapping[StreamKey, str]
    detections: tuple[Detection, ...]
    new: tuple[int, ...]
    covered: Mapping[StreamKey, Covered] = field(default_factory=dict)


class MemoryStore:
    def __init__(self, cursors: Mapping[StreamKey, str] | None = None) -> None:
        self.cursors: dict[StreamKey, str] = dict(cursors or {})
        self.items: dict[int, QueueItem] = {}
        self.batches: list[SavedBatch] = []
        self._identities: dict[tuple[str, str], Identity] = {}
        self._keys: dict[tuple[str, str, str], int] = {}
        self.fail: Exception | None = None

    # -- polling ---------------------------------------------------------------------------
    def get_cursor(self, wiki: str, stream: str) -> str | None:
        return self.cursors.get((wiki, stream))

    def set_cursor(self, wiki: str, stream: str, value: str, at: datetime) -> None:
        self.cursors[(wiki, stream)] = value

    def save_batch(self, wiki: str, stream: str, cursor: str | None,
                   detections: Sequence[Detection], detected_at: datetime,
                   covered: Covered | None = None) -> list[int]:
        moved = {(wiki, stream): cursor} if cursor is not None else {}
        claims = {(wiki, stream): covered} if covered is not None else {}
        return self._save(moved, detections, detected_at, claims)

    def save_batch_cursors(self, cursors: Mapping[StreamKey, str],
                           detections: Sequence[Detection], detected_at: datetime,
                           covered: Mapping[StreamKey, Covered] | None = None) -> list[int]:
        return self._save(dict(cursors), detections, detected_at, dict(covered or {}))

    def _save(self, cursors: dict[StreamKey, str], detections: Sequence[Detection],
              detected_at: datetime, covered: dict[StreamKey, Covered]) -> list[int]:
        if self.fail is not None:
            raise self.fail
        new = [i for i in (self._insert(d, detected_at) for d in detections) if i is not None]
        self.cursors.update(cursors)
        self.batches.append(SavedBatch(cursors, tuple(detections), tuple(new), covered))
        return new

    def _insert(self, d: Detection, detected_at: datetime) -> int | None:
        key = (d.wiki, d.event_key, d.ban_id)
        if key in self._keys:
            return None
        item_id = self._keys[key] = len(self._keys) + 1
        self.items[item_id] = QueueItem(
            id=item_id, wiki=d.wiki, ban_id=d.ban_id, event_key=d.event_key, actor=d.actor.name,
            actor_id=d.actor.id, target=d.target, page=d.page, revid=d.revid, logid=d.logid,
            timestamp=d.timestamp, detected_at=detected_at, status="new", source=d.source,
            findings=tuple(d.findings))
        return item_id

    # -- queue -----------------------------------------------------------------------------
    def get_item(self, item_id: int) -> QueueItem:
        if item_id not in self.items:
            raise NotFound(f"queue item {item_id} does not exist")
        return self.items[item_id]

    # -- identities ------------------------------------------------------------------------
    def save_identity(self, identity: Identity, resolved_at: datetime) -> None:
        self._identities[(identity.wiki, identity.name)] = identity

    def identities(self, wiki: str | None = None) -> list[Identity]:
        return [i for _, i in sorted(self._identities.items())
                if wiki is None or i.wiki == wiki]
