"""`ibanbot`: parse the command line, call a use case, print, map errors to exit codes.

Exit 0 ok, 1 runtime error, 2 usage or configuration error. Errors are one line on stderr,
`Error: ...` (a traceback only with --debug); warnings and logs go to stderr, as JSON lines with
--log-format json (the fatal error too); stdout carries only the output. The global options
(GLOBAL_OPTIONS) go before or after the command; a bare command prints its usage (exit 2).

The commands live in the command-group modules of GROUPS (bot/cli/run.py, bans.py, queue.py,
...): the parser is built from them in that order and each command is dispatched to its group.
Only this module imports them.
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
from bot.cli import backfill, bans, db, ops, queue, reports, run, stats, web
from bot.errors import IbanbotError, UsageError

DEFAULT_CONFIG = "settings.toml"
GLOBAL_OPTIONS = ("--config", "--debug", "--log-level", "--log-format")
LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_FORMATS = ["text", "json"]
GROUPS = (run, bans, queue, stats, db, ops, web, backfill, reports)  # the command groups: each
# module has add_parsers(sub, parser_class), COMMANDS (its top-level commands) and dispatch(args)


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
    for group in GROUPS:  # their commands in this order in --help
        group.add_parsers(sub, _Parser)
    _everywhere(p)
    return p


def dispatch(args: argparse.Namespace) -> int:
    """The command's group module runs it (the one whose COMMANDS names it)."""
    owner = next(group for group in GROUPS if args.command in group.COMMANDS)
    return owner.dispatch(args)


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
        return dispatch(args)
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
