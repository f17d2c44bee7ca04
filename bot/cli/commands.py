"""One function per subcommand: load the app, call a use case, print the result."""
from __future__ import annotations

import argparse
import logging

from bot.app import App, utcnow
from bot.cli import (
    backfill as backfillcommands,
)
from bot.cli import (
    cases as casecommands,
)
from bot.cli import (
    ops as opscommands,
)
from bot.cli import (
    reports as reportcommands,
)
from bot.cli import (
    web as webcommands,
)
from bot.cli.output import print_json
from bot.errors import DecisionConflict
from bot.logformat import say
from bot.review import banlist, stats
from bot.review import item as itemview
from bot.review import queue as review
from bot.storage import query as search

log = logging.getLogger(__name__)


def dispatch(args: argparse.Namespace) -> int:
    handler = {
        "run": cmd_run, "bans": cmd_bans, "queue": cmd_queue, "db": cmd_db,
        "status": opscommands.cmd_status, "purge": opscommands.cmd_purge,
        "web": webcommands.cmd_web, "reviewers": webcommands.cmd_reviewers,
        "backfill": backfillcommands.cmd_backfill, "warnings": backfillcommands.cmd_warnings,
        "report": reportcommands.cmd_report, "stats": cmd_stats,
    }[args.command]
    return handler(args)


def cmd_run(args: argparse.Namespace) -> int:
    app = App.load(args.config)
    if not args.once:  # first: a bad [metrics] is said within seconds
        app.serve_metrics()
    try:
        if app.settings.streams.source == "eventstreams":
            app.prepare()  # every wiki's identities first
            app.backfills.sync_bans(app.bans)  # bans registered late: checked from their start
            app.ready.update(app.gateways)
        else:
            app.ensure_schema()  # each wiki is prepared at its first poll (bot.run.supervisor)
        if args.once:
            return _run_once(app)
        from bot.run.scheduler import run_forever
        return run_forever(app)
    finally:
        app.metrics.close()


def _run_once(app: App) -> int:
    failed: dict[str, Exception] = {}
    if app.settings.streams.source == "eventstreams":
        result = opscommands.stream_once(app)  # under the stream's lock; None: skipped
        events = result.events + result.polled if result else 0
        queued = len(result.new_items) if result else 0
        if result:
            log.info("eventstreams: read %d events, polled %d", result.events, result.polled,
                     extra={"events": result.events, "polled": result.polled})
    else:
        results, failed = opscommands.run_once(app)  # under the polling locks, with health
        events = sum(r.events for r in results)
        queued = sum(len(r.new_items) for r in results)
    for wiki in app.gateways:
        if wiki not in failed:
            app.process_reports(wiki)  # community report pages (report_page set)
    log.info("run --once: %d wiki(s), %d events read, %d item(s) queued", len(app.gateways),
             events, queued, extra={"wikis": len(app.gateways), "events": events,
                                    "queued": queued})
    if failed:
        raise opscommands.polls_failed(failed)  # exit 1 (2: a wrong `api`)
    return 0


def cmd_bans(args: argparse.Namespace) -> int:
    app = App.load(args.config)
    if args.bans_command == "list":
        for ban in app.bans:
            print(banlist.ban_line(ban))
        return 0
    app.ensure_schema()
    checks = backfillcommands.resolve_with_progress(app)
    bans_file = str(app.settings.bans.file)
    for check in checks:  # problems on stderr (JSON lines with --log-format json)
        if check.status == "ok":
            print(check.message(bans_file))
        else:
            say("error" if check.status == "unknown" else "warning", check.message(bans_file))
    unknown = sum(1 for c in checks if c.status == "unknown")
    print(f"{len(app.bans)} ban(s), {len(checks)} name(s) checked, {unknown} unknown")
    return 2 if unknown else 0


def cmd_queue(args: argparse.Namespace) -> int:
    app = App.load(args.config, need_bans=False)  # reviewers' tools work with a bad bans file
    if args.queue_command == "list":  # a bad filter is said before the database is opened
        search.parse({name: getattr(args, name) for name in search.FILTERS}, search.UNCHECKED)
    app.store.check_schema()
    if args.queue_command == "list":
        backfillcommands.print_warnings_above_queue(app)  # stderr: the JSON stays an array
        return _list(app, args)
    if args.queue_command == "show":
        return _show(app, args)
    if args.queue_command in ("cases", "case", "decide-case"):
        return casecommands.cmd_case(app, args)
    return _decide(app, args)


def _decide(app: App, args: argparse.Namespace) -> int:
    reviewer = review.reviewer_name(args.reviewer, app.store.reviewers.all())
    try:
        item = review.decide(app.store, args.id, args.decision, reviewer, args.note, utcnow(),
                             force=args.force)
    except DecisionConflict as exc:
        raise DecisionConflict(exc.item_id, exc.status, exc.reviewer, exc.at,
                               hint="add --force to change it") from None
    print(f"queue item {item.id}: {item.status} by {reviewer}")
    return 0


def _list(app: App, args: argparse.Namespace) -> int:
    raw = {name: getattr(args, name) for name in search.FILTERS}
    found = review.search_queue(app.store, raw, app.settings.wiki_names, app.bans,
                                app.settings.review.queue_min_confidence.by_kind())
    if args.format == "json":
        print_json([i.to_json() for i in found.items])
    else:
        print(review.render_table(list(found.items)))
    if found.more:  # stderr: the JSON stays an array
        say("info", f"(more items: add --page {found.search.page + 1})")
    if found.below:
        say("info", f"({found.below} more below [review.queue_min_confidence]: "
                    "add --threshold below)")
    return 0


def _show(app: App, args: argparse.Namespace) -> int:
    view = itemview.item_view(app, args.id)  # the web item page shows the same view
    if args.format == "json":
        print_json(view.to_json())
    else:
        print(itemview.render_text(view))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
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


def cmd_db(args: argparse.Namespace) -> int:
    app = App.load(args.config, need_bans=False)
    app.store.upgrade()
    print(f"database at revision {app.store.current_revision()}")
    return 0
