"""`ibanbot web` and `ibanbot reviewers ...`: the review web UI and its accounts.

Flask is imported only when these commands run, so the rest of the CLI does not need it.
"""
from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import sys
from typing import TYPE_CHECKING

from bot.errors import UsageError
from bot.logformat import say

if TYPE_CHECKING:  # bot.app is imported when a command runs: `ibanbot --help` stays fast
    from bot.app import App

log = logging.getLogger(__name__)


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    web = sub.add_parser("web", help="serve the staff review web UI (development server)")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on")
    web.add_argument("--port", type=int, default=8000, help="port to listen on")
    rev = sub.add_parser("reviewers", help="accounts of the review web UI").add_subparsers(
        dest="reviewers_command", required=True, parser_class=parser_class)
    add = rev.add_parser("add", help="add a reviewer (password from a prompt or stdin)")
    add.add_argument("name", help="the reviewer's name")
    add.add_argument("--no-password", action="store_true",
                     help="no password: the reviewer signs in with a linked wiki account only")
    for name, what in (("password", "set a reviewer's password (ends their sessions)"),
                       ("disable", "disable a reviewer (ends their sessions)"),
                       ("enable", "enable a disabled reviewer")):
        rev.add_parser(name, help=what).add_argument("name", help="the reviewer's name")
    link = rev.add_parser("link", help="let a wiki account sign in as this reviewer (OAuth)")
    unlink = rev.add_parser("unlink", help="remove the reviewer's wiki account on a wiki")
    for p in (link, unlink):
        p.add_argument("name", help="the reviewer's name")
        p.add_argument("--wiki", required=True, help="our name of the wiki (its [[wikis]] name)")
    link.add_argument("--user", required=True, help="the account's user name on that wiki")
    rev.add_parser("list", help="list the reviewers and their wiki accounts")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_web(args: argparse.Namespace) -> int:
    from bot.web import create_app

    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be 1 to 65535, not {args.port}")
    from bot.app import App

    app = App.load(args.config, need_bans=False)
    app.ensure_schema()
    local = _is_loopback(args.host)
    if not local:
        log.warning("serving the review UI on %s: use HTTPS in front of it (bot.web.wsgi:app "
                    "under a WSGI server is meant for production)", args.host)
    # request lines carry item ids and filters: keep them out of the INFO log
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    web = create_app(app, secure_cookies=False if local else None)
    say("info", f"review UI on http://{args.host}:{args.port}/ (Ctrl-C stops it)")  # stderr
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, web, threaded=True, use_reloader=False)
    return 0


def read_password(name: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != first:
            raise UsageError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    if not line:
        raise UsageError("no password on stdin")
    return line.rstrip("\r\n")


def cmd_reviewers(args: argparse.Namespace) -> int:
    from bot.app import App, utcnow
    from bot.review import accounts
    from bot.web.passwords import hash_password

    app = App.load(args.config, need_bans=False)
    app.ensure_schema()
    command, now = args.reviewers_command, utcnow()
    if command == "list":
        return _list(app)
    if command == "add":
        name = accounts.check_new(app.store, args.name)  # before the password is asked for
        password = None if args.no_password else hash_password(read_password(name))
        accounts.add(app.store, name, password, now)
    elif command in ("link", "unlink"):
        app.settings.wiki(args.wiki)  # a ConfigError names the configured wikis
        if command == "link":
            accounts.link(app.store, app.gateways[args.wiki], args.name, args.wiki, args.user,
                          now)
        else:
            accounts.unlink(app.store, args.name, args.wiki, now)
    elif command == "password":
        accounts.set_password(app.store, args.name, hash_password(read_password(args.name)),
                              now)
    elif command == "disable":
        accounts.disable(app.store, args.name, now)
    else:
        accounts.enable(app.store, args.name, now)
    print(f"reviewer {args.name}: {command} done")
    return 0


def _list(app: App) -> int:
    from bot.review import accounts

    linked: dict[str, list[str]] = {}
    for account in accounts.wiki_accounts(app.store):
        pinned = (f" (user id {account.central_id})" if account.central_id
                  else " (no user id pinned: run `ibanbot reviewers link` again)")
        linked.setdefault(account.reviewer, []).append(
            f"{account.username}@{account.wiki}{pinned}")
    for r in accounts.all_reviewers(app.store):
        state = f"disabled {r.disabled_at:%Y-%m-%d}" if r.disabled_at else "active"
        sign_in = ", ".join(([] if r.has_password else ["no password"]) + linked.get(r.name, []))
        print(f"{r.name}\t{state}\tsince {r.created_at:%Y-%m-%d}"
              + (f"\t{sign_in}" if sign_in else ""))
    return 0


COMMANDS = {"web": cmd_web, "reviewers": cmd_reviewers}  # the top-level commands this group
# owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
