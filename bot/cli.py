"""`ibanbot`: parse the command line, call a use case, print, map errors to exit codes.

Exit 0 ok, 1 runtime error, 2 usage or configuration error. Errors are one line on stderr
(a traceback only with --debug); logs go to stderr; stdout carries only the output.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from bot import __version__, review
from bot.errors import IbanbotError, UsageError

DEFAULT_CONFIG = "settings.toml"


MAX_NUMBER = 2**63 - 1  # ids and limits beyond this fit no database column


def positive_int(text: str) -> int:
    """An argparse type: a whole number from 1 (a bad one is a one-line usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"must be at least 1 (and at most {MAX_NUMBER}), "
                                         f"not {text}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ibanbot", description="Detect interaction-ban breaches and queue them "
                                            "for private review. Never edits the wiki.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--config", default=os.environ.get("IBANBOT_CONFIG", DEFAULT_CONFIG),
                   help="settings TOML file (default: $IBANBOT_CONFIG or ./settings.toml)")
    p.add_argument("--debug", action="store_true", help="debug logs and tracebacks")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.add_argument("--log-format", default="text", choices=["text", "json"],
                   help="json: one JSON object per log line on stderr")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="poll every wiki on a schedule until SIGTERM")
    run.add_argument("--once", action="store_true", help="one pass over every wiki, then exit")
    bans = sub.add_parser("bans", help="the bans file").add_subparsers(
        dest="bans_command", required=True, parser_class=_Parser)
    bans.add_parser("check", help="validate the bans file and resolve every user on its wikis")
    bans.add_parser("list", help="list the registered bans")
    _queue_parsers(sub)
    db = sub.add_parser("db", help="the database").add_subparsers(
        dest="db_command", required=True, parser_class=_Parser)
    db.add_parser("upgrade", help="apply the database migrations")
    _ops_parsers(sub)
    from bot.webcommands import add_parsers as add_web_parsers  # noqa: PLC0415

    add_web_parsers(sub, _Parser)
    from bot.backfillargs import add_parsers  # noqa: PLC0415
    add_parsers(sub, _Parser)
    from bot.reportargs import add_parsers as add_report_parsers  # noqa: PLC0415
    add_report_parsers(sub, _Parser)
    return p


def _ops_parsers(sub: argparse._SubParsersAction) -> None:
    status = sub.add_parser("status", help="poll health per wiki and stream (exit 1 when stale)")
    status.add_argument("--max-age", type=float, metavar="SECONDS",
                        help="stale after this long without a successful poll "
                             "(default: operations.stale_after_seconds)")
    status.add_argument("--format", choices=["table", "json"], default="table")
    purge = sub.add_parser("purge", help="delete decided items past the retention period")
    purge.add_argument("--days", type=int, metavar="N",
                       help="retention in days (default: operations.retention_days)")


def _queue_parsers(sub: argparse._SubParsersAction) -> None:
    queue = sub.add_parser("queue", help="the review queue").add_subparsers(
        dest="queue_command", required=True, parser_class=_Parser)
    lst = queue.add_parser("list", help="list queue items, newest first")
    lst.add_argument("--status", choices=review.STATUSES)
    lst.add_argument("--ban")
    lst.add_argument("--wiki")
    lst.add_argument("--kind")
    lst.add_argument("--source", choices=["detector", "report"])
    lst.add_argument("--limit", type=positive_int)
    lst.add_argument("--format", choices=["table", "json"], default="table")
    show = queue.add_parser("show", help="one item with its findings and evidence")
    show.add_argument("id", type=positive_int)
    show.add_argument("--format", choices=["text", "json"], default="text")
    dec = queue.add_parser("decide", help="record a reviewer's decision on an item")
    dec.add_argument("id", type=positive_int)
    dec.add_argument("--decision", required=True, choices=review.DECISIONS)
    dec.add_argument("--reviewer", required=True)
    dec.add_argument("--note", default="")


def setup_logging(level: str, debug: bool, log_format: str = "text") -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if debug else level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if log_format == "json":
        from bot.logformat import use_json  # noqa: PLC0415
        use_json()
    if not debug:
        for noisy in ("pywikibot", "apscheduler", "urllib3", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


PRIVATE_UMASK = 0o077  # every file the bot (or pywikibot) creates: 600, every folder: 700


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; files are created private whatever the caller's umask."""
    before = os.umask(PRIVATE_UMASK)
    try:
        return _main(argv)
    finally:
        os.umask(before)


def _main(argv: Sequence[str] | None) -> int:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        args = build_parser().parse_args(argv)
        setup_logging(args.log_level, args.debug, args.log_format)
        from bot import commands  # noqa: PLC0415 (keeps --help fast)
        return commands.dispatch(args)
    except IbanbotError as exc:
        if debug:
            raise
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `ibanbot queue list | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("Error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an unexpected bug: one line unless --debug
        if debug:
            raise
        print(f"Error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
              " (run with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
