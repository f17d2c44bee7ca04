"""`ibanbot run` re-reads the bans file when it changes (its bytes, not only its mtime).

A changed file is validated first. When it is invalid, the bans loaded before stay in force and
one error is logged per bad version of the file (no names; a confidential ban's id is masked).
When it is valid, the registry is swapped (thread-safe: polls read it at the start of each API
page), identities are resolved again, and new or changed bans whose start lies before the
cursor are backfilled from their start (`Backfills.sync_bans`), and every span a ban was not
watched over since its start (bot.pipeline.coverage: a file read half-written, a ban removed and
added
back). A reload that drops more than half of the bans, or all of them, is an ERROR and a staff
warning until a later reload brings them back or staff acknowledge it (`BanDrops`).
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config.settings import load_bans
from bot.config.tomlfile import read_toml
from bot.errors import ConfigError, IbanbotError
from bot.pipeline import coverage
from bot.pipeline.ports import WatchedApp
from bot.storage.backfill import Ledger, StaffWarning
from detectors.bans import Ban

if TYPE_CHECKING:
    from bot.storage import Store

log = logging.getLogger(__name__)
RESTORED_BY = "ibanbot (the bans came back)"


def read_version(path: Path) -> tuple[str | None, bytes | None]:
    """(digest, content) of the file, read once; (None, None) when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError:
        return None, None
    return hashlib.sha256(data).hexdigest(), data


def file_digest(path: Path) -> str | None:
    return read_version(path)[0]


class BansWatcher:
    """Call `check()` periodically (a scheduler job); it never raises. `app`: what the watcher
    needs of the app (`WatchedApp`: settings, store, bans, replace_bans, prepare_wiki, ...)."""

    def __init__(self, app: WatchedApp) -> None:
        self.app = app
        self.path = Path(app.settings.bans.file)
        self.digest = file_digest(self.path)  # the version the app loaded
        self.bad_digest: str | None = None

    @property
    def interval(self) -> int:
        """Seconds between checks: the shortest poll interval, at most 30."""
        return max(1, min([30, *(w.poll_seconds for w in self.app.settings.wikis)]))

    def check(self) -> bool:
        """Reload when the file changed; True when a new version was put in force."""
        digest, data = read_version(self.path)  # the version checked is the version loaded
        if digest == self.digest or (digest is not None and digest == self.bad_digest):
            return False
        try:
            bans = load_bans(self.path, self.app.settings.wiki_names, data)
        except ConfigError as exc:
            if digest != self.bad_digest or digest is None:
                self._log_invalid(exc)
            self.bad_digest = digest
            return False
        except Exception:
            log.exception("bans file %s: reload failed; keeping the bans loaded before",
                          self.path)
            self.bad_digest = digest
            return False
        self.digest, self.bad_digest = digest, None
        self._apply(bans)
        return True

    def check_safely(self) -> None:
        try:
            self.check()
        except IbanbotError as exc:  # the wiki or the database failed: resume at next check
            log.warning("bans file %s: backfill of late bans interrupted, resuming at the "
                        "next check: %s", self.path.name, exc)
            self.digest = None
        except Exception:
            log.exception("bans file %s: reload or backfill failed; will retry", self.path.name)
            self.digest = None  # try again at the next check

    def _apply(self, bans: tuple[Ban, ...]) -> None:
        before = {b.id: b for b in self.app.bans}
        self.app.replace_bans(bans)
        changed = [b for b in bans if before.get(b.id) != b]
        log.info("bans file %s reloaded: %d ban(s), %d new or changed", self.path.name,
                 len(bans), len(changed), extra={"bans": len(bans), "changed": len(changed)})
        try:
            self._drops(before, bans)
        except IbanbotError as exc:  # the database is down: the reload stands all the same
            log.error("bans file %s: the dropped-bans warning could not be saved: %s",
                      self.path.name, exc)
        for wiki in sorted(self.app.ready):  # the others are prepared at their next poll
            try:  # identities again; late bans backfilled (done ones skipped: the ledger)
                self.app.prepare_wiki(wiki)
            except IbanbotError as exc:  # that wiki is down: done at its next good poll
                log.debug("wiki %s: identities after the reload wait for the next poll: %s",
                          wiki, exc)

    def check_start(self) -> None:
        """At start-up: the bans watched when the bot last saved a poll, compared with the file
        loaded now (a file read half-written by a restart). Never raises."""
        try:
            before = coverage.watched_at_last_save(self.app.store, self.app.settings.wiki_names)
            self._drops(dict.fromkeys(before), self.app.bans, "loaded at start-up")
        except IbanbotError as exc:
            log.warning("bans file %s: not compared with the bans watched before: %s",
                        self.path.name, exc)

    def _drops(self, before: Mapping[str, object], bans: tuple[Ban, ...],
               how: str = "reloaded") -> None:
        """A reload that drops more than half of the bans, or all: an ERROR and a staff
        warning, until a later reload brings them back (or staff acknowledge it)."""
        loaded = {b.id for b in bans}
        drops = BanDrops(self.app.store)
        drops.restored(loaded, self.app.now())
        dropped = sorted(set(before) - loaded)
        if not drops_most(len(before), len(dropped), len(bans)):
            return
        message = (f"bans file {self.path.name} {how} with {len(bans)} ban(s): it dropped "
                   f"{len(dropped)} of {len(before)} ban(s) (a file read half-written? write it "
                   "atomically: a temporary file, then a rename). The dropped bans are not "
                   "watched until the file has them again; then what they missed is backfilled")
        log.error("%s", message, extra={"bans": len(bans), "dropped": len(dropped)})
        drops.add(dropped, message, self.app.now())

    def _log_invalid(self, exc: ConfigError) -> None:
        message = mask_confidential(str(exc), self._confidential_ids())
        kept = len(self.app.bans)
        log.error("bans file changed but is invalid; keeping the %d ban(s) loaded before: %s",
                  kept, message)

    def _confidential_ids(self) -> set[str]:
        return confidential_ids(self.path, self.app.bans)


def drops_most(before: int, dropped: int, after: int) -> bool:
    """Does a reload from `before` bans to `after`, `dropped` of them gone, need a warning?
    More than half gone, or all of them."""
    return before > 0 and (after == 0 or 2 * dropped > before)


class BanDrops:
    """Open warnings of dropped bans: a staff warning each (kind `bans-dropped`, wiki `*`),
    with the dropped ids kept in the settings table until a reload brings them all back."""

    KEY = "bans_dropped"
    KIND = "bans-dropped"

    def __init__(self, store: Store) -> None:
        self.store, self.ledger = store, Ledger(store)

    def add(self, dropped: list[str], message: str, at: datetime) -> int:
        entries = self._open()
        return self.ledger.add_noted_warning(
            "*", self.KIND, message, at, self.KEY,
            lambda warning: json.dumps([*entries, {"warning": warning, "ids": dropped}]))

    def restored(self, loaded: set[str], at: datetime) -> None:
        """Acknowledge (as `ibanbot`) each warning whose bans are all loaded again."""
        entries, keep = self._open(), []
        if not entries:
            return
        waiting = {w.id for w in self.ledger.warnings() if w.kind == self.KIND}
        for entry in entries:
            if entry["warning"] not in waiting:
                continue  # acknowledged by staff
            if set(entry["ids"]) <= loaded:
                self.ledger.acknowledge(entry["warning"], RESTORED_BY, at)
                log.info("bans file: the bans dropped by an earlier reload are back "
                         "(staff warning %d acknowledged)", entry["warning"])
            else:
                keep.append(entry)
        self._save(keep)

    def _open(self) -> list[dict]:
        try:
            entries = json.loads(self.store.get_setting(self.KEY) or "[]")
        except ValueError:
            return []
        return [e for e in entries if isinstance(e, dict) and isinstance(e.get("warning"), int)
                and isinstance(e.get("ids"), list)] if isinstance(entries, list) else []

    def _save(self, entries: list[dict]) -> None:
        self.store.set_setting(self.KEY, json.dumps(entries))


def open_drop_warnings(store: Store) -> list[StaffWarning]:
    """The dropped-bans staff warnings nobody has acknowledged (`status` exits 1)."""
    return [w for w in Ledger(store).warnings() if w.kind == BanDrops.KIND]


def confidential_ids(path: Path, bans: Iterable[Ban]) -> set[str]:
    """Ids of the confidential bans loaded before and of those the file (as TOML) marks so."""
    ids = {b.id for b in bans if b.confidential}
    try:
        raw = read_toml(path)
    except ConfigError:
        return ids
    for entry in raw.get("ban") or () if isinstance(raw, dict) else ():
        if isinstance(entry, dict) and entry.get("confidential") is True:
            ids.add(str(entry.get("id")))
    return ids


def mask_confidential(message: str, ids: set[str]) -> str:
    """`ban IB-7` -> `a confidential ban` for each confidential id in the message."""
    for ban_id in sorted(ids, key=len, reverse=True):
        message = re.sub(rf"\bban {re.escape(ban_id)}(?=:\s|[\s,;)]|$)", "a confidential ban",
                         message)
    return message


def bans_problem(path: Path, exc: ConfigError) -> str:
    """One line saying the bans file is invalid, with no confidential ban's id in it."""
    reason = mask_confidential(str(exc), confidential_ids(path, ()))
    return (f"bans file {path} is invalid ({reason}); reading the queue works, `run` does "
            "not: run `ibanbot bans check` after fixing it")
