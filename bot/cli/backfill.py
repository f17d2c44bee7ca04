"""Subcommands `backfill` and `warnings`, staff warnings above the queue, `bans check` progress."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from bot import logformat
from bot.app import App, utcnow
from bot.cli.output import print_json
from bot.errors import UsageError
from bot.pipeline.backfill import ban_label
from bot.pipeline.progress import Counts, Progress
from bot.review import identities
from bot.review import warnings as staffwarnings
from detectors.bans import Ban


def parse_since(text: str) -> datetime:
    """`2026-11-01` (midnight UTC) or an ISO date-time with a zone (`Z` or `+02:00`)."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"ibanbot backfill: --since {text!r} is not a date "
                         "(e.g. 2026-11-01 or 2026-11-01T12:00:00Z)") from None
    if when.tzinfo is None:
        if len(text.strip()) > 10:
            raise UsageError(f"ibanbot backfill: --since {text!r} needs a time zone "
                             "(e.g. 2026-11-01T12:00:00Z)")
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def cmd_backfill(args: argparse.Namespace) -> int:
    since = parse_since(args.since) if args.since else None
    app = App.load(args.config)
    ban = next((b for b in app.bans if b.id == args.ban), None)
    if ban is None:
        raise UsageError(f"ibanbot backfill: no ban {args.ban!r} in {app.settings.bans.file}")
    if args.wiki and (args.wiki not in app.gateways or not ban.covers_wiki(args.wiki)):
        raise UsageError(f"ibanbot backfill: ban {ban.id} does not apply on a wiki named "
                         f"{args.wiki!r}")
    app.prepare()
    bars: dict[str, Progress] = {}

    def on_progress(wiki: str, counts: Counts) -> None:
        bar = bars.get(wiki) or bars.setdefault(wiki, _bar(ban, wiki))
        bar.update(counts.events, None, f"events read, {counts.analysed} edits analysed, "
                                        f"{counts.queued} items queued")

    results = app.backfills.backfill_ban(ban, since, [args.wiki] if args.wiki else None,
                                         on_progress)
    for wiki, counts in results.items():
        if wiki in bars:
            bars[wiki].finish(counts.text())
        print(f"{wiki}: {counts.text()}")
    return 0


def _bar(ban: Ban, wiki: str) -> Progress:
    tty = sys.stderr.isatty() and not logformat.is_json()  # on a terminal (staff) the id; in
    label = ban.id if tty else ban_label(ban)              # logs, never a confidential one
    return Progress(f"backfill {label} on {wiki}", tty=tty, fields={"wiki": wiki})


def cmd_warnings(args: argparse.Namespace) -> int:
    app = App.load(args.config, need_bans=False)
    app.store.check_schema()
    if args.warnings_command == "ack":
        warning = staffwarnings.acknowledge(app.store, args.id, args.reviewer, utcnow())
        print(staffwarnings.acknowledged_line(warning))
        return 0
    found = staffwarnings.listing(app.store, include_acknowledged=args.all)
    if args.format == "json":
        print_json([w.to_json() for w in found])
        return 0
    for w in found:
        ack = f" (acknowledged by {w.acknowledged_by})" if w.acknowledged_by else ""
        print(f"{w.id}  {w.created_at:%Y-%m-%d %H:%M}  {w.kind}{ack}  {w.message}")
    if not found:
        print("no staff warnings")
    return 0


def print_warnings_above_queue(app: App) -> None:
    """Unacknowledged staff warnings on stderr, so `queue list --format json` stays an array."""
    found = staffwarnings.listing(app.store)
    for w in found:
        logformat.say("warning", f"staff warning {w.id}: {w.message}")
    if found:
        logformat.say("info", f"({len(found)} staff warning(s); `ibanbot warnings ack ID "
                              "--reviewer NAME` when read)")


def resolve_with_progress(app: App, chunk: int = 50) -> list[identities.NameCheck]:
    """`App.resolve_identities` in chunks of about `chunk` names, with a progress bar."""
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
