"""`ibanbot web` and `ibanbot reviewers ...`: the review web UI and its accounts.

Flask is imported only when these commands run, so the rest of the CLI does not need it.
"""
from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import sys

from bot.app import App, utcnow
from bot.errors import UsageError

log = logging.getLogger(__name__)


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    web = sub.add_parser("web", help="serve the staff review web UI (development server)")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    web.add_argument("--port", type=int, default=8000, help="port (8000)")
    rev = sub.add_parser("reviewers", help="accounts of the review web UI").add_subparsers(
        dest="reviewers_command", required=True, parser_class=parser_class)
    for name, what in (("add", "add a reviewer (password from a prompt or stdin)"),
                       ("password", "set a reviewer's password (ends their sessions)"),
                       ("disable", "disable a reviewer (ends their sessions)"),
                       ("enable", "enable a disabled reviewer")):
        rev.add_parser(name, help=what).add_argument("name")
    rev.add_parser("list", help="list the reviewers")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_web(args: argparse.Namespace) -> int:
    from bot.web import create_app  # noqa: PLC0415

    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be 1 to 65535, not {args.port}")
    app = App.load(args.config)
    app.ensure_schema()
    local = _is_loopback(args.host)
    if not local:
        log.warning("serving the review UI on %s: use HTTPS in front of it (bot.web.wsgi:app "
                    "under a WSGI server is meant for production)", args.host)
    # request lines carry item ids and filters: keep them out of the INFO log
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    web = create_app(app, secure_cookies=False if local else None)
    print(f"review UI on http://{args.host}:{args.port}/ (Ctrl-C stops it)", file=sys.stderr)
    from werkzeug.serving import run_simple  # noqa: PLC0415 (no banner on stdout)

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
    from bot.web import accounts  # noqa: PLC0415

    app = App.load(args.config)
    app.ensure_schema()
    command, now = args.reviewers_command, utcnow()
    if command == "list":
        for r in accounts.all_reviewers(app.store):
            state = f"disabled {r.disabled_at:%Y-%m-%d}" if r.disabled_at else "active"
            print(f"{r.name}\t{state}\tsince {r.created_at:%Y-%m-%d}")
        return 0
    if command == "add":
        accounts.add(app.store, accounts.check_name(args.name), read_password(args.name), now)
    elif command == "password":
        accounts.set_password(app.store, args.name, read_password(args.name), now)
    elif command == "disable":
        accounts.disable(app.store, args.name, now)
    else:
        accounts.enable(app.store, args.name, now)
    print(f"reviewer {args.name}: {command} done")
    return 0
