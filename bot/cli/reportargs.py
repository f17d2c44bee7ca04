"""The `ibanbot report` subcommands' arguments (kept apart so that --help stays fast)."""
from __future__ import annotations

import argparse

from bot.cli.argtypes import positive_int


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
