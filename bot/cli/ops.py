"""The operations subcommands: `status` (poll health, for monitoring) and `purge` (retention).

bot.app and the use cases are imported when a command runs, so that `ibanbot --help` stays fast.
"""
from __future__ import annotations

import argparse
import sys

from bot.cli.output import print_json
from bot.errors import UsageError


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    status = sub.add_parser("status", help="poll health per wiki and stream (exit 1 when stale)")
    status.add_argument("--max-age", type=float, metavar="SECONDS",
                        help="stale after this long without a successful poll "
                             "(default: operations.stale_after_seconds)")
    status.add_argument("--format", choices=["table", "json"], default="table",
                        help="output format")
    status.add_argument("--show-confidential", action="store_true",
                        help="name confidential bans in coverage holes (staff only; leave it "
                             "out of a monitoring check)")
    purge = sub.add_parser("purge", help="delete decided items past the retention period")
    purge.add_argument("--days", type=int, metavar="N",
                       help="retention in days (default: operations.retention_days)")


def cmd_status(args: argparse.Namespace) -> int:
    """Exit 0 when every wiki was polled recently, 1 when one is stale (for monitoring)."""
    if args.max_age is not None and args.max_age <= 0:
        raise UsageError("ibanbot status: --max-age must be a positive number of seconds")
    from bot.app import App
    from bot.review import operations as health

    app = App.load(args.config, need_bans=False)  # an invalid bans file is a problem (exit 1)
    app.store.check_schema()
    rows = health.status(app, args.max_age)
    problems = health.problems(app, rows)
    if args.format == "json":
        print_json([r.to_json(args.show_confidential) for r in rows])  # the file's problem:
        # on stderr (App.load)
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
    else:
        print(health.render(rows, args.show_confidential))
        for problem in ([app.bans_error] if app.bans_error else []) + problems:
            print(f"problem: {problem}")
    return 1 if any(r.stale for r in rows) or app.bans_error or problems else 0


def cmd_purge(args: argparse.Namespace) -> int:
    if args.days is not None and args.days < 1:
        raise UsageError("ibanbot purge: --days must be at least 1")
    from bot.app import App
    from bot.review import operations as health

    app = App.load(args.config, need_bans=False)
    app.store.check_schema()
    result = health.purge_decided(app, args.days)
    print(f"purged {result.items} decided item(s) decided before "
          f"{result.cutoff:%Y-%m-%dT%H:%M:%SZ}, the text and reporter of {result.reports} "
          f"report(s) received before it, and {result.sign_in_attempts} review UI sign-in "
          "attempt(s) made before it")
    return 0


COMMANDS = {"status": cmd_status, "purge": cmd_purge}  # the top-level commands this group
# owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
