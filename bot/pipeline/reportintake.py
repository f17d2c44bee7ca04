"""Community report intake: the on-wiki report page and staff-entered reports.

Every report ends up in the private queue, checked by the detectors: for each diff, the bans
in force at its time with its author as a banned party give one queue item each (source
`report`, with the detectors' findings, possibly none); an event already queued gets the report
linked to its item instead ("also reported by"); an author under no registered ban gets an item
with no ban, for staff only. Bad reports are kept too (outcome `rejected`) and get a neutral
reply. The only edit the bot ever makes is the receipt on the report page, and only when the
wiki's run page says `yes`.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from bot.config.settings import WikiSettings
from bot.errors import EditConflict, IbanbotError
from bot.pipeline.guard import Guard
from bot.storage import NewReport, Report, ReportStore, Version
from bot.wiki import WikiGateway
from bot.wiki import reports as wiki_reports
from bot.wiki.writer import save_page
from detectors import reportpage as rp
from detectors.bans import Restriction
from detectors.model import Detection, Event, UserRef

log = logging.getLogger(__name__)
MAX_DIFFS = 20
MAX_CHARS = 5000
HISTORY = 100  # revisions of the report page read to find who added each section
ATTEMPTS = 3  # saves tried when others edit the page meanwhile
SUMMARY = "Acknowledging {n} report(s)"
MAX_PER_PASS = 50  # reports taken in, and receipts written, per pass (the rest: next pass)
MAX_EDIT_BYTES = 2_000_000  # the bot's edit stays under MediaWiki's default 2 MiB page limit
REPORT_HISTORY_BYTES = 2_000_000  # history text read to analyse one reported diff


class Examiner(Protocol):
    def examine(self, event: Event, history_bytes: int = 0
                ) -> list[tuple[Restriction, Detection | None]]: ...


@dataclass(frozen=True)
class Submission:
    """A report as received: from a section of the report page, or from staff."""

    wiki: str
    origin: str  # "wiki" or "staff"
    reporter: UserRef
    text: str
    fingerprint: str
    page: str = ""
    section: str = ""
    added_revid: int = 0
    diffs: tuple[int, ...] = ()  # staff: given on the command line
    links: rp.Diffs | None = None  # wiki: read from the section (detectors.reportpage.read_reports)
    seen_revid: int = 0  # wiki: the page revision this text was read from


def new_reference() -> str:
    return "R-" + secrets.token_hex(5)


class ReportIntake:
    """Checks a report, runs the detectors on its diffs and stores it with its queue items."""

    def __init__(self, wiki: WikiSettings, gateway: WikiGateway, examiner: Examiner,
                 store: ReportStore, now: Callable[[], datetime]):
        self.wiki, self.gateway, self.examiner = wiki, gateway, examiner
        self.store, self.now = store, now
        self.host = urlsplit(wiki.api).netloc

    def submit(self, sub: Submission) -> Report:
        existing = self.store.find(sub.wiki, sub.fingerprint)
        if existing is not None and (existing.latest == sub.text or existing.purged_at):
            return existing  # unchanged, or decided and purged long ago: never taken in again
        reference = existing.reference if existing else new_reference()
        diffs = self._diffs(sub)
        problems = self._unreadable(sub) or self._rejection(sub, diffs)
        detections: list[Detection] = []
        used: list[int] = []
        if not problems:
            problems = [f"link {diffs.position(link)} (another wiki)" for link in diffs.foreign]
            problems += [f"link {diffs.position(link)} (not a single revision)"
                         for link in diffs.unclear]
            for revid in diffs.revids:
                found = self._detections(revid)
                if found is None:
                    problems.append(f"diff {revid} (it does not exist, was deleted or is hidden)")
                else:
                    detections += found
                    used.append(revid)
        report = NewReport(
            reference=reference, wiki=sub.wiki, fingerprint=sub.fingerprint, origin=sub.origin,
            page=sub.page, section=sub.section, added_revid=sub.added_revid,
            reporter=sub.reporter.name, reporter_id=sub.reporter.id, text=sub.text,
            diffs=diffs.revids, outcome="queued" if used else "rejected",
            problems=tuple(problems or ([] if used else ["no usable diff"])),
            received_at=existing.received_at if existing else self.now(),
            seen_revid=sub.seen_revid or sub.added_revid, seen_at=self.now())
        return self.store.save(report, detections, self.now())

    def _diffs(self, sub: Submission) -> rp.Diffs:
        if sub.origin == "staff":
            return rp.Diffs(tuple(dict.fromkeys(sub.diffs)))
        if sub.links is not None:
            return sub.links
        if self._unreadable(sub):
            return rp.Diffs()  # never parse what is rejected anyway
        return rp.extract_diffs(sub.text, self.host, self.diff_aliases())

    def diff_aliases(self) -> tuple[str, ...]:
        return tuple(self.gateway.site_info().special_aliases.get("Diff", ("Diff",)))

    @staticmethod
    def _unreadable(sub: Submission) -> list[str]:
        """The checks made before any parsing (empty: none failed)."""
        if sub.origin == "staff":
            return []
        if not sub.reporter.name:
            return ["the account that posted it could not be determined"]
        if len(sub.text) > MAX_CHARS:
            return [f"it is longer than {MAX_CHARS} characters"]
        return []

    def _rejection(self, sub: Submission, diffs: rp.Diffs) -> list[str]:
        """What makes the whole report unusable, in neutral words (empty: nothing)."""
        if sub.origin == "staff":
            return [] if diffs.revids else ["no diff given"]
        if not (diffs.revids or diffs.foreign or diffs.unclear):
            return ["it links to no diff (use the IBAN report template or a Special:Diff link)"]
        if len(diffs.revids) > MAX_DIFFS:
            return [f"it links to more than {MAX_DIFFS} diffs"]
        if not diffs.revids:
            return ["its diffs are not revisions of this wiki"]
        return self._reporter_limits(sub)

    def _reporter_limits(self, sub: Submission) -> list[str]:
        minimum = self.wiki.report_min_edits
        if minimum and wiki_reports.user_edit_count(self.gateway, sub.reporter) < minimum:
            return [f"reports are accepted from accounts with at least {minimum} edits"]
        since = self.now() - timedelta(days=1)
        done = self.store.count_since(sub.wiki, sub.reporter.name, since, sub.fingerprint,
                                      sub.reporter.id or 0)
        if done >= self.wiki.report_max_per_day:
            return [f"an account may post at most {self.wiki.report_max_per_day} reports a day"]
        return []

    def _detections(self, revid: int) -> list[Detection] | None:
        lookup = wiki_reports.reported_revision(self.gateway, revid)
        if lookup.event is None:
            return None
        event = lookup.event
        results = self.examiner.examine(event, history_bytes=REPORT_HISTORY_BYTES)
        if not results:
            return [_detection(event, "", "")]
        return [replace(d, source="report") if d is not None else
                _detection(event, r.ban.id, ", ".join(p.name for p in r.protected)[:255])
                for r, d in results]


def _detection(event: Event, ban_id: str, target: str) -> Detection:
    return Detection(wiki=event.wiki, ban_id=ban_id, event_key=event.key, actor=event.actor,
                     target=target, page=event.title, timestamp=event.timestamp, findings=(),
                     revid=event.revid, source="report")


def staff_submission(wiki: str, diffs: list[int], reporter: str, note: str) -> Submission:
    reporter = " ".join(reporter.split())
    return Submission(wiki=wiki, origin="staff", reporter=UserRef(0, reporter), text=note,
                      fingerprint="staff:" + secrets.token_hex(12), diffs=tuple(diffs))


# ----------------------------------------------------------------------------- the page

@dataclass
class PageResult:
    wiki: str
    reports: int = 0  # new reports and new versions taken in
    acknowledged: int = 0
    edited: bool = False
    conflicts: int = 0
    deferred: int = 0  # reports left for a later pass (the per-pass bound)


@dataclass(frozen=True)
class Found:
    """A section of the report page that is a report (or was taken in as one before)."""

    section: rp.Section
    links: rp.Diffs
    origin: rp.Origin
    fingerprint: str
    known: Report | None


class ReportPage:
    """One pass over a wiki's report page.

    First the reports taken in by earlier passes are acknowledged (one edit at the start of
    the pass, whose timing says nothing of what the detectors found); then new reports, and
    new versions of reports still on the page, are taken in. Only sections that are reports
    are touched: ones holding the report template or a diff link, added after intake began on
    the page. Everything else, and all above the first heading, stays byte for byte.
    """

    def __init__(self, intake: ReportIntake, now: Callable[[], datetime],
                 guard: Guard | None = None,
                 warn: Callable[[str, str], None] | None = None):
        self.intake, self.now = intake, now
        self.wiki, self.gateway = intake.wiki, intake.gateway
        self.store = intake.store
        self.guard = guard or Guard()
        self.warn = warn or (lambda kind, message: None)
        self._handled: set[str] = set()  # fingerprints whose new version this pass kept

    def process(self) -> PageResult:
        result = PageResult(self.wiki.name)
        for _ in range(ATTEMPTS):
            snapshot = wiki_reports.read_page(self.gateway, self.wiki.report_page or "")
            if not snapshot.exists:
                return result
            found = self._reports(snapshot)
            try:
                self._acknowledge(snapshot, found, result)
            except EditConflict:
                result.conflicts += 1
                log.info("wiki %s: the report page changed meanwhile; re-reading it",
                         self.wiki.name)
                continue
            self._receive(snapshot, found, result)
            return result
        log.warning("wiki %s: report page: gave up after %d edit conflicts; next pass retries",
                    self.wiki.name, result.conflicts)
        return result

    # -- reading ---------------------------------------------------------------------------
    def _reports(self, snapshot: wiki_reports.PageSnapshot) -> tuple[list[Found], frozenset[str]]:
        began = self.store.intake_began(self.wiki.name, snapshot.title, snapshot.revid,
                                        self.now())
        genuine = self._genuine(snapshot.text)
        parsed = self._read(snapshot, genuine)
        if not parsed:
            return [], genuine
        history = self.gateway.history(snapshot.title, snapshot.revid, HISTORY, with_text=True)
        origins = rp.origins_of([s for s, _ in parsed], history)
        ordinals: dict[tuple[int, str], int] = {}
        candidates = []
        for (section, links), origin in zip(parsed, origins):
            if origin.added is None:
                continue  # older than the history read: taken in long ago, or never a report
            key = (origin.added.revid, section.heading)
            ordinals[key] = ordinals.get(key, 0) + 1
            fp = rp.fingerprint(self.wiki.name, snapshot.title, origin.added.revid, section,
                                ordinals[key])
            candidates.append((section, links, origin, fp))
        known = self.store.find_many(self.wiki.name, [c[3] for c in candidates])
        found = [Found(section, links, origin, fp, known.get(fp))
                 for section, links, origin, fp in candidates
                 if fp in known or (links.any and origin.added is not None
                                    and origin.added.revid > began)]
        return found, genuine

    def _genuine(self, text: str) -> frozenset[str]:
        """The receipt lines on the page that the bot wrote: their reference is in the
        database and their text is exactly the receipt of that report."""
        lines = rp.receipt_references(text)
        stored = self.store.by_references(self.wiki.name, list(lines.values()))
        user = self.wiki.user or ""
        return frozenset(line for line, ref in lines.items() if ref in stored and
                         rp.is_receipt(line, receipt(stored[ref]), user))

    def _read(self, snapshot: wiki_reports.PageSnapshot, genuine: frozenset[str]
              ) -> list[tuple[rp.Section, rp.Diffs]]:
        """Sections and their diffs, parsed under the analysis bounds (bot.pipeline.guard): a page
        that cannot be read within them is left alone and staff are told."""
        args = (snapshot.text, self.intake.host, self.intake.diff_aliases(), MAX_CHARS, genuine)
        parsed = self.guard.call(rp.read_reports, args, len(snapshot.text.encode("utf-8")))
        if parsed is None:
            log.warning("wiki %s: the report page could not be read within the analysis bounds "
                        "(staff warning recorded)", self.wiki.name)
            self.warn("unanalysed", f"the report page [[{snapshot.title}]] (revision "
                      f"{snapshot.revid}) could not be read within {self.guard.seconds:g} s / "
                      f"{self.guard.memory_mb} MB; no report on it is taken in until it "
                      "changes; check it by hand")
            return []
        return parsed

    # -- acknowledging ------------------------------------------------------------------------
    def _acknowledge(self, snapshot: wiki_reports.PageSnapshot,
                     found: tuple[list[Found], frozenset[str]], result: PageResult) -> None:
        sections, genuine = found
        pending = [f for f in sections if f.known is not None and not f.known.acknowledged_at]
        if not pending or not self._may_edit() or self._throttled():
            return
        for f in pending:  # what is replaced now is kept first
            self._keep_version(snapshot, f)
        replacements = [rp.Replacement(f.section, receipt(f.known)) for f in
                        pending[:MAX_PER_PASS] if f.known is not None]
        text, made = rp.bounded_rewrite(snapshot.text, replacements, MAX_EDIT_BYTES, genuine)
        if not made:
            return
        save_page(self.gateway, snapshot, text, SUMMARY.format(n=len(made)))
        done = {r.section.start for r in made}
        refs = [f.known.reference for f in pending if f.known and f.section.start in done]
        self.store.mark_acknowledged(refs, self.now())
        result.edited, result.acknowledged = True, len(refs)

    def _throttled(self) -> bool:
        """At most one receipt edit per `receipt_interval_seconds`: a pass that comes sooner
        leaves the receipts for a later one (it never sleeps, so nothing waits on it)."""
        last = self.store.last_acknowledged(self.wiki.name)
        wait = self.wiki.receipt_interval_seconds - ((self.now() - last).total_seconds()
                                                     if last else 1e9)
        if wait > 0:
            log.info("wiki %s: receipts wait %.0f s more (receipt_interval_seconds)",
                     self.wiki.name, wait)
            return True
        return False

    def _may_edit(self) -> bool:
        run_page = self.wiki.run_page
        if not self.wiki.user:
            log.warning("wiki %s: no `user` configured: the report page is not edited",
                        self.wiki.name)
            return False
        if not run_page:
            log.warning("wiki %s: no run_page configured: the report page is not edited",
                        self.wiki.name)
            return False
        text = wiki_reports.read_page(self.gateway, run_page).text
        if text.strip().casefold() != "yes":
            log.warning("wiki %s: run page %s does not say 'yes': no edits; reports are queued "
                        "but not acknowledged", self.wiki.name, run_page)
            return False
        return True

    # -- taking in ----------------------------------------------------------------------------
    def _receive(self, snapshot: wiki_reports.PageSnapshot,
                 found: tuple[list[Found], frozenset[str]], result: PageResult) -> None:
        sections = [f for f in found[0] if f.known is None or
                    (not f.known.acknowledged_at and f.section.text != f.known.latest
                     and f.fingerprint not in self._handled)]
        for n, f in enumerate(sections):
            if n >= MAX_PER_PASS:
                result.deferred = len(sections) - n
                log.info("wiki %s: report page: %d report(s) left for the next pass",
                         self.wiki.name, result.deferred)
                return
            try:
                self._take_in(snapshot, f)
                result.reports += 1
            except IbanbotError as exc:  # this section only: the others go on
                log.warning("wiki %s: report page: a section could not be taken in: %s",
                            self.wiki.name, exc)
                self.warn("report-error", f"the section {f.section.heading!r} of "
                          f"[[{snapshot.title}]] (added in revision "
                          f"{f.origin.added.revid if f.origin.added else 0}) could not be "
                          f"taken in: {exc}; it is retried on every pass")

    def _take_in(self, snapshot: wiki_reports.PageSnapshot, f: Found) -> None:
        added = f.origin.added
        assert added is not None  # nosec B101 (only attributed sections are Found)
        if f.known is not None and self._keep_version(snapshot, f):
            return  # someone else's text: kept and shown to staff, never used
        sub = Submission(
            wiki=self.wiki.name, origin="wiki", reporter=added.user, text=f.section.text,
            fingerprint=f.fingerprint, page=snapshot.title, section=f.section.heading,
            added_revid=added.revid, links=f.links, seen_revid=snapshot.revid)
        self.intake.submit(sub)

    def _keep_version(self, snapshot: wiki_reports.PageSnapshot, f: Found) -> bool:
        """A changed section of a stored report, changed by someone but its reporter: keep
        that version (once), tell staff, count it against the editor; True if so."""
        report = f.known
        if report is None or f.section.text == report.latest:
            return False
        others = [r for r in f.origin.changes if not _same_user(r.user, report)]
        if not others and f.origin.changes:
            return False  # the reporter's own edit: taken in as a new version
        editor = others[0].user if others else UserRef(0, "")
        self.store.add_version(report.reference, Version(
            snapshot.revid, editor.name, editor.id, True, f.section.text, self.now()))
        who = f"{editor.name} (revision {others[0].revid})" if others else "an unknown account"
        self.warn("report-edited", f"report {report.reference} on [[{snapshot.title}]]: its "
                  f"section was changed by {who}, not by its reporter; that version is kept "
                  f"(`ibanbot report show {report.reference}`) but not used")
        self._handled.add(f.fingerprint)
        return True


def _same_user(user: UserRef, report: Report) -> bool:
    if user.id and report.reporter_id:
        return user.id == report.reporter_id
    return user.name == report.reporter


def receipt(report: Report) -> str:
    return rp.receipt_line(report.reference, f"{report.received_at:%Y-%m-%d}",
                           report.problems, report.outcome == "queued")
