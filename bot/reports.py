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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable, Protocol
from urllib.parse import urlsplit

from bot import reportpage as rp
from bot.errors import EditConflict
from bot.guard import Guard
from bot.settings import WikiSettings
from bot.storage import NewReport, Report, ReportStore
from bot.wiki import WikiGateway
from bot.wiki import reports as wiki_reports
from bot.wiki.writer import save_page
from detectors.bans import Restriction
from detectors.model import Detection, Event, UserRef

log = logging.getLogger(__name__)
MAX_DIFFS = 20
MAX_CHARS = 5000
HISTORY = 100  # revisions of the report page read to find who added each section
ATTEMPTS = 3  # saves tried when others edit the page meanwhile
SUMMARY = "Acknowledging {n} report(s)"


class Examiner(Protocol):
    def examine(self, event: Event) -> list[tuple[Restriction, Detection | None]]: ...


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
    links: rp.Diffs | None = None  # wiki: read from the section (bot.reportpage.read_reports)


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
        if existing is not None and (existing.text == sub.text or existing.purged_at):
            return existing  # unchanged, or decided and purged long ago: never taken in again
        reference = existing.reference if existing else new_reference()
        diffs = self._diffs(sub)
        problems = self._unreadable(sub) or self._rejection(sub, diffs)
        detections: list[Detection] = []
        used: list[int] = []
        if not problems:
            problems = [f"{rp.quoted(link)} (another wiki)" for link in diffs.foreign]
            problems += [f"{rp.quoted(link)} (not a single revision)" for link in diffs.unclear]
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
            received_at=existing.received_at if existing else self.now())
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
        results = self.examiner.examine(event)
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
    reports: int = 0
    acknowledged: int = 0
    edited: bool = False
    conflicts: int = 0


class ReportPage:
    """One pass over a wiki's report page: queue every section, then acknowledge them."""

    def __init__(self, intake: ReportIntake, now: Callable[[], datetime],
                 guard: Guard | None = None,
                 on_unreadable: Callable[[str], None] | None = None):
        self.intake, self.now = intake, now
        self.wiki, self.gateway = intake.wiki, intake.gateway
        self.guard = guard or Guard()
        self.on_unreadable = on_unreadable

    def process(self) -> PageResult:
        result = PageResult(self.wiki.name)
        for _ in range(ATTEMPTS):
            snapshot = wiki_reports.read_page(self.gateway, self.wiki.report_page or "")
            sections = self._read(snapshot) if snapshot.exists else []
            if not sections:
                return result
            done = self._receive(snapshot, sections)
            result.reports = len(done)
            if not self._may_edit():
                return result
            try:
                self._acknowledge(snapshot, done)
            except EditConflict:
                result.conflicts += 1
                log.info("wiki %s: the report page changed meanwhile; re-reading it",
                         self.wiki.name)
                continue
            result.edited, result.acknowledged = True, len(done)
            return result
        log.warning("wiki %s: report page: gave up after %d edit conflicts; next pass retries",
                    self.wiki.name, result.conflicts)
        return result

    def _read(self, snapshot: wiki_reports.PageSnapshot) -> list[tuple[rp.Section, rp.Diffs]]:
        """Sections and their diffs, parsed under the analysis bounds (bot.guard): a page
        that cannot be read within them is left alone and staff are told."""
        args = (snapshot.text, self.intake.host, self.intake.diff_aliases(), MAX_CHARS)
        parsed = self.guard.call(rp.read_reports, args, len(snapshot.text.encode("utf-8")))
        if parsed is None:
            message = (f"the report page [[{snapshot.title}]] (revision {snapshot.revid}) could "
                       f"not be read within {self.guard.seconds:g} s / {self.guard.memory_mb} "
                       "MB; no report on it is taken in until it changes; check it by hand")
            log.warning("wiki %s: the report page could not be read within the analysis bounds "
                        "(staff warning recorded)", self.wiki.name)
            if self.on_unreadable is not None:
                self.on_unreadable(message)
            return []
        return parsed

    def _receive(self, snapshot: wiki_reports.PageSnapshot,
                 parsed: list[tuple[rp.Section, rp.Diffs]]) -> list[tuple[rp.Section, Report]]:
        history = self.gateway.history(snapshot.title, snapshot.revid, HISTORY, with_text=True)
        adders = rp.attribute([section for section, _ in parsed], history)
        done = []
        for section, links in parsed:
            adder = adders.get(section.key)
            reporter = adder.user if adder else UserRef(0, "")
            revid = adder.revid if adder else 0
            sub = Submission(
                wiki=self.wiki.name, origin="wiki", reporter=reporter, text=section.text,
                fingerprint=rp.fingerprint(self.wiki.name, snapshot.title, revid, section),
                page=snapshot.title, section=section.heading, added_revid=revid, links=links)
            done.append((section, self.intake.submit(sub)))
        return done

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

    def _acknowledge(self, snapshot: wiki_reports.PageSnapshot,
                     done: list[tuple[rp.Section, Report]]) -> None:
        replacements = [rp.Replacement(section, receipt(report)) for section, report in done]
        text = rp.rewrite(snapshot.text, replacements)
        save_page(self.gateway, snapshot, text, SUMMARY.format(n=len(done)))
        self.intake.store.mark_acknowledged([r.reference for _, r in done], self.now())


def receipt(report: Report) -> str:
    return rp.receipt_line(report.reference, f"{report.received_at:%Y-%m-%d}",
                           report.problems, report.outcome == "queued")
