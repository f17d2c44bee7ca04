"""Command-line arguments of `backfill` and `warnings` (light: no app import, --help stays fast)."""
from __future__ import annotations

import argparse


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
