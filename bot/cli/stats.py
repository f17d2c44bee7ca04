"""`ibanbot stats`: precision from decisions (bot.review.stats), per finding kind and band.

bot.app is imported when the command runs, so that `ibanbot --help` stays fast.
"""
from __future__ import annotations

import argparse

from bot.cli.output import print_json
from bot.review import stats
from bot.storage import query as search


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    parser = sub.add_parser("stats", help="precision from decisions, per finding kind and "
                                          "confidence band (no names, no ban ids)")
    parser.add_argument("--since", metavar="DATE", help="items whose event is from this date "
                                                        "(YYYY-MM-DD) or time on")
    parser.add_argument("--wiki", metavar="W", help="only this wiki (its [[wikis]] name)")
    parser.add_argument("--format", choices=["table", "json"], default="table",
                        help="output format")


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.app import App

    app = App.load(args.config, need_bans=False)
    app.store.check_schema()
    since = search.parse_time(args.since, "stats: --since") if args.since else None
    wikis = {*app.settings.wiki_names, *app.store.queue_values()[0]}
    figures = stats.precision(app.store, wikis, since, args.wiki)
    if args.format == "json":
        print_json(figures.to_json())
    else:
        print(stats.render_table(figures))
    return 0


COMMANDS = {"stats": cmd_stats}  # the top-level commands this group owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
