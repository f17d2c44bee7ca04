"""`ibanbot run` (`--once`: one pass through the supervisor, under the polling locks).

bot.app and bot.run are imported when the command runs, so that `ibanbot --help` stays fast.
"""
from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from bot.errors import PollsFailed

if TYPE_CHECKING:
    from bot.app import App
    from bot.pipeline.join import PollResult
    from bot.pipeline.streaming import StreamResult

log = logging.getLogger("bot.cli.commands")  # the logger's name in JSON logs: kept


def add_parsers(sub: argparse._SubParsersAction, parser_class: type) -> None:
    run = sub.add_parser("run", help="poll every wiki on a schedule until SIGTERM")
    run.add_argument("--once", action="store_true", help="one pass over every wiki, then exit")


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import App

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
        result = stream_once(app)  # under the stream's lock; None: skipped
        events = result.events + result.polled if result else 0
        queued = len(result.new_items) if result else 0
        if result:
            log.info("eventstreams: read %d events, polled %d", result.events, result.polled,
                     extra={"events": result.events, "polled": result.polled})
    else:
        results, failed = run_once(app)  # under the polling locks, with health
        events = sum(r.events for r in results)
        queued = sum(len(r.new_items) for r in results)
    for wiki in app.gateways:
        if wiki not in failed:
            app.process_reports(wiki)  # community report pages (report_page set)
    log.info("run --once: %d wiki(s), %d events read, %d item(s) queued", len(app.gateways),
             events, queued, extra={"wikis": len(app.gateways), "events": events,
                                    "queued": queued})
    if failed:
        raise polls_failed(failed)  # exit 1 (2: a wrong `api`)
    return 0


def run_once(app: App) -> tuple[list[PollResult], dict[str, Exception]]:
    """One pass over every wiki under its polling lock: what was polled, and the wikis that
    failed with their errors (the others are polled all the same). A wiki that another live
    process polls is skipped (one line on stdout)."""
    from bot.run.supervisor import Supervisor

    supervisor = Supervisor(app, greedy=True, once=True)
    results: list[PollResult] = []
    failed: dict[str, Exception] = {}
    try:
        for wiki in app.gateways:
            try:
                if not supervisor.claim(wiki):
                    print(f"wiki {wiki}: skipped, polled by {supervisor.polled_by(wiki)}")
                    continue
                result = supervisor.poll(wiki, raise_errors=True)
            except Exception as exc:
                failed[wiki] = exc
                continue
            if result is not None:
                results.append(result)
    finally:
        supervisor.release()
    return results, failed


def stream_once(app: App) -> StreamResult | None:
    """`run --once` with EventStreams: one pass, unless another process reads the stream
    (then one line on stdout and None)."""
    from bot.run.supervisor import STREAM_LOCK, Supervisor, short_holder

    supervisor = Supervisor(app, greedy=True)
    try:
        if not supervisor.locks.acquire(STREAM_LOCK):
            print(f"eventstreams: skipped, read by "
                  f"{short_holder(supervisor.locks.holder_of(STREAM_LOCK))}")
            return None
        fill = lambda wiki: supervisor.poll(wiki, raise_errors=True)  # noqa: E731
        return app.stream_runner(fill=fill).run(once=True)
    finally:
        supervisor.release()


def polls_failed(failed: dict[str, Exception]) -> PollsFailed:
    """One line naming every failed wiki; exit 2 when one is a configuration error."""
    from bot.run.supervisor import describe

    parts = []
    for wiki, exc in failed.items():
        text = describe(exc)
        parts.append(text if text.startswith(f"wiki {wiki}") else f"wiki {wiki}: {text}")
    code = 2 if any(getattr(e, "exit_code", 1) == 2 for e in failed.values()) else 1
    head = f"{len(failed)} wikis not polled: " if len(failed) > 1 else ""
    return PollsFailed(head + "; ".join(parts), code)


COMMANDS = {"run": cmd_run}  # the top-level commands this group owns, and their functions


def dispatch(args: argparse.Namespace) -> int:
    return COMMANDS[args.command](args)
