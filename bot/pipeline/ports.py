"""What the pipeline's app-wide jobs need of the app (bot.app.App satisfies each Protocol).

bot.pipeline sits under bot.app in the layers, so the backfills, the bans watcher and the
coverage report name here exactly what they use of it, and the composition root passes the
real App (mypy checks that it fits at each call site in bot/app.py and bot/run).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.config.settings import Settings
    from bot.pipeline.join import Pipeline
    from bot.pipeline.metrics import NoMetrics
    from bot.storage import Store
    from bot.wiki import WikiGateway
    from detectors.bans import Ban, BanRegistry


class _StoreAndBans(Protocol):
    @property
    def store(self) -> Store: ...

    @property
    def bans(self) -> tuple[Ban, ...]: ...


class CoverageApp(_StoreAndBans, Protocol):
    """What `coverage.open_holes` reads: the wikis configured, the bans in force, the store."""

    @property
    def settings(self) -> Settings: ...


class BackfillApp(_StoreAndBans, Protocol):
    """What `Backfills` use: the wikis' gateways and pipelines, the bans, the store, the clock."""

    @property
    def gateways(self) -> Mapping[str, WikiGateway]: ...

    @property
    def registry(self) -> BanRegistry: ...

    @property
    def now(self) -> Callable[[], datetime]: ...

    @property
    def metrics(self) -> NoMetrics: ...

    def pipeline(self, wiki: str) -> Pipeline: ...


class WatchedApp(CoverageApp, Protocol):
    """What the bans watcher (`reload.BansWatcher`) uses: it swaps the bans and prepares the
    wikis already prepared (identities, late bans) again."""

    @property
    def now(self) -> Callable[[], datetime]: ...

    @property
    def ready(self) -> Set[str]: ...

    def replace_bans(self, bans: tuple[Ban, ...]) -> None: ...

    def prepare_wiki(self, wiki: str) -> None: ...
