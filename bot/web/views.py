"""The pages. Every page but the sign-in form needs a signed-in reviewer; every POST a CSRF
token."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from bot.app import App
from bot.errors import DecisionConflict, IbanbotError, NotFound, UsageError
from bot.review import cases
from bot.review import item as itemview
from bot.review import queue as review
from bot.review.timeline import format_gap
from bot.storage import query as search
from bot.web.auth import Auth, SignInRefused, new_token, same
from bot.web.itemdiff import item_diff
from bot.wiki.reader import AnonymousReader

bp = Blueprint("web", __name__)
log = logging.getLogger(__name__)
PUBLIC = {"web.login", "web.login_form", "web.oauth_start", "web.oauth_callback", "static"}
MAX_PAGE = 10**9  # a larger page number is as empty, and its offset would overflow SQLite


def ibanbot() -> App:
    return current_app.extensions["ibanbot"]


def auth() -> Auth:
    return current_app.extensions["ibanbot.auth"]


def readers() -> dict[str, AnonymousReader]:
    """The wikis as the UI reads them: anonymously, never with the bot's account."""
    return current_app.extensions["ibanbot.readers"]


@bp.before_app_request
def _require_sign_in() -> Any:
    g.token = request.cookies.get(auth().session_cookie)
    g.session = auth().session(g.token)
    if request.method == "POST" and not _same_origin():
        abort(403)
    if request.endpoint in PUBLIC:
        return None
    if g.session is None:
        if request.method == "GET":
            return redirect(url_for("web.login_form"))
        abort(403)
    if request.method == "POST" and not same(request.form.get("csrf"), g.session.csrf):
        abort(403)
    return None


def _same_origin() -> bool:
    """False for a form that a browser says came from another host (a sibling subdomain
    included): the check that holds whatever cookies were planted. Hosts are compared, not
    schemes, so that a TLS-terminating proxy in front changes nothing. Under our
    `Referrer-Policy: no-referrer` browsers send `Origin: null` even from our own pages:
    `Sec-Fetch-Site` then decides (every current browser sends it)."""
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if (site is None or site in ("same-origin", "none")) and (
            origin in (None, "null") or urlsplit(origin).netloc.lower() in _own_hosts()):
        return True
    log.warning("review UI: refused a form sent from another origin (%s, %s); behind a "
                "proxy, set [web] public_url or trusted_proxies", str(origin)[:100],
                str(site)[:20])
    return False


def _own_hosts() -> set[str]:
    own = {request.host.lower()}
    public = ibanbot().settings.web.public_url
    if public:
        own.add(urlsplit(public).netloc.lower())
    return own


@bp.app_errorhandler(403)
def _forbidden(_: Any) -> tuple[str, int]:
    return render_template("error.html", title="Forbidden",
                           message="Sign in again, then repeat what you did."), 403


@bp.app_errorhandler(404)
def _not_found(_: Any) -> tuple[str, int]:
    return render_template("error.html", title="Not found", message="No such page."), 404


@bp.app_errorhandler(IbanbotError)
def _ibanbot_error(exc: IbanbotError) -> tuple[str, int]:
    code = 404 if isinstance(exc, NotFound) else 400 if isinstance(exc, UsageError) else 500
    message = str(exc)
    if code == 500 and g.get("session") is None:
        # a runtime error names the database or the wiki: for reviewers, not for anyone
        log.error("review UI: %s", message)
        message = "The review UI cannot answer right now; try again later."
    return render_template("error.html", title="Error", message=message), code


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    session = g.get("session")
    return {"reviewer": session.reviewer if session else None,
            "csrf": session.csrf if session else "", "gap": format_gap, "ts": _ts}


def _ts(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


# -- sign-in -------------------------------------------------------------------------------
@bp.get("/login")
def login_form() -> Response:
    return login_page("", 200)


def login_page(error: str, status: int) -> Response:
    # one token per browser until sign-in: a second tab (or the favicon's redirect) must not
    # invalidate the form already shown. Over https the cookie is `__Host-` (path /, so no
    # sibling host can plant it); over plain http its path is the form's own URL, which
    # carries the application's prefix when it is served below one (SCRIPT_NAME).
    token = request.cookies.get(auth().login_cookie, "")
    if not (40 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        token = new_token()
    response = make_response(render_template(
        "login.html", error=error, login_csrf=token,
        wikis=sorted(current_app.extensions["ibanbot.oauth"])), status)
    response.set_cookie(auth().login_cookie, token, httponly=True, samesite="Strict",
                        secure=auth().policy.secure_cookies, path=_login_path())
    return response


def _login_path() -> str:
    return "/" if auth().policy.secure_cookies else url_for("web.login")


@bp.post("/login")
def login() -> Response:
    if not same(request.form.get("csrf"), request.cookies.get(auth().login_cookie)):
        abort(403)
    name, password = request.form.get("name", "").strip(), request.form.get("password", "")
    try:
        token, session = auth().sign_in(name, password, request.remote_addr or "?")
    except SignInRefused as exc:
        return login_page(str(exc), 401)
    response = make_response(redirect(url_for("web.queue")))
    response.set_cookie(auth().session_cookie, token, httponly=True, samesite="Lax",
                        secure=auth().policy.secure_cookies,
                        max_age=int(auth().policy.lifetime.total_seconds()))
    response.delete_cookie(auth().login_cookie, path=_login_path(),
                           secure=auth().policy.secure_cookies)
    return response


@bp.post("/logout")
def logout() -> Response:
    auth().sign_out(g.token, g.session)
    response = make_response(redirect(url_for("web.login_form")))
    response.delete_cookie(auth().session_cookie, secure=auth().policy.secure_cookies)
    return response


# -- queue, item, decide --------------------------------------------------------------------
def queue_search() -> review.QueuePage:
    """The queue page's search: the query string through the CLI's own parse (bot.storage.query);
    other parameters are left to whoever reads them."""
    app = ibanbot()
    raw = {k: request.args.get(k) for k in search.FILTERS if k in request.args}
    base = replace(search.WEB_DEFAULT, limit=app.settings.web.page_size)
    return review.search_queue(app.store, raw, app.settings.wiki_names, app.bans,
                               app.settings.review.queue_min_confidence.by_kind(), base)


def _request_search() -> search.Search:
    """The queue search the query string describes (the queue page's defaults for the rest),
    parsed once per request."""
    if "queue_search" not in g:
        app = ibanbot()
        raw = {k: request.args.get(k) for k in search.FILTERS if k in request.args}
        base = replace(search.WEB_DEFAULT, limit=app.settings.web.page_size)
        g.queue_search = review.parse_search(app.store, raw, app.settings.wiki_names,
                                             app.bans, base)
    return g.queue_search


def queue_neighbours(item_id: int) -> tuple[int | None, int | None]:
    """The items before and after this one within the queue search of the query string: for
    "previous" and "next" on an item page, and "Record and next"."""
    app = ibanbot()
    return review.neighbours(app.store, _request_search(),
                             app.settings.review.queue_min_confidence.by_kind(), item_id)


@bp.get("/")
def queue() -> str:
    found = queue_search()
    app = ibanbot()
    return render_template(
        "queue.html", items=found.items, search=found.search, more=found.more,
        query=found.search.query(), counts=app.store.count_by_status(),
        statuses=(*search.STATUSES, search.ANY), sorts=search.SORTS,
        thresholds=search.THRESHOLDS, wikis=found.wikis, kinds=search.KINDS,
        sources=search.SOURCES, bans=found.bans, top=review.top_finding, below=found.below)


def queue_filters() -> dict[str, str]:
    """The queue search of the query string, checked (a bad one: 400) and spelled out, for the
    links that carry it: an item page's previous, next and back-to-the-queue, and the form."""
    return _request_search().query()


def _recorded(app: App, item_id: int | None) -> Any:
    """The decision just recorded on item_id (the "Recorded: ..." line), if any."""
    if not item_id:
        return None
    try:
        decided = app.store.get_item(item_id)
    except NotFound:
        return None
    return (decided, decided.decisions[-1]) if decided.decisions else None


@bp.get("/items/<int:item_id>")
def item(item_id: int) -> str:
    """The item's page: the ItemView `queue show` prints too, with the diff and the triage
    links of the list the reviewer came from."""
    app, filters = ibanbot(), queue_filters()
    view = itemview.item_view(app, item_id)
    previous, following = queue_neighbours(item_id)
    diff, diff_error, summary = _diff(app, view.item)
    return render_template(
        "item.html", view=view, item=view.item, diff=diff, diff_error=diff_error,
        summary=summary, decisions=review.DECISIONS,
        user_url=lambda name: review.user_url(view.index, name),
        timeline_start=view.timeline_start.strftime("%Y-%m-%d"),
        filters=filters, previous=previous, following=following,
        recorded=_recorded(app, request.args.get("recorded", type=int)),
        last=request.args.get("last") == "1")


def _diff(app: App, found: Any) -> tuple[Markup | None, str, str | None]:
    """(sanitized diff rows, why there is none, the edit summary): the kept diff, or the
    wiki's if it answers within `page_wait_seconds` (bot.web.itemdiff)."""
    shown = item_diff(found, app.store.item_diffs, readers(),
                      current_app.extensions["ibanbot.waits"], app.now)
    return shown.rows, shown.problem, shown.summary


@bp.post("/items/<int:item_id>/decide")
def decide(item_id: int) -> ResponseReturnValue:
    """Record a decision. The form carries the status its reviewer saw (`seen`): when the item
    is decided already or was decided meanwhile, HTTP 409 says by whom, records nothing and
    offers an explicit "change it anyway" (`force`)."""
    form, filters = request.form, queue_filters()
    decision, note = form.get("decision", ""), form.get("note", "").strip()
    try:
        review.decide(ibanbot().store, item_id, decision, g.session.reviewer, note,
                      ibanbot().now(), seen=form.get("seen") or None,
                      force=form.get("force") == "1")
    except DecisionConflict as exc:
        return render_template("conflict.html", conflict=exc, decision=decision, note=note,
                               item=ibanbot().store.get_item(item_id), filters=filters,
                               stay=form.get("stay")), 409
    return redirect(_after_decision(item_id, filters, form.get("stay") == "1"))


def _after_decision(item_id: int, filters: dict[str, Any], stay: bool) -> str:
    """Record and next: the next item of the list the reviewer came from (its filters carried
    in the query string), saying what was recorded; the same item when it was the last one
    or the reviewer asked to stay."""
    following = None if stay else queue_neighbours(item_id)[1]
    if following is None:
        return url_for("web.item", item_id=item_id, recorded=item_id,
                       last=None if stay else "1", **filters)
    return url_for("web.item", item_id=following, recorded=item_id, **filters)


# -- cases ---------------------------------------------------------------------------------
MAX_CASE_DIFFS = 20  # diffs fetched for one case page; later items link to their own page


def _window() -> timedelta:
    return cases.window_of(ibanbot().settings.review.case_window_hours)


@bp.get("/cases")
def case_list() -> str:
    app = ibanbot()  # the queue's checks: an unknown status, wiki or ban is a 400 naming them
    checked = review.parse_search(app.store, {k: request.args.get(k) for k in (
        "status", "wiki", "ban")}, app.settings.wiki_names, app.bans)
    filters = {"status": checked.status, "wiki": checked.wiki, "ban": checked.ban}
    found = cases.list_cases(ibanbot().store, _window(), status=filters["status"],
                             ban_id=filters["ban"], wiki=filters["wiki"])
    size = ibanbot().settings.web.page_size
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    return render_template(
        "cases.html", cases=found[(page - 1) * size:page * size], page=page,
        more=len(found) > page * size, filters=filters, statuses=review.STATUSES,
        wikis=ibanbot().settings.wiki_names, bans=[b.id for b in ibanbot().bans],
        hours=ibanbot().settings.review.case_window_hours)


@bp.get("/cases/<int:case_id>")
def case(case_id: int) -> str:
    app = ibanbot()
    found, items = cases.get_case(app.store, _window(), case_id)
    diffs = [_diff(app, i) if n < MAX_CASE_DIFFS else (None, "open the item for its diff", None)
             for n, i in enumerate(items)]
    recorded = request.args.get("recorded", type=int)
    last = max((d for i in items for d in i.decisions), key=lambda d: (d.at, d.id),
               default=None)
    return render_template(
        "case.html", case=found, items=items, diffs=diffs, decisions=review.DECISIONS,
        recorded=(last, recorded) if recorded is not None and last else None,
        ban=next((b for b in app.bans if b.id == found.ban_id), None),
        hours=app.settings.review.case_window_hours,
        timeline_start=(found.start - timedelta(days=30)).strftime("%Y-%m-%d"))


def _seen(values: list[str]) -> dict[int, str] | None:
    """The statuses the case page showed: `item:status` fields (none: an old form)."""
    seen: dict[int, str] = {}
    for value in values:
        item_id, _, status = value.partition(":")
        if not item_id.isdigit() or status not in review.STATUSES:
            raise UsageError(f"bad seen field {value[:40]!r}")
        seen[int(item_id)] = status
    return seen or None


@bp.post("/cases/<int:case_id>/decide")
def decide_case(case_id: int) -> ResponseReturnValue:
    """One decision on every item of the case, all or nothing, as `queue decide-case`."""
    form, app = request.form, ibanbot()
    decision, note = form.get("decision", ""), form.get("note", "").strip()
    seen = _seen(form.getlist("seen"))
    try:
        _, done = cases.decide_case(app.store, _window(), case_id, decision,
                                    g.session.reviewer, note, app.now(), seen=seen,
                                    force=form.get("force") == "1")
    except DecisionConflict as exc:
        found, items = cases.get_case(app.store, _window(), case_id)
        return render_template("case_conflict.html", conflict=exc, case=found, items=items,
                               decision=decision, note=note), 409
    return redirect(url_for("web.case", case_id=case_id, recorded=len(done)))


# -- audit (the timeline: bot.web.timelinepage) ---------------------------------------------
@bp.get("/audit")
def audit() -> str:
    size = ibanbot().settings.web.page_size * 4
    return render_template("audit.html", entries=ibanbot().store.audit(limit=size))
