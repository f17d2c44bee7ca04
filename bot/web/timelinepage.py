"""The interaction timeline page (issue 16, part 8), on `views.bp`.

Two users on one wiki over a date range (bot.review.queue.timeline). Opened from an item (its
`item` field), it marks that item's own event; every row about a revision that is queued
links to its queue items. Summaries are the wiki's raw text, shown as text. The wiki is read
in the background (bot.web.wikiwait): the page never waits past `page_wait_seconds` and says
what it could not fetch.
"""
from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from flask import current_app, render_template, request

from bot.errors import IbanbotError, UsageError
from bot.review import queue as review
from bot.web.views import bp, ibanbot, readers
from bot.web.wikiwait import StillReading

FIELDS = ("wiki", "first", "second", "start", "end", "item")


@bp.get("/timeline")
def timeline_form() -> str:
    return render_template("timeline.html", wikis=ibanbot().settings.wiki_names, result=None,
                           form={}, problem="")


@bp.post("/timeline")
def timeline() -> str:
    form = {k: request.form.get(k, "").strip() for k in FIELDS}
    app = ibanbot()
    if form["wiki"] not in readers():
        raise UsageError(f"no wiki named {form['wiki']!r}")
    start, end = _day(form["start"], "start"), _day(form["end"], "end", time.max)
    own = _own_item(form["item"])
    reader = readers()[form["wiki"]]
    result, problem = None, ""
    key = ("timeline", form["wiki"], form["first"], form["second"], start, end)
    try:
        result = current_app.extensions["ibanbot.waits"].get(key, lambda: review.timeline(
            reader, form["first"], form["second"], start, end))
    except StillReading as exc:
        problem = (f"could not fetch the contributions: {exc}; they are still being read "
                   f"(for up to {reader.timeout:g} s a request): show it again in a moment")
    except UsageError:
        raise
    except IbanbotError as exc:
        problem = f"could not fetch the contributions ({exc}); try again in a minute"
    index = review.index_url(app.settings.wiki(form["wiki"]).api)
    queued = app.store.items_by_revision(form["wiki"],
                                         [r.revid for r in result.rows]) if result else {}
    return render_template(
        "timeline.html", wikis=app.settings.wiki_names, result=result, form=form,
        problem=problem, index=index, queued=queued, own=own,
        own_shown=bool(own and result and any(r.revid == own.revid for r in result.rows)),
        user_url=lambda name: review.user_url(index, name),
        page_url=lambda title: review.page_url(index, title))


def _own_item(text: str) -> Any:
    """The queue item the timeline was opened from (its `item` field), or None."""
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 2**63:
        raise UsageError(f"the timeline's item must be a queue item id, not {text[:20]!r}")
    return ibanbot().store.get_item(int(text))


def _day(text: str, label: str, at: time = time.min) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise UsageError(f"the timeline's {label} must be a date (YYYY-MM-DD)") from None
    return datetime.combine(day, at, tzinfo=UTC)
