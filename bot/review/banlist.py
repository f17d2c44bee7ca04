"""The registered bans as staff see them: `ibanbot bans list` and the web UI's bans page.

The bans file is read afresh each time, so the page shows what the file says now; an invalid
file is one line (with no confidential ban's id in it, bot.pipeline.reload.bans_problem) and the
bans
this process loaded before, if any. Staff see confidential bans, flagged: nothing here goes
anywhere public.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import ConfigError
from bot.pipeline import coverage
from bot.pipeline.reload import bans_problem
from bot.review.ports import App
from detectors.bans import ALL_WIKIS, Ban

NO_HOLES = "none"


@dataclass(frozen=True)
class BansView:
    bans: tuple[Ban, ...]
    error: str | None  # why the bans file is invalid; None when it is valid
    stale: bool  # the bans shown are the ones loaded before the file went invalid


def current_bans(app: App) -> BansView:
    try:
        return BansView(app.settings.load_bans(), None, False)
    except ConfigError as exc:
        error = bans_problem(app.settings.bans.file, exc)
        return BansView(tuple(app.bans), error, bool(app.bans))


def coverage_holes(app: App, bans: tuple[Ban, ...]) -> dict[str, list[str]]:
    """Ban id -> the periods the bot has not watched for it yet (bot.pipeline.coverage: a bans file
    read
    half-written, an outage longer than recent changes keep, a process stopped), each as
    "WIKI (STREAM): from A to B", until a backfill covers it; one read per wiki."""
    out: dict[str, list[str]] = {b.id: [] for b in bans}
    for wiki in app.settings.wiki_names:
        for ban, stream, span in coverage.ban_holes(app.store, bans, wiki):
            out[ban.id].append(f"{wiki} ({stream}): from {_ts(span.start.timestamp)} to "
                               f"{_ts(span.end.timestamp)}")
    return out


def _ts(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def direction(ban: Ban) -> str:
    return "two-way" if ban.two_way else "one-way (the banned side only)"


def wikis(ban: Ban) -> str:
    return "all wikis" if ALL_WIKIS in ban.wikis else ", ".join(ban.wikis)


def in_force(ban: Ban, now: datetime) -> str:
    if ban.start > now:
        return "not yet"
    return "expired" if ban.expires and ban.expires <= now else "in force"


def ban_line(ban: Ban) -> str:
    """One line of `ibanbot bans list`."""
    arrow = "<->" if ban.two_way else "->"
    until = ban.expires.strftime("%Y-%m-%d") if ban.expires else "indefinite"
    flags = " confidential" if ban.confidential else ""
    return (f"{ban.id}: {', '.join(ban.banned)} {arrow} {', '.join(ban.protected)}; "
            f"wikis {', '.join(ban.wikis)}; {ban.start:%Y-%m-%d} to {until}{flags}")
