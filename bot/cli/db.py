"""`ibanbot db upgrade`: the database migrations.

bot.app is imported when the command runs, so that `ibanbot --help` stays fast.
"""
from __future__ import annotations

import argparse


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    db = sub.add_parser("db", help="the database").add_subparsers(
        dest="db_command", required=True, parser_class=parser_class)
    db.add_parser("upgrade", help="apply the database migrations")


def cmd_db(args: argparse.Namespace) -> int:
    from bot.app import App

    app = App.load(args.config, need_bans=False)
    app.store.upgrade()
    print(f"database at revision {app.store.current_revision()}")
    return 0


COMMANDS = {"db": cmd_db}  # the top-level commands this group owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
