"""Production entry point: `gunicorn 'bot.web.wsgi:app'` (settings from $IBANBOT_CONFIG).

Serve it over HTTPS only (cookies are Secure unless `[web] secure_cookies = false`), and keep
the server's access log private: queue URLs carry item ids and filter values.
"""
from __future__ import annotations

import os

from bot.app import App
from bot.web import create_app

os.umask(0o077)  # whatever the server's umask: the files this process creates are private
_ibanbot = App.load(os.environ.get("IBANBOT_CONFIG", "settings.toml"), need_bans=False)
_ibanbot.store.check_schema()
app = create_app(_ibanbot)
