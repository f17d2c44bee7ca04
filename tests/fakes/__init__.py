"""The test doubles shared by the unit tests: one wiki gateway and one in-memory store.

- `FakeGateway` (tests.fakes.gateway): the pipeline's Gateway Protocol and its optional
  capabilities, answering from data given to it and recording every call.
- `MemoryStore` (tests.fakes.store): what the pipeline and the EventStreams runner need of
  bot.storage.Store, in dicts, with the real store's idempotence (checked against it by
  tests/unit/pipeline/test_fakes_contract.py).

Unit tests use them; the integration tests use the real MediaWiki and real databases, never these.
"""
from __future__ import annotations

from tests.fakes.gateway import FakeGateway, every_revision
from tests.fakes.store import MemoryStore, SavedBatch

__all__ = ["FakeGateway", "MemoryStore", "SavedBatch", "every_revision"]
