"""Staff pages on `views.bp`: warnings (a banner on every page, the list, acknowledge), the
bans, the bot's status, and the reports (list, show, staff intake). Each is a thin layer over
the use case the CLI uses (bot.review.warnings, bot.review.banlist, bot.review.operations,
bot.review.reports,
bot.review.staffintake)."""
from __future__ import annotations

from typing import Any

from flask import current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.errors import IbanbotError, UsageError
from bot.review import banlist, staffintake
from bot.review import operations as health
from bot.review import warnings as staffwarnings
from bot.review.reports import list_reports, show_report
from bot.storage.reports import OUTCOMES
from bot.web.views import MAX_PAGE, bp, ibanbot, readers
from bot.web.wikiwait import StillReading


@bp.app_context_processor
def _warning_banner() -> dict[str, Any]:
    """The count of unacknowledged staff warnings, for the banner of every signed-in page."""
    if g.get("session") is None:
        return {"pending_warnings": 0}
    try:
        return {"pending_warnings": staffwarnings.pending_count(ibanbot().store)}
    except IbanbotError:  # the database is down: the page (an error page, maybe) still shows
        return {"pending_warnings": 0}


# -- staff warnings ------------------------------------------------------------------------
@bp.get("/warnings")
def warnings() -> str:
    everything = request.args.get("all") == "1"
    return render_template(
        "warnings.html", warnings=staffwarnings.listing(ibanbot().store, everything),
        everything=everything, done=request.args.get("done", type=int))


@bp.post("/warnings/<int:warning_id>/ack")
def acknowledge_warning(warning_id: int) -> ResponseReturnValue:
    staffwarnings.acknowledge(ibanbot().store, warning_id, g.session.reviewer, ibanbot().now())
    return redirect(url_for("web.warnings", done=warning_id))


# -- bans and status -----------------------------------------------------------------------
@bp.get("/bans")
def bans() -> str:
    app = ibanbot()
    view = banlist.current_bans(app)
    return render_template("bans.html", view=view, now=app.now(), banlist=banlist,
                           holes=banlist.coverage_holes(app, view.bans))


@bp.get("/status")
def status() -> str:
    app = ibanbot()
    return render_template("status.html", rows=health.status(app), bans_error=app.bans_error,
                           stale_after=app.settings.operations.stale_after_seconds,
                           span=health.span)


# -- reports -------------------------------------------------------------------------------
@bp.get("/reports")
def reports() -> str:
    app = ibanbot()
    filters = {k: request.args.get(k) or None for k in ("wiki", "outcome")}
    size = app.settings.web.page_size
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    found = list_reports(app, filters["wiki"], filters["outcome"], limit=size + 1,
                         offset=(page - 1) * size)
    return render_template("reports.html", reports=found[:size], more=len(found) > size,
                           page=page, filters=filters, outcomes=OUTCOMES,
                           wikis=app.settings.wiki_names)


@bp.get("/reports/new")
def report_form() -> str | tuple[str, int]:
    return _report_form({}, "", 200)


@bp.post("/reports/new")
def report_add() -> Any:
    form = {k: request.form.get(k, "") for k in ("wiki", "diffs", "reporter", "note")}
    app = ibanbot()
    try:
        checked = staffintake.check(app, form["wiki"], form["diffs"].split(), form["reporter"],
                                    form["note"].replace("\r\n", "\n"))
    except UsageError as exc:
        return _report_form(form, str(exc), 400)  # what was typed stays in the form
    down = _wiki_down(checked.wiki)
    if down:
        return _report_form(form, f"the report was not entered: {down}; what you typed is "
                            "kept below: try again in a minute", 503)
    report = staffintake.submit(app, checked, entered_by=g.session.reviewer)
    return redirect(url_for("web.report", reference=report.reference, added=1))


def _wiki_down(wiki: str) -> str:
    """Why the wiki cannot take a report in now ('' when it answers): the intake reads each
    diff from it, so a wiki that does not answer within the page's wait is not waited on.
    An answer is remembered for a while (bot.web.wikiwait)."""
    reader = readers()[wiki]
    try:
        current_app.extensions["ibanbot.waits"].get(("ping", wiki), reader.ping)
    except IbanbotError as exc:
        return f"wiki {wiki} did not answer ({exc})" if not isinstance(exc, StillReading) \
            else f"wiki {wiki}: {exc}"
    return ""


def _report_form(form: dict[str, str], error: str, code: int) -> tuple[str, int]:
    return render_template("report_add.html", form=form, error=error,
                           wikis=ibanbot().settings.wiki_names), code


@bp.get("/reports/<reference>")
def report(reference: str) -> str:
    found, versions = show_report(ibanbot(), reference[:100])
    return render_template("report.html", report=found, versions=versions,
                           added=request.args.get("added") == "1")
