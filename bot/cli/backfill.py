"""`ibanbot backfill` (a ban checked from its start, with progress) and `ibanbot warnings
list|ack` (staff warnings: gaps in what the bot could read).

bot.app and the pipeline are imported when a command runs, so that `ibanbot --help` stays fast.
"""
from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import logformat
from bot.cli.output import print_json
from bot.errors import UsageError
from bot.review import warnings as staffwarnings

if TYPE_CHECKING:
    from bot.pipeline.progress import Counts, Progress
    from detectors.bans import Ban


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    bf = sub.add_parser("backfill", help="check a ban from its start (or --since) against the "
                                         "restricted users' contributions and logs")
    bf.add_argument("--ban", required=True, metavar="ID", help="the ban's id in the bans file")
    bf.add_argument("--since", metavar="DATE", help="2026-11-01 or 2026-11-01T12:00:00Z "
                    "(default: the ban's start, resuming where the last backfill stopped)")
    bf.add_argument("--wiki", help="only this wiki (its [[wikis]] name)")
    warn = sub.add_parser("warnings", help="staff warnings (gaps in what the bot could read)")
    wsub = warn.add_subparsers(dest="warnings_command", required=True, parser_class=parser_class)
    lst = wsub.add_parser("list", help="unacknowledged warnings, oldest first")
    lst.add_argument("--all", action="store_true", help="acknowledged ones too")
    lst.add_argument("--format", choices=["table", "json"], default="table", help="output format")
    ack = wsub.add_parser("ack", help="mark a warning as read")
    ack.add_argument("id", type=int, help="the warning's id")
    ack.add_argument("--reviewer", required=True, metavar="NAME", help="who read it")


def parse_since(text: str) -> datetime:
    """`2026-11-01` (midnight UTC) or an ISO date-time with a zone (`Z` or `+02:00`)."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"ibanbot backfill: --since {text!r} is not a date "
                         "(e.g. 2026-11-01 or 2026-11-01T12:00:00Z)") from None
    if when.tzinfo is None:
        if len(text.strip()) > 10:
            raise UsageError(f"ibanbot backfill: --since {text!r} needs a time zone "
                             "(e.g. 2026-11-01T12:00:00Z)")
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def cmd_backfill(args: argparse.Namespace) -> int:
    from bot.app import App

    since = parse_since(args.since) if args.since else None
    app = App.load(args.config)
    ban = next((b for b in app.bans if b.id == args.ban), None)
    if ban is None:
        raise UsageError(f"ibanbot backfill: no ban {args.ban!r} in {app.settings.bans.file}")
    if args.wiki and (args.wiki not in app.gateways or not ban.covers_wiki(args.wiki)):
        raise UsageError(f"ibanbot backfill: ban {ban.id} does not apply on a wiki named "
                         f"{args.wiki!r}")
    app.prepare()
    bars: dict[str, Progress] = {}

    def on_progress(wiki: str, counts: Counts) -> None:
        bar = bars.get(wiki) or bars.setdefault(wiki, _bar(ban, wiki))
        bar.update(counts.events, None, f"events read, {counts.analysed} edits analysed, "
                                        f"{counts.queued} items queued")

    results = app.backfills.backfill_ban(ban, since, [args.wiki] if args.wiki else None,
                                         on_progress)
    for wiki, counts in results.items():
        if wiki in bars:
            bars[wiki].finish(counts.text())
        print(f"{wiki}: {counts.text()}")
    return 0


def _bar(ban: Ban, wiki: str) -> Progress:
    from bot.pipeline.backfill import ban_label
    from bot.pipeline.progress import Progress

    tty = sys.stderr.isatty() and not logformat.is_json()  # on a terminal (staff) the id; in
    label = ban.id if tty else ban_label(ban)              # logs, never a confidential one
    return Progress(f"backfill {label} on {wiki}", tty=tty, fields={"wiki": wiki})


def cmd_warnings(args: argparse.Namespace) -> int:
    from bot.app import App, utcnow

    app = App.load(args.config, need_bans=False)
    app.store.check_schema()
    if args.warnings_command == "ack":
        warning = staffwarnings.acknowledge(app.store, args.id, args.reviewer, utcnow())
        print(staffwarnings.acknowledged_line(warning))
        return 0
    found = staffwarnings.listing(app.store, include_acknowledged=args.all)
    if args.format == "json":
        print_json([w.to_json() for w in found])
        return 0
    for w in found:
        ack = f" (acknowledged by {w.acknowledged_by})" if w.acknowledged_by else ""
        print(f"{w.id}  {w.created_at:%Y-%m-%d %H:%M}  {w.kind}{ack}  {w.message}")
    if not found:
        print("no staff warnings")
    return 0


COMMANDS = {"backfill": cmd_backfill, "warnings": cmd_warnings}  # the top-level commands this
# group owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
