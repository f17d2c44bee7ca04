"""The registered bans as staff see them: `ibanbot bans list` and the web UI's bans page.

The bans file is read afresh each time, so the page shows what the file says now; an invalid
file is one line (with no confidential ban's id in it, bot.app.bans_problem) and the bans
this process loaded before, if any. Staff see confidential bans, flagged: nothing here goes
anywhere public.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.app import App, bans_problem
from bot.errors import ConfigError
from detectors.bans import ALL_WIKIS, Ban

HOLES_NOT_TRACKED = "not tracked"


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


def coverage_holes(app: App, ban: Ban) -> str:
    """Periods the bot could not read for this ban on its wikis (outages longer than recent
    changes keep, not yet backfilled). THE ONE CALL SITE for coverage tracking, which is
    built elsewhere: until it is wired here, every ban says `not tracked`."""
    return HOLES_NOT_TRACKED


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
