"""What the use cases need of the app (bot.app.App satisfies it): bot.review sits under it.

Typed against this Protocol, the review use cases import nothing above their layer; the
composition root passes the real App.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.config.settings import Settings
    from bot.pipeline.reportintake import ReportIntake
    from bot.storage import Store
    from detectors.bans import Ban


class App(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def bans(self) -> tuple[Ban, ...]: ...

    @property
    def bans_error(self) -> str | None: ...

    @property
    def now(self) -> Callable[[], datetime]: ...

    def report_intake(self, wiki: str) -> ReportIntake: ...
