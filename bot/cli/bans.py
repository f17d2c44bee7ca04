"""`ibanbot bans check|list`: the bans file, and `bans check` resolving names with progress.

bot.app and the pipeline are imported when the command runs, so that `ibanbot --help` stays fast.
"""
from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from bot.logformat import say
from bot.review import identities

if TYPE_CHECKING:
    from bot.app import App
    from detectors.bans import Ban


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    bans = sub.add_parser("bans", help="the bans file").add_subparsers(
        dest="bans_command", required=True, parser_class=parser_class)
    bans.add_parser("check", help="validate the bans file and resolve every user on its wikis")
    bans.add_parser("list", help="list the registered bans")


def cmd_bans(args: argparse.Namespace) -> int:
    from bot.app import App
    from bot.review import banlist

    app = App.load(args.config)
    if args.bans_command == "list":
        for ban in app.bans:
            print(banlist.ban_line(ban))
        return 0
    app.ensure_schema()
    checks = resolve_with_progress(app)
    bans_file = str(app.settings.bans.file)
    for check in checks:  # problems on stderr (JSON lines with --log-format json)
        if check.status == "ok":
            print(check.message(bans_file))
        else:
            say("error" if check.status == "unknown" else "warning", check.message(bans_file))
    unknown = sum(1 for c in checks if c.status == "unknown")
    print(f"{len(app.bans)} ban(s), {len(checks)} name(s) checked, {unknown} unknown")
    return 2 if unknown else 0


def resolve_with_progress(app: App, chunk: int = 50) -> list[identities.NameCheck]:
    """`App.resolve_identities` in chunks of about `chunk` names, with a progress bar."""
    from bot.pipeline.progress import Progress

    checks: list[identities.NameCheck] = []
    for wiki, gateway in app.gateways.items():
        bans = [b for b in app.bans if b.covers_wiki(wiki)]
        total = len(identities.names_on(bans, wiki))
        bar = Progress(f"bans check: {wiki}", fields={"wiki": wiki})
        done: set[str] = set()
        for group in _chunks(bans, wiki, chunk):
            found, group_checks = identities.resolve(group, gateway, app.store.identities(wiki))
            for ident in found:
                app.store.save_identity(ident, app.now())
            checks.extend(group_checks)
            done.update(identities.names_on(group, wiki))
            bar.update(len(done), total, "names resolved")
        bar.finish(f"{len(done)} name(s) resolved")
    app.replace_bans(app.bans)  # rebuild the registry with the new identities
    return checks


def _chunks(bans: Iterable[Ban], wiki: str, size: int) -> Iterator[list[Ban]]:
    group: list[Ban] = []
    names = 0
    for ban in bans:
        group.append(ban)
        names += len(identities.names_on([ban], wiki))
        if names >= size:
            yield group
            group, names = [], 0
    if group:
        yield group


COMMANDS = {"bans": cmd_bans}  # the top-level commands this group owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
