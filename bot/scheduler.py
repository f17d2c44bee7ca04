"""`ibanbot run`: one APScheduler poll job per wiki, until SIGTERM or SIGINT.

Jobs never overlap (max_instances=1), late runs are coalesced and never skipped
(misfire_grace_time=None: APScheduler 3 otherwise drops a run that starts >1 s late).
On SIGTERM the current polls finish, then the process exits 0.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import App
from bot.errors import IbanbotError

log = logging.getLogger(__name__)


def _job(app: App, wiki: str) -> None:
    try:
        app.poll_once(wiki)
    except IbanbotError as exc:
        log.error("%s", exc)
    except Exception:  # keep the scheduler alive; the next run retries
        log.exception("wiki %s: poll failed", wiki)


def build_scheduler(app: App) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=timezone.utc, job_defaults={
        "max_instances": 1, "coalesce": True, "misfire_grace_time": None})
    for wiki in app.settings.wikis:
        scheduler.add_job(_job, "interval", seconds=wiki.poll_seconds, args=(app, wiki.name),
                          id=f"poll:{wiki.name}", next_run_time=datetime.now(timezone.utc))
    return scheduler


def run_forever(app: App, stop: threading.Event | None = None) -> int:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    scheduler = build_scheduler(app)
    scheduler.start()
    log.info("polling %d wiki(s); SIGTERM to stop", len(app.settings.wikis))
    stop.wait()
    log.info("stopping: finishing the current polls")
    scheduler.shutdown(wait=True)
    return 0
