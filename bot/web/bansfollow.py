"""The web UI follows the bans file: a process that serves for weeks shows the bans in force.

Before a request, at most once every `EVERY` seconds, the file's bytes are compared with the
version the UI holds; a new valid version replaces the bans (a ban registered, changed, made
confidential or removed shows so on its items at once), an invalid one keeps the last good
bans and says why (`bans_error`), as `ibanbot run` does. Nothing else of the bot's reload
(coverage, backfills, staff warnings) belongs to the web UI.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from bot.app import App
from bot.config.bansfile import load_bans
from bot.errors import ConfigError
from bot.pipeline.reload import bans_problem, read_version

log = logging.getLogger(__name__)
EVERY = 1.0  # seconds between two looks at the file


class BansFollower:
    def __init__(self, app: App, clock: Callable[[], float] = time.monotonic) -> None:
        self.app, self.clock = app, clock
        self.path = Path(app.settings.bans.file)
        self.digest = read_version(self.path)[0]  # the version App.load read (or failed on)
        self.checked = clock()

    def refresh(self) -> None:
        """Put a changed bans file in force (never raises)."""
        if self.clock() - self.checked < EVERY:
            return
        self.checked = self.clock()
        digest, data = read_version(self.path)
        if digest is None or digest == self.digest:
            return
        self.digest = digest
        try:
            bans = load_bans(self.path, self.app.settings.wiki_names, data)
        except ConfigError as exc:
            self.app.bans_error = bans_problem(self.path, exc)
            log.warning("review UI: %s; the last good bans stay in force", self.app.bans_error)
            return
        self.app.replace_bans(bans)
        self.app.bans_error = None
        log.info("review UI: bans file reloaded (%d ban(s))", len(bans))
