"""`ibanbot report add|list|show`: community reports (staff intake and review).

Staff commands: they print reporters and report texts, which nothing else prints. bot.app and
the intake are imported when a command runs, so that `ibanbot --help` stays fast.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.cli.argtypes import positive_int
from bot.cli.output import print_json
from bot.errors import IbanbotError, UsageError
from bot.review.reports import list_reports, show_report
from bot.storage import Report, Version

if TYPE_CHECKING:
    from bot.app import App


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    report = sub.add_parser("report", help="community reports (staff intake and review)"
                            ).add_subparsers(dest="report_command", required=True,
                                             parser_class=parser_class)
    add = report.add_parser("add", help="enter a report received off-wiki (no on-wiki edit)")
    add.add_argument("--wiki", required=True, help="the wiki (its [[wikis]] name)")
    add.add_argument("--diff", required=True, action="append", metavar="N",
                     help="a revision id or diff link; repeat for several")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--reporter", metavar="TEXT",
                     help="who reported it (kept private); '-' reads it from stdin. Text given "
                          "here is visible in ps and shell history: prefer --reporter-file")
    who.add_argument("--reporter-file", metavar="PATH",
                     help="read who reported it from this file (one line; '-' is stdin)")
    text = add.add_mutually_exclusive_group()
    text.add_argument("--note", metavar="TEXT",
                      help="the report's text, e.g. the e-mail; '-' reads it from stdin. Text "
                           "given here is visible in ps and shell history: prefer --note-file")
    text.add_argument("--note-file", metavar="PATH",
                      help="read the report's text from this file ('-' is stdin)")
    lst = report.add_parser("list", help="reports received, newest first (accepted or not)")
    lst.add_argument("--wiki", help="only reports on this wiki")
    lst.add_argument("--outcome", choices=["queued", "rejected"],
                     help="only reports with this outcome")
    lst.add_argument("--limit", type=positive_int, metavar="N", help="at most N reports")
    lst.add_argument("--format", choices=["table", "json"], default="table", help="output format")
    show = report.add_parser("show", help="one report: reporter, full text, queue items")
    show.add_argument("reference", help="the report's reference (R-...)")
    show.add_argument("--format", choices=["text", "json"], default="text", help="output format")


def cmd_report(args: argparse.Namespace) -> int:
    from bot.app import App

    app = App.load(args.config, need_bans=args.report_command == "add")  # add checks bans
    app.store.check_schema()
    if args.report_command == "add":
        return _add(app, args)
    if args.report_command == "show":
        report, versions = show_report(app, args.reference)
        _print({**report.to_json(), "versions": [v.to_json() for v in versions]}
               if args.format == "json" else render_report(report, versions))
        return 0
    reports = list_reports(app, wiki=args.wiki, outcome=args.outcome, limit=args.limit)
    if args.format == "json":
        _print([r.to_json() for r in reports])
    else:
        _print(render_table(reports))
    return 0


def _add(app: App, args: argparse.Namespace) -> int:
    from bot.review.staffintake import add_staff_report

    reporter, note = private_texts(args)
    report = add_staff_report(app, args.wiki, args.diff, reporter, note)
    if report.outcome != "queued":
        raise IbanbotError(f"report {report.reference} kept but not queued: "
                           + "; ".join(report.problems))
    items = ", ".join(map(str, report.item_ids))
    print(f"report {report.reference}: queue item(s) {items}"
          + (f"; not used: {'; '.join(report.problems)}" if report.problems else ""))
    return 0


def private_texts(args: argparse.Namespace) -> tuple[str, str]:
    """(reporter, note) from the options, files or stdin ('-'), which only one may use."""
    sources = [("--reporter", args.reporter, args.reporter_file),
               ("--note", args.note, args.note_file)]
    if sum(value == "-" or path == "-" for _, value, path in sources) > 1:
        raise UsageError("only one of --reporter and --note can be read from stdin")
    reporter, note = (_text(*source) for source in sources)
    return reporter, note


def _text(option: str, value: str | None, path: str | None) -> str:
    from bot.review.staffintake import MAX_TEXT_BYTES

    if path is None and value != "-":
        return value or ""
    label = f"{option}-file {path}" if path is not None else f"{option} - (stdin)"
    try:
        if path is None or path == "-":
            data = sys.stdin.read(MAX_TEXT_BYTES + 1)
        else:
            with open(path, encoding="utf-8") as handle:
                data = handle.read(MAX_TEXT_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise UsageError(f"{label}: cannot be read ({reason})") from None
    if len(data) > MAX_TEXT_BYTES:
        raise UsageError(f"{label}: longer than {MAX_TEXT_BYTES} characters")
    return data.rstrip("\n")


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


def render_report(report: Report, versions: Sequence[Version] = ()) -> str:
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
    for n, v in enumerate(versions[1:], 2):
        who = v.editor or "an account the bot could not tell"
        flag = "  NOT BY THE REPORTER: kept, not used" if v.by_other else ""
        out.append(f"  version {n}: by {who}, revision {v.revid or '-'}, "
                   f"{v.seen_at:%Y-%m-%d %H:%M} UTC{flag}")
        out += ["    | " + line for line in (v.text or "(empty)").splitlines()]
    return "\n".join(out)


COMMANDS = {"report": cmd_report}  # the top-level commands this group owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
