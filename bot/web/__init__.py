"""The staff review web UI (Flask): queue, item with the diff, decisions, audit, timeline.

`create_app(app)` builds it over a loaded `bot.app.App`; `ibanbot web` serves it for
development and `bot.web.wsgi:app` for production. Nothing in the core imports this package.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.app import App
from bot.web import (  # noqa: F401 (these add their routes to views.bp)  # noqa: F401
    insight,
    staffpages,
    timelinepage,
    views,
    wikisignin,
)
from bot.web.auth import Auth, AuthPolicy
from bot.web.bansfollow import BansFollower
from bot.web.wikiwait import Waits
from bot.wiki import reader

HERE = Path(__file__).parent
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def create_app(app: App, secure_cookies: bool | None = None,
               environ: Mapping[str, str] | None = None) -> Flask:
    """The Flask app over `app`; `environ` (default os.environ) holds the OAuth secrets."""
    web = app.settings.web
    policy = AuthPolicy(
        lifetime=timedelta(minutes=web.session_minutes), attempts=web.login_attempts,
        window=timedelta(minutes=web.login_window_minutes),
        secure_cookies=web.secure_cookies if secure_cookies is None else secure_cookies)
    flask = Flask("bot.web", template_folder=str(HERE / "templates"),
                  static_folder=str(HERE / "static"))
    flask.config.update(MAX_CONTENT_LENGTH=64 * 1024, TEMPLATES_AUTO_RELOAD=False)
    flask.jinja_env.autoescape = True  # every template, whatever its file name
    flask.extensions["ibanbot"] = app
    flask.extensions["ibanbot.auth"] = Auth(app.store, policy, app.now)
    flask.extensions["ibanbot.oauth"] = wikisignin.clients(app.settings, environ)
    flask.extensions["ibanbot.readers"] = reader.readers(
        [(w.name, w.api) for w in app.settings.wikis], app.settings.bot.contact,
        web.wiki_timeout_seconds)
    flask.extensions["ibanbot.waits"] = Waits(web.page_wait_seconds)
    follower = flask.extensions["ibanbot.bans"] = BansFollower(app)
    flask.before_request(follower.refresh)

    flask.register_blueprint(views.bp)
    flask.after_request(_security_headers)
    if web.trusted_proxies:
        hops = web.trusted_proxies
        # Flask's documented way to trust proxy headers: wrap the WSGI app in place
        flask.wsgi_app = ProxyFix(flask.wsgi_app,  # type: ignore[method-assign]
                                  x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    return flask


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not response.headers.get("Cache-Control"):
        response.headers["Cache-Control"] = "no-store"
    return response
