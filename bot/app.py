"""Composition root: settings -> store, wiki gateways, ban registry, detectors, pipelines."""
from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.config.settings import Settings, load_bans, load_settings
from bot.errors import ConfigError, WikiError
from bot.pipeline import metrics
from bot.pipeline.backfill import Backfills
from bot.pipeline.guard import Guard
from bot.pipeline.join import STREAMS, Pipeline, PollResult
from bot.pipeline.reload import bans_problem
from bot.pipeline.reportintake import PageResult, ReportIntake, ReportPage
from bot.pipeline.streaming import StreamRunner
from bot.review import identities
from bot.storage import Store
from bot.storage.backfill import Ledger
from bot.wiki import WikiConfig, WikiGateway
from bot.wiki.eventstreams import Routes, StreamClient, StreamRef
from detectors import catalog
from detectors.bans import Ban, BanRegistry, Restriction
from detectors.model import Event, Kind

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class App:
    def __init__(self, settings: Settings, bans: tuple[Ban, ...], store: Store,
                 gateways: dict[str, WikiGateway], now: Callable[[], datetime] = utcnow):
        self.settings, self.bans, self.store = settings, bans, store
        self.gateways, self.now = gateways, now
        self.detectors = catalog.ALL
        self._registry: BanRegistry | None = None
        self._lock = threading.RLock()  # bans and registry swap on reload, polls read them
        self._backfills: Backfills | None = None
        self.metrics: metrics.NoMetrics = metrics.NoMetrics()  # `serve_metrics` for real ones
        self.ready: set[str] = set()  # wikis prepared (identities, late bans) in this process
        self.bans_error: str | None = None  # App.load(need_bans=False): why the file is invalid
        self._holes_failing: set[str] = set()  # wikis whose last backfill of holes failed

    @classmethod
    def load(cls, config: str | Path, now: Callable[[], datetime] = utcnow,
             need_bans: bool = True) -> App:
        """The app; with `need_bans=False` (commands that only read the queue or the health)
        an invalid bans file is said once on stderr and kept in `bans_error`."""
        settings = load_settings(config)
        error = None
        try:
            bans = load_bans(settings.bans.file, [w.name for w in settings.wikis])
        except ConfigError as exc:
            if need_bans:
                raise
            bans, error = (), bans_problem(settings.bans.file, exc)
            print(f"warning: {error}", file=sys.stderr)
        store = Store(settings.database.url)
        app = cls(settings, bans, store, make_gateways(settings), now)
        app.bans_error = error
        return app

    def serve_metrics(self) -> None:
        """The Prometheus endpoint `[metrics]` asks for (none when its port is 0)."""
        self.metrics = metrics.serve(self.settings.metrics,
                                     metrics.open_items_of(self.store.count_by_status))
        self.metrics.start(self.gateways, STREAMS, [k.value for k in Kind])

    # -- bans and identities ---------------------------------------------------------
    @property
    def registry(self) -> BanRegistry:
        with self._lock:
            if self._registry is None:
                self._registry = BanRegistry(self.bans, [w.name for w in self.settings.wikis],
                                             self.store.identities())
            return self._registry

    def replace_bans(self, bans: tuple[Ban, ...]) -> None:
        """A reloaded bans file: polls from now on use the new registry (bot.pipeline.reload)."""
        with self._lock:
            self.bans, self._registry = tuple(bans), None

    @property
    def backfills(self) -> Backfills:
        """Backfills of late bans and of gaps longer than recent changes keep
        (bot.pipeline.backfill)."""
        with self._lock:  # poll jobs of several wikis and the reload job may ask at once
            if self._backfills is None:
                self._backfills = Backfills(self)
            return self._backfills

    def resolve_identities(self, wiki: str | None = None) -> list[identities.NameCheck]:
        """Resolve the bans' names on each wiki (or one), store them, rebuild the registry."""
        checks: list[identities.NameCheck] = []
        bans = self.bans  # one version, even if the bans file is reloaded meanwhile
        for name, gateway in self.gateways.items():
            if wiki and name != wiki:
                continue
            found, wiki_checks = identities.resolve(bans, gateway, self.store.identities(name))
            for ident in found:
                self.store.save_identity(ident, self.now())
            checks.extend(wiki_checks)
        with self._lock:  # not while a poll builds a registry from the identities saved before
            self._registry = None
        return checks

    def warn_about_names(self, checks: list[identities.NameCheck]) -> None:
        """Log name problems without revealing confidential bans (staff see them in bans check)."""
        confidential = {b.id for b in self.bans if b.confidential}
        bans_file = self.settings.bans.file.name
        hidden = 0
        for check in checks:
            if check.status == "ok":
                continue
            if check.ban_id in confidential:
                hidden += 1
            else:  # no user name in logs: staff see them in `ibanbot bans check`
                log.warning("%s", check.log_message(bans_file),
                            extra={"wiki": check.wiki, "problem": check.status})
        if hidden:
            log.warning("%d name problem(s) in confidential bans: run `ibanbot bans check`",
                        hidden, extra={"problems": hidden})

    def _on_rename(self, event: Event) -> None:
        log.info("wiki %s: an account was renamed; refreshing ban identities", event.wiki,
                 extra={"wiki": event.wiki})
        self.resolve_identities(event.wiki)

    # -- polling -----------------------------------------------------------------------
    def pipeline(self, wiki: str) -> Pipeline:
        if wiki not in self.gateways:
            raise ConfigError(f"{self.settings.path}: no wiki named {wiki!r}")
        ops = self.settings.operations
        return Pipeline(self.gateways[wiki], self.store, lambda: self.registry, self.detectors,
                        self.settings.limits.detector_limits(), self.now, self._on_rename,
                        Guard(ops.analysis_seconds, ops.analysis_memory_mb),
                        self._on_unanalysed)

    def _on_unanalysed(self, event: Event, restriction: Restriction) -> None:
        """An event whose analysis hit its bound: a staff warning, so it is looked at by hand."""
        Ledger(self.store).add_warning(
            event.wiki, "unanalysed",
            f"{event.key} on [[{event.title}]] by {event.actor.name} at "
            f"{event.timestamp:%Y-%m-%d %H:%M:%S} UTC could not be analysed within "
            f"{self.settings.operations.analysis_seconds} s / "
            f"{self.settings.operations.analysis_memory_mb} MB; check it by hand",
            self.now(), restriction.ban.id)

    def _warn_once(self, wiki: str, kind: str, message: str) -> None:
        """A staff warning, unless the same one is already waiting for staff."""
        ledger = Ledger(self.store)
        if not any(w.wiki == wiki and w.kind == kind and w.message == message
                   for w in ledger.warnings()):
            ledger.add_warning(wiki, kind, message, self.now())

    # -- community reports (bot.pipeline.reportintake) ---------------------------------------------
    def report_intake(self, wiki: str) -> ReportIntake:
        return ReportIntake(self.settings.wiki(wiki), self.gateways[wiki], self.pipeline(wiki),
                            self.store.reports, self.now)

    def process_reports(self, wiki: str) -> PageResult | None:
        """One pass over the wiki's report page; None when it has no `report_page`."""
        if not self.settings.wiki(wiki).report_page:
            return None
        ops = self.settings.operations
        result = ReportPage(self.report_intake(wiki), self.now,
                            Guard(ops.analysis_seconds, ops.analysis_memory_mb),
                            lambda kind, message: self._warn_once(wiki, kind, message)).process()
        busy = result.reports or result.acknowledged  # an idle pass: nothing at INFO
        log.log(logging.INFO if busy else logging.DEBUG,
                "wiki %s: report page: %d report(s) read, %d acknowledged", wiki,
                result.reports, result.acknowledged,
                extra={"wiki": wiki, "reports": result.reports,
                       "acknowledged": result.acknowledged})
        return result

    def stream_runner(self, stop: threading.Event | None = None,
                      fill: Callable[[str], PollResult | None] | None = None,
                      alive: Callable[[], None] | None = None,
                      holding: Callable[[], bool] | None = None) -> StreamRunner:
        """The EventStreams source over every configured wiki (settings [streams]); `fill`
        polls one wiki to fill a gap (default: its pipeline); `alive` records health;
        reading stops when `holding()` turns False (the stream's lock was lost)."""
        cfg = self.settings.streams
        client = StreamClient(cfg.eventstreams_url, self.settings.bot.contact,
                              cfg.timeout_seconds)
        routes = Routes(tuple(StreamRef.of(w.name, w.api, w.stream_wiki)
                              for w in self.settings.wikis))
        return StreamRunner(client, {w: self.pipeline(w) for w in self.gateways}, routes,
                            self.store, self.now, cfg.batch_seconds, cfg.reconnect_seconds, stop,
                            fill, alive, self.metrics, holding)

    def prepare(self) -> None:
        """A database at the current schema and every wiki's identities resolved (polls
        prepare each wiki at its first successful contact instead: `prepare_wiki`)."""
        self.ensure_schema()
        self.warn_about_names(self.resolve_identities())

    def prepare_wiki(self, wiki: str) -> None:
        """Before a wiki's first poll in this process (and again after a reload of the bans):
        its ban identities resolved and stored, late bans backfilled from their start, and
        every span a ban was not watched over since then (bot.pipeline.coverage)."""
        with self._lock:
            self.ready.discard(wiki)  # until done: a failure leaves it for the next poll
        self.warn_about_names(self.resolve_identities(wiki))
        for name, counts in self.backfills.sync_bans(self.bans, wikis=[wiki]).items():
            log.info("wiki %s: backfill of late bans: %s", name, counts.text(),
                     extra=counts.fields(name))
        self.fill_holes(wiki)
        with self._lock:
            self.ready.add(wiki)

    def fill_holes(self, wiki: str) -> None:
        """Backfill the spans a ban in force was not watched over (bot.pipeline.coverage). A wiki
        failing meanwhile leaves the rest open for the next poll (`status` shows them) and
        does not stop live polling: one warning, then DEBUG until a try succeeds."""
        try:
            counts = self.backfills.fill_holes(wiki)
        except WikiError as exc:
            level = logging.DEBUG if wiki in self._holes_failing else logging.WARNING
            self._holes_failing.add(wiki)
            log.log(level, "wiki %s: backfill of coverage holes interrupted, tried again at "
                    "the next poll: %s", wiki, exc, extra={"wiki": wiki})
            return
        self._holes_failing.discard(wiki)
        if counts is not None:
            log.info("wiki %s: backfill of coverage holes: %s", wiki, counts.text(),
                     extra=counts.fields(wiki))

    def ensure_schema(self) -> None:
        """A new, empty database is created; an older schema needs `ibanbot db upgrade`."""
        if self.store.current_revision() is None:
            self.store.upgrade()
        self.store.check_schema()


def make_gateways(settings: Settings) -> dict[str, WikiGateway]:
    base = Path(settings.path).parent
    return {w.name: WikiGateway(WikiConfig(
        name=w.name, api=w.api, user=w.user, contact=settings.bot.contact, maxlag=w.maxlag,
        max_retries=w.max_retries, retry_wait=w.retry_wait,
        ping_templates=w.ping_templates,
        pywikibot_dir=base)) for w in settings.wikis}
