"""Staff intake of a report received off-wiki (by e-mail): `ibanbot report add` and the web
UI's intake form, with the same checks.

The reporter is any name or address (one line, kept private); the text is the e-mail; each
diff is a revision id or a diff link of that wiki. The report is kept whatever comes of it:
queued (with its queue items) or rejected (with its problems). No on-wiki edit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import UsageError
from bot.pipeline.reportintake import MAX_DIFFS, staff_submission
from bot.review.ports import App
from bot.storage import Report
from detectors.reportpage import extract_diffs

MAX_TEXT_BYTES = 1024 * 1024  # a report's text (from a file, stdin or the web form)



@dataclass(frozen=True)
class StaffReport:
    """A staff report that passed the checks, ready to be taken in."""

    wiki: str
    revids: tuple[int, ...]
    reporter: str
    note: str


def add_staff_report(app: App, wiki: str, diffs: Sequence[str], reporter: str,
                     note: str, entered_by: str | None = None) -> Report:
    """The report as stored (outcome `queued` or `rejected`); UsageError for bad input.
    `entered_by` (the web UI's signed-in reviewer) gets an audit row naming the report."""
    return submit(app, check(app, wiki, diffs, reporter, note), entered_by)


def check(app: App, wiki: str, diffs: Sequence[str], reporter: str, note: str
          ) -> StaffReport:
    """Every check that needs no wiki; UsageError naming what is wrong."""
    if wiki not in app.settings.wiki_names:
        raise UsageError(f"--wiki must be one of {', '.join(app.settings.wiki_names)}, "
                         f"not {wiki!r}")
    if app.bans_error:
        raise UsageError(f"reports cannot be checked while the {app.bans_error}")
    reporter = reporter.strip()
    if not reporter:
        raise UsageError("--reporter must name who reported it")
    if "\n" in reporter:
        raise UsageError("the reporter must be one line")
    if len(note) > MAX_TEXT_BYTES:
        raise UsageError(f"the report's text is longer than {MAX_TEXT_BYTES} characters")
    values = [d for d in (v.strip() for v in diffs) if d]
    if not values:
        raise UsageError("--diff: at least one revision id or diff link")
    if len(values) > MAX_DIFFS:
        raise UsageError(f"--diff: at most {MAX_DIFFS} diffs per report, not {len(values)}")
    api = app.settings.wiki(wiki).api
    return StaffReport(wiki, tuple(parse_diff(v, api) for v in values), reporter, note)


def submit(app: App, report: StaffReport, entered_by: str | None = None) -> Report:
    """Take the report in: each diff read from the wiki, checked against the bans and by the
    detectors; kept whatever comes of it."""
    stored = app.report_intake(report.wiki).submit(staff_submission(
        report.wiki, list(report.revids), report.reporter, report.note))
    if entered_by:
        items = " ".join(map(str, stored.item_ids)) or "none"
        app.store.record_audit(entered_by, "report-add", None,
                               f"report {stored.reference} entered ({stored.outcome}; "
                               f"queue items {items})", app.now())
    return stored


def parse_diff(value: str, api: str) -> int:
    """A revision id from `123`, `Special:Diff/123` or a diff link of the wiki at `api`."""
    value = value.strip()
    if value.isdigit():
        return int(value)
    found = extract_diffs(value if "://" not in value else f"[{value}]",
                          urlsplit(api).netloc)
    if found.foreign:
        raise UsageError(f"--diff {value[:200]!r}: a diff of another wiki")
    if len(found.revids) != 1:
        raise UsageError(f"--diff {value[:200]!r}: not a revision id or a diff link")
    return found.revids[0]
