"""`ibanbot report add|list|show` (staff) and the reports shown by `queue show`.

Staff commands: they print reporters and report texts, which nothing else prints.
"""
from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit

from bot.app import App
from bot.review import print_json
from bot.errors import IbanbotError, UsageError
from bot.reportpage import extract_diffs
from bot.reports import staff_submission
from bot.storage import Report, ReportStore
from bot.storage.records import NO_BAN_NOTE


def cmd_report(args: argparse.Namespace) -> int:
    app = App.load(args.config, need_bans=args.report_command == "add")  # add checks bans
    app.store.check_schema()
    store = ReportStore(app.store.engine)
    if args.report_command == "add":
        return _add(app, args)
    if args.report_command == "show":
        report = store.get(args.reference)
        _print(report.to_json() if args.format == "json" else render_report(report))
        return 0
    reports = store.list(wiki=args.wiki, outcome=args.outcome, limit=args.limit)
    if args.format == "json":
        _print([r.to_json() for r in reports])
    else:
        _print(render_table(reports))
    return 0


def _add(app: App, args: argparse.Namespace) -> int:
    settings = app.settings.wiki(args.wiki)
    if not args.reporter.strip():
        raise UsageError("--reporter must name who reported it")
    diffs = [_revid(value, settings.api) for value in args.diff]
    report = app.report_intake(args.wiki).submit(
        staff_submission(args.wiki, diffs, args.reporter, args.note))
    if report.outcome != "queued":
        raise IbanbotError(f"report {report.reference} kept but not queued: "
                           + "; ".join(report.problems))
    items = ", ".join(map(str, report.item_ids))
    print(f"report {report.reference}: queue item(s) {items}"
          + (f"; not used: {'; '.join(report.problems)}" if report.problems else ""))
    return 0


def _revid(value: str, api: str) -> int:
    value = value.strip()
    if value.isdigit():
        return int(value)
    found = extract_diffs(value if "://" not in value else f"[{value}]",
                          urlsplit(api).netloc)
    if found.foreign:
        raise UsageError(f"--diff {value!r}: a diff of another wiki")
    if len(found.revids) != 1:
        raise UsageError(f"--diff {value!r}: not a revision id or a diff link")
    return found.revids[0]


def _print(value: Any) -> None:
    if isinstance(value, str):
        print(value)
    else:
        print_json(value)


def render_table(reports: list[Report]) -> str:
    if not reports:
        return "(no reports)"
    rows = [("REFERENCE", "WIKI", "ORIGIN", "OUTCOME", "REPORTER", "DIFFS", "ITEMS",
             "RECEIVED (UTC)")]
    rows += [(r.reference, r.wiki, r.origin, r.outcome,
              "(purged)" if r.purged_at else r.reporter or "?",
              " ".join(map(str, r.diffs)) or "-", " ".join(map(str, r.item_ids)) or "-",
              f"{r.received_at:%Y-%m-%d %H:%M}") for r in reports]
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip()
                     for row in rows)


def render_report(report: Report) -> str:
    ack = f"{report.acknowledged_at:%Y-%m-%d %H:%M} UTC" if report.acknowledged_at else "no"
    where = f"{report.page} (section {report.section!r}, revision {report.added_revid})" \
        if report.origin == "wiki" else "entered by staff"
    out = [f"Report {report.reference} [{report.outcome}]  wiki: {report.wiki}",
           f"  reporter: {report.reporter or '(unknown)'}", f"  from:     {where}",
           f"  received: {report.received_at:%Y-%m-%d %H:%M:%S} UTC; acknowledged: {ack}",
           f"  diffs:    {' '.join(map(str, report.diffs)) or '-'}",
           f"  items:    {' '.join(map(str, report.item_ids)) or '-'}"]
    out += [f"  problem:  {p}" for p in report.problems]
    if report.purged_at:
        out.append(f"  purged:   {report.purged_at:%Y-%m-%d %H:%M} UTC (retention: its text, "
                   "heading, diffs and reporter are deleted)")
        return "\n".join(out)
    out.append("  text:")
    out += ["    | " + line for line in (report.text or "(empty)").splitlines()]
    return "\n".join(out)


def item_reports(app: App, item: Any) -> list[Report]:
    return ReportStore(app.store.engine).for_item(item.id)


def render_item_reports(item: Any, reports: list[Report]) -> str:
    """What `queue show` adds: the no-ban note and each report (reporter and full text)."""
    out = [f"Note: {NO_BAN_NOTE}"] if not item.ban_id else []
    if reports:
        out.append(f"Reports ({len(reports)}):")
        for n, report in enumerate(reports):
            label = "reported by" if n == 0 else "also reported by"
            out.append(f"  - {report.reference} {label} {report.reporter or '(unknown)'} "
                       f"({report.origin}, {report.received_at:%Y-%m-%d %H:%M} UTC)")
            out += ["      | " + line for line in (report.text or "(empty)").splitlines()]
    return "\n".join(out)
