"""`ibanbot status` (poll health per wiki and stream) and the retention purge.

Status, per configured wiki and stream: the last successful poll, the lag (time since it:
events newer than that are not in the queue yet), consecutive failures with the last error,
and warnings. A wiki is *stale* when any of its streams has had no successful poll for
`stale_after_seconds` (or never): `ibanbot status` then exits 1, for a monitoring check. It
exits 1 too while a coverage hole is open (a span a ban in force was not watched over:
bot.pipeline.coverage) or a reload that dropped most bans is not resolved
(bot.pipeline.reload.BanDrops).
Nothing here names a user or a queue item; holes name their ban (staff only: status is a CLI).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.pipeline.coverage import Hole, open_holes
from bot.pipeline.join import STREAMS
from bot.pipeline.reload import open_drop_warnings
from bot.review.ports import App
from bot.storage.ops import PURGE_ACTOR, Lease, PurgeResult, StreamHealth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamStatus:
    wiki: str
    stream: str
    last_success: datetime | None
    lag_seconds: float | None
    failures: int
    last_error: str | None
    stale: bool
    warnings: tuple[str, ...]
    holes: tuple[Hole, ...] = ()  # spans a ban in force was not watched over
    # (bot.pipeline.coverage)

    def to_json(self, reveal: bool = False) -> dict[str, object]:
        """`reveal`: confidential bans' ids in the holes (staff asked for them)."""
        return {"wiki": self.wiki, "stream": self.stream,
                "last_success": _iso(self.last_success), "lag_seconds": self.lag_seconds,
                "failures": self.failures, "last_error": self.last_error, "stale": self.stale,
                "warnings": list(self.warnings),
                "holes": [h.to_json(reveal) for h in self.holes]}


def _iso(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def status(app: App, max_age: float | None = None) -> list[StreamStatus]:
    """One StreamStatus per configured wiki and stream, in settings order."""
    now = app.now()
    limit = float(max_age if max_age is not None else app.settings.operations.stale_after_seconds)
    health = {(h.wiki, h.stream): h for h in app.store.ops.health()}
    leases = {lease.wiki: lease for lease in app.store.ops.leases()}
    holes = open_holes(app)
    return [replace(_stream_status(wiki.name, stream, health.get((wiki.name, stream)),
                                   leases.get(wiki.name), now, limit),
                    holes=tuple(h for h in holes if (h.wiki, h.stream) == (wiki.name, stream)))
            for wiki in app.settings.wikis for stream in STREAMS]


def problems(app: App, rows: list[StreamStatus]) -> list[str]:
    """What makes `status` exit 1 beyond stale streams: holes still open, dropped bans."""
    out = []
    holes = sum(len(r.holes) for r in rows)
    if holes:
        out.append(f"{holes} coverage hole(s) still open: breaches made then may not be "
                   "queued yet (backfilled at the next poll of the wiki)")
    for warning in open_drop_warnings(app.store):
        out.append(f"staff warning {warning.id}: {warning.message} (`ibanbot warnings ack "
                   f"{warning.id} --reviewer NAME` once looked at)")
    return out


def _stream_status(wiki: str, stream: str, h: StreamHealth | None, lease: Lease | None,
                   now: datetime, limit: float) -> StreamStatus:
    warnings: list[str] = []
    last = h.last_success if h else None
    lag = (now - last).total_seconds() if last else None
    stale = lag is None or lag > limit
    if last is None:
        warnings.append("never polled successfully")
    elif stale:
        warnings.append(f"no successful poll for {_span(lag or 0)} (limit {_span(limit)})")
    if h and h.failures:
        since = _iso(h.last_error_at)
        warnings.append(f"{h.failures} failed tr{'y' if h.failures == 1 else 'ies'} in a row "
                        f"(last at {since})")
    if lease and lease.expires_at < now:
        warnings.append(f"polling lease of {lease.holder} expired at {_iso(lease.expires_at)} "
                        "(a process died or stopped?)")
    return StreamStatus(wiki, stream, last, lag, h.failures if h else 0,
                        h.last_error if h else None, stale, tuple(warnings))


def _span(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


span = _span  # the web UI's status page says it the same way


def render(rows: list[StreamStatus], reveal: bool = False) -> str:
    lines = [f"{'wiki':<16} {'stream':<14} {'last success':<21} {'lag':>8}  state"]
    for r in rows:
        lag = _span(r.lag_seconds) if r.lag_seconds is not None else "-"
        state = "FAILING" if r.failures else ("STALE" if r.stale else "ok")  # failing: now
        lines.append(f"{r.wiki:<16} {r.stream:<14} {_iso(r.last_success) or 'never':<21} "
                     f"{lag:>8}  {state}")
        for warning in r.warnings:
            lines.append(f"    warning: {warning}")
        for hole in r.holes:
            lines.append(f"    hole: {hole.text(reveal)}")
        if r.failures and r.last_error:
            lines.append(f"    last error: {r.last_error}")
    return "\n".join(lines)


def purge_decided(app: App, days: int | None = None) -> PurgeResult:
    """Delete decided items older than the retention period; the audit keeps who/what/when."""
    days = days if days is not None else app.settings.operations.retention_days
    now = app.now()
    result = app.store.ops.purge_decided(now - timedelta(days=days), now)
    attempts = app.store.reviewers.purge_attempts(result.cutoff, now)
    reports = app.store.reports.purge(result.cutoff, now, PURGE_ACTOR)
    result = replace(result, sign_in_attempts=attempts, reports=reports)
    log.info("retention: purged %d decided queue item(s) decided before %s, %d report(s) "
             "received before it and %d review UI sign-in attempt(s)", result.items,
             _iso(result.cutoff), reports, attempts)
    return result
