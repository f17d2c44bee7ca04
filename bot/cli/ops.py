"""The operations subcommands: `status`, `purge`, and `run --once` through the supervisor."""
from __future__ import annotations

import argparse
import sys

from bot.app import App
from bot.cli.output import print_json
from bot.errors import PollsFailed, UsageError
from bot.pipeline.join import PollResult
from bot.review import operations as health
from bot.run.supervisor import STREAM_LOCK, Supervisor, describe, short_holder


def cmd_status(args: argparse.Namespace) -> int:
    """Exit 0 when every wiki was polled recently, 1 when one is stale (for monitoring)."""
    if args.max_age is not None and args.max_age <= 0:
        raise UsageError("ibanbot status: --max-age must be a positive number of seconds")
    app = App.load(args.config, need_bans=False)  # an invalid bans file is a problem (exit 1)
    app.store.check_schema()
    rows = health.status(app, args.max_age)
    problems = health.problems(app, rows)
    if args.format == "json":
        print_json([r.to_json(args.show_confidential) for r in rows])  # the file's problem:
        # on stderr (App.load)
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
    else:
        print(health.render(rows, args.show_confidential))
        for problem in ([app.bans_error] if app.bans_error else []) + problems:
            print(f"problem: {problem}")
    return 1 if any(r.stale for r in rows) or app.bans_error or problems else 0


def cmd_purge(args: argparse.Namespace) -> int:
    if args.days is not None and args.days < 1:
        raise UsageError("ibanbot purge: --days must be at least 1")
    app = App.load(args.config, need_bans=False)
    app.store.check_schema()
    result = health.purge_decided(app, args.days)
    print(f"purged {result.items} decided item(s) decided before "
          f"{result.cutoff:%Y-%m-%dT%H:%M:%SZ}, the text and reporter of {result.reports} "
          f"report(s) received before it, and {result.sign_in_attempts} review UI sign-in "
          "attempt(s) made before it")
    return 0


def run_once(app: App) -> tuple[list[PollResult], dict[str, Exception]]:
    """One pass over every wiki under its polling lock: what was polled, and the wikis that
    failed with their errors (the others are polled all the same). A wiki that another live
    process polls is skipped (one line on stdout)."""
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


def stream_once(app: App):  # -> StreamResult | None
    """`run --once` with EventStreams: one pass, unless another process reads the stream
    (then one line on stdout and None)."""
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
    parts = []
    for wiki, exc in failed.items():
        text = describe(exc)
        parts.append(text if text.startswith(f"wiki {wiki}") else f"wiki {wiki}: {text}")
    code = 2 if any(getattr(e, "exit_code", 1) == 2 for e in failed.values()) else 1
    head = f"{len(failed)} wikis not polled: " if len(failed) > 1 else ""
    return PollsFailed(head + "; ".join(parts), code)
