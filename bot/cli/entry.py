"""`ibanbot`: parse the command line, call a use case, print, map errors to exit codes.

Exit 0 ok, 1 runtime error, 2 usage or configuration error. Errors are one line on stderr,
`Error: ...` (a traceback only with --debug); warnings and logs go to stderr, as JSON lines with
--log-format json (the fatal error too); stdout carries only the output. The global options
(GLOBAL_OPTIONS) go before or after the command; a bare command prints its usage (exit 2).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

from bot import logformat
from bot.cli.argtypes import positive_int
from bot.errors import IbanbotError, UsageError
from bot.review import queue as review
from bot.storage import query as search

DEFAULT_CONFIG = "settings.toml"
GLOBAL_OPTIONS = ("--config", "--debug", "--log-level", "--log-format")
LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_FORMATS = ["text", "json"]


def package_version() -> str:
    try:
        return version("ibanbot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


class BareCommand(UsageError):
    """A command (or command group) given without its subcommand: usage, exit 2."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        super().__init__(f"{parser.prog}: a command is required "
                         f"(`{parser.prog} --help` lists them)")
        self.help = parser.format_help()


class _Formatter(argparse.HelpFormatter):
    """Every option's help ends with its default, when it has one worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (action.option_strings and "default" not in text
                and action.default not in (None, False, "", argparse.SUPPRESS)):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # one line, exit 2
        subs = self._subparsers._group_actions if self._subparsers else []
        if message.startswith("the following arguments are required: ") and \
                message.split(": ", 1)[1] in {a.dest for a in subs}:
            raise BareCommand(self)
        raise UsageError(f"{self.prog}: {message}")


def _global_options(p: argparse.ArgumentParser, top: bool) -> None:
    """--config, --debug, --log-level, --log-format; below the top without defaults, so that
    one given after the command wins and one not given leaves the top's value."""
    unset: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    config = os.environ.get("IBANBOT_CONFIG", DEFAULT_CONFIG)
    p.add_argument("--config", metavar="PATH", help="settings TOML file ($IBANBOT_CONFIG, else "
                   "./settings.toml)" + (" (default: %(default)s)" if top else ""),
                   **({"default": config} if top else unset))
    p.add_argument("--debug", action="store_true", help="debug logs and tracebacks", **unset)
    p.add_argument("--log-level", choices=LOG_LEVELS, help="least level logged",
                   **({"default": "INFO"} if top else unset))
    p.add_argument("--log-format", choices=LOG_FORMATS,
                   help="json: one JSON object per stderr line",
                   **({"default": "text"} if top else unset))


def _everywhere(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _global_options(sub, top=False)
                _everywhere(sub)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ibanbot", description="Detect interaction-ban breaches and queue them "
                                            "for private review. Never edits the wiki.")
    p.add_argument("--version", action="version", version=f"ibanbot {package_version()}")
    _global_options(p, top=True)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="poll every wiki on a schedule until SIGTERM")
    run.add_argument("--once", action="store_true", help="one pass over every wiki, then exit")
    bans = sub.add_parser("bans", help="the bans file").add_subparsers(
        dest="bans_command", required=True, parser_class=_Parser)
    bans.add_parser("check", help="validate the bans file and resolve every user on its wikis")
    bans.add_parser("list", help="list the registered bans")
    _queue_parsers(sub)
    _stats_parser(sub)
    db = sub.add_parser("db", help="the database").add_subparsers(
        dest="db_command", required=True, parser_class=_Parser)
    db.add_parser("upgrade", help="apply the database migrations")
    _ops_parsers(sub)
    from bot.cli.web import add_parsers as add_web_parsers

    add_web_parsers(sub, _Parser)
    from bot.cli.backfillargs import add_parsers
    add_parsers(sub, _Parser)
    from bot.cli.reportargs import add_parsers as add_report_parsers
    add_report_parsers(sub, _Parser)
    _everywhere(p)
    return p


def _ops_parsers(sub: argparse._SubParsersAction) -> None:
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


def _stats_parser(sub: argparse._SubParsersAction) -> None:
    stats = sub.add_parser("stats", help="precision from decisions, per finding kind and "
                                         "confidence band (no names, no ban ids)")
    stats.add_argument("--since", metavar="DATE", help="items whose event is from this date "
                                                       "(YYYY-MM-DD) or time on")
    stats.add_argument("--wiki", metavar="W", help="only this wiki (its [[wikis]] name)")
    stats.add_argument("--format", choices=["table", "json"], default="table",
                       help="output format")


def _queue_parsers(sub: argparse._SubParsersAction) -> None:
    queue = sub.add_parser("queue", help="the review queue").add_subparsers(
        dest="queue_command", required=True, parser_class=_Parser)
    lst = queue.add_parser("list", help="list queue items (filters, sort, pages of --limit)")
    _search_options(lst)
    lst.add_argument("--format", choices=["table", "json"], default="table", help="output format")
    show = queue.add_parser("show", help="one item with its findings and evidence")
    show.add_argument("id", type=positive_int, help="the queue item's id")
    show.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    dec = queue.add_parser("decide", help="record a reviewer's decision on an item")
    dec.add_argument("id", type=positive_int, help="the queue item's id")
    dec.add_argument("--decision", required=True, choices=review.DECISIONS, help="the decision")
    dec.add_argument("--reviewer", required=True, metavar="NAME",
                     help="who decides (kept in the audit log)")
    dec.add_argument("--note", default="", help="why (kept with the decision)")
    dec.add_argument("--force", action="store_true",
                     help="change an item already confirmed or dismissed")
    _case_parsers(queue)


def _case_parsers(queue: argparse._SubParsersAction) -> None:
    cases = queue.add_parser("cases", help="list cases (a ban's items with one actor and one "
                                           "target within review.case_window_hours)")
    cases.add_argument("--status", choices=review.STATUSES,
                       help="only cases with an item in this state")
    cases.add_argument("--ban", metavar="ID", help="only cases of this ban")
    cases.add_argument("--wiki", help="only cases on this wiki (its [[wikis]] name)")
    cases.add_argument("--limit", type=positive_int, metavar="N", help="at most N cases")
    cases.add_argument("--format", choices=["table", "json"], default="table",
                       help="output format")
    case = queue.add_parser("case", help="one case: its items in order with their findings")
    case.add_argument("id", type=positive_int, help="the case's id (its first item's id)")
    case.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    dec = queue.add_parser("decide-case", help="one decision on every item of a case")
    dec.add_argument("id", type=positive_int, help="the case's id (its first item's id)")
    dec.add_argument("--decision", required=True, choices=review.DECISIONS, help="the decision")
    dec.add_argument("--reviewer", required=True, metavar="NAME",
                     help="who decides (kept in the audit log)")
    dec.add_argument("--note", default="", help="why (kept with each item's decision)")
    dec.add_argument("--force", action="store_true",
                     help="also change items already confirmed or dismissed")


SEARCH_HELP = {  # `queue list` filters: checked by bot.storage.query.parse, as on the web queue
# page
    "status": ("S", f"only items in this state: {', '.join(search.STATUSES)} or any"),
    "wiki": ("W", "only items on this wiki (its [[wikis]] name)"),
    "ban": ("ID", "only items of this ban"),
    "kind": ("K", f"only items with a finding of this kind: {', '.join(search.KINDS)}"),
    "source": ("S", "only items the detectors found (detector) or reported ones (report)"),
    "actor": ("NAME", "only items by this account (a name it had then or has now)"),
    "target": ("NAME", ("only items about this protected user (a name in the bans file or "
                        "the current one)")),
    "title": ("PAGE", "only items on this page (ending in *: pages starting so)"),
    "revid": ("N", "only items of this revision"),
    "logid": ("N", "only items of this log entry"),
    "report": ("REF", "only items a report (its reference) named"),
    "since": ("DATE", "events from this date (YYYY-MM-DD) or time (ISO, UTC)"),
    "until": ("DATE", "events up to this date (included) or time"),
    "min_confidence": ("X", "only items whose highest finding has at least this confidence"),
    "threshold": ("T", ("shown: hide findings below [review.queue_min_confidence] (default); "
                        "below: only those; all")),
    "sort": ("ORDER", f"{', '.join(search.SORTS)} (default: newest)"),
    "limit": ("N", f"items per page, at most {search.MAX_LIMIT} (default: 50)"),
    "page": ("N", "which page of --limit items (default: 1)"),
}


def _search_options(p: argparse.ArgumentParser) -> None:
    for name, (metavar, text) in SEARCH_HELP.items():
        p.add_argument("--" + name.replace("_", "-"), dest=name, metavar=metavar, help=text)


def setup_logging(level: str, debug: bool, log_format: str = "text") -> None:
    logformat.configure(level, debug, log_format)


def _early_format(argv: Sequence[str]) -> str:
    """--log-format before the command line is parsed (for the errors of parsing it)."""
    for i, arg in enumerate(argv):
        if arg == "--log-format" and i + 1 < len(argv):
            return "json" if argv[i + 1] == "json" else "text"
        if arg.startswith("--log-format="):
            return "json" if arg.partition("=")[2] == "json" else "text"
    return "text"


def _parse(argv: Sequence[str]) -> argparse.Namespace | int:
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exc:  # --help and --version print on stdout and exit 0
        return exc.code if isinstance(exc.code, int) else 0


def _fail(text: str, debug: bool) -> None:
    """The one error line; with --debug and JSON logs, the traceback as its `exception`."""
    if debug and logformat.is_json():
        logging.getLogger(logformat.CONSOLE).error("%s", text, exc_info=True)
    else:
        logformat.say("error", text)


PRIVATE_UMASK = 0o077  # every file the bot (or pywikibot) creates: 600, every folder: 700


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; files are created private whatever the caller's umask."""
    before = os.umask(PRIVATE_UMASK)
    try:
        return _main(argv)
    finally:
        os.umask(before)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    setup_logging("INFO", debug, _early_format(argv))
    try:
        args = _parse(argv)
        if isinstance(args, int):
            return args
        setup_logging(args.log_level, args.debug, args.log_format)
        from bot.cli import commands
        return commands.dispatch(args)
    except IbanbotError as exc:
        if debug and not logformat.is_json() and not isinstance(exc, UsageError):
            raise
        if isinstance(exc, BareCommand) and not logformat.is_json():
            print(exc.help, file=sys.stderr, end="")
        _fail(str(exc), debug)
        return exc.exit_code
    except BrokenPipeError:  # `ibanbot queue list | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        logformat.say("error", "interrupted")
        return 130
    except Exception as exc:  # an unexpected bug: one line unless --debug
        if debug and not logformat.is_json():
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        _fail(f"unexpected {type(exc).__name__}: {first} (run with --debug for the traceback)",
              debug)
        return 1


if __name__ == "__main__":
    sys.exit(main())
