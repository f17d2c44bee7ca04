"""`ibanbot run`: one APScheduler poll job per wiki, until SIGTERM or SIGINT.

Jobs never overlap (max_instances=1), late runs are coalesced and never skipped
(misfire_grace_time=None: APScheduler 3 otherwise drops a run that starts >1 s late).
On SIGTERM the current polls finish (for `operations.stop_seconds` at most: a stuck job is
abandoned, its items and cursor unsaved), then the process exits 0. Each poll goes through
bot.run.supervisor (polling lock, health, backoff); its `tick` job, every `lock_retry_seconds`,
shares the wikis among the live processes and takes over those of a dead one (polled at once).
A daily job purges decided items (bot.review.operations).
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import App
from bot.errors import IbanbotError
from bot.pipeline.reload import BansWatcher
from bot.pipeline.streaming import StreamRunner
from bot.review.operations import purge_decided
from bot.run.supervisor import Supervisor

log = logging.getLogger(__name__)


class _NoOverlapNoise(logging.Filter):
    """A poll running longer than its interval (an outage with retries) is expected: the next
    run is coalesced into it. APScheduler would warn about every skipped run; the supervisor
    already logs the outage once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_NoOverlapNoise())
logging.getLogger("apscheduler.executors.default").addFilter(_NoOverlapNoise())


def _job(supervisor: Supervisor, wiki: str) -> None:
    supervisor.poll(wiki)  # never raises: failures are logged once per outage, with backoff


def _poll_now(scheduler: BackgroundScheduler, wiki: str) -> None:
    job = scheduler.get_job(f"poll:{wiki}")
    if job is not None:
        job.modify(next_run_time=datetime.now(UTC))


def _read_stream(runner: StreamRunner, supervisor: Supervisor, stop: threading.Event) -> None:
    """Read EventStreams while this process holds the stream's lock (the others stand by)."""
    while not stop.is_set():
        if supervisor.reading:
            runner.run()  # returns when stopped or when the lock is lost
        else:
            stop.wait(supervisor.ops.lock_retry_seconds)


def _purge_job(app: App) -> None:
    try:
        purge_decided(app)
    except IbanbotError as exc:
        log.error("retention purge failed: %s", exc)


def _report_job(app: App, wiki: str) -> None:
    try:
        app.process_reports(wiki)  # the community report page (bot.pipeline.reportintake)
    except IbanbotError as exc:
        log.error("wiki %s: report page: %s", wiki, exc)
    except Exception:  # keep the scheduler alive; the next run retries
        log.exception("wiki %s: report page failed", wiki)


def build_scheduler(app: App, supervisor: Supervisor | None = None,
                    polls: bool = True) -> BackgroundScheduler:
    """Every job; without the poll jobs when EventStreams is the source (`polls=False`)."""
    supervisor = supervisor or Supervisor(app, greedy=False, streaming=not polls)
    scheduler = BackgroundScheduler(timezone=UTC, job_defaults={
        "max_instances": 1, "coalesce": True, "misfire_grace_time": None})
    scheduler.add_job(supervisor.tick, "interval", seconds=app.settings.operations
                      .lock_retry_seconds, id="locks", next_run_time=datetime.now(UTC))
    if polls:  # a wiki just taken over is polled at once, not after poll_seconds
        supervisor.on_acquired = lambda wiki: _poll_now(scheduler, wiki)
    for wiki in app.settings.wikis:
        if polls:
            scheduler.add_job(_job, "interval", seconds=wiki.poll_seconds,
                              args=(supervisor, wiki.name), id=f"poll:{wiki.name}",
                              next_run_time=datetime.now(UTC))
        if wiki.report_page:
            scheduler.add_job(_report_job, "interval", seconds=wiki.poll_seconds,
                              args=(app, wiki.name), id=f"reports:{wiki.name}",
                              next_run_time=datetime.now(UTC))
    scheduler.add_job(_purge_job, "interval", hours=24, args=(app,), id="purge",
                      next_run_time=datetime.now(UTC) + timedelta(minutes=5))
    watcher = BansWatcher(app)  # re-reads the bans file when it changes (bot.pipeline.reload)
    watcher.check_start()  # most of the bans watched before missing? (a half-written file)
    scheduler.add_job(watcher.check_safely, "interval", seconds=watcher.interval,
                      id="bans:reload")
    return scheduler


def run_forever(app: App, stop: threading.Event | None = None) -> int:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    fatal: list[IbanbotError] = []

    def on_fatal(exc: IbanbotError) -> None:  # a wrong `api` URL: exit 2 (bot.run.supervisor)
        fatal.append(exc)
        stop.set()

    streaming = app.settings.streams.source == "eventstreams"
    supervisor = Supervisor(app, greedy=False, streaming=streaming, on_fatal=on_fatal)
    scheduler = build_scheduler(app, supervisor, polls=not streaming)
    scheduler.start()
    if streaming:  # one EventStreams connection; gaps filled by the supervisor's polls
        runner = app.stream_runner(stop, fill=supervisor.poll, alive=supervisor.stream_alive,
                                   holding=lambda: supervisor.reading)
        reader = threading.Thread(target=_read_stream, args=(runner, supervisor, stop),
                                  name="eventstreams", daemon=True)
        reader.start()
    log.info("%s %d wiki(s); SIGTERM to stop",
             "reading EventStreams for" if streaming else "polling", len(app.settings.wikis))
    stop.wait()
    if not fatal:
        log.info("stopping: finishing the current polls")
    if streaming:
        runner.close()  # ends the blocked read; the current batch is saved
        reader.join(60)
    finished = _shutdown(scheduler, app.settings.operations.stop_seconds)
    supervisor.release()
    if fatal:
        raise fatal[0]  # one `Error:` line from the CLI, exit 2
    if not finished:  # a job is stuck (a hung request): nothing it did is half-saved
        log.warning("stopped with a job still running after %d s; it was abandoned (its "
                    "poll is read again on the next start)", app.settings.operations.stop_seconds)
        logging.shutdown()
        os._exit(0)  # the stuck thread would keep the interpreter from exiting
    log.info("stopped")
    return 0


def _shutdown(scheduler: BackgroundScheduler, seconds: float) -> bool:
    """Stop the scheduler, letting running jobs finish for `seconds`; False if one did not."""
    waiting = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True},
                               name="scheduler-shutdown", daemon=True)
    waiting.start()
    waiting.join(seconds)
    return not waiting.is_alive()
