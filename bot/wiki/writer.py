"""The bot's only write to a wiki: saving the report page with its receipts.

Every edit is made as the wiki's `user` (`assert=user`), flagged as a bot edit, with the wiki's
maxlag (pywikibot adds it), `nocreate`, the base revision and start time of the text it read,
and a neutral summary. Conflicts are detected by the base revision id: MediaWiki 1.39 drops
a conflict with an edit made in the same second as the base revision when `basetimestamp`
is sent (EditPage::userWasLastToEdit), so the edit sends `baserevid` and `starttimestamp` and
leaves `basetimestamp` out, as the API itself does when given `baserevid`. MediaWiki merges
a concurrent edit elsewhere on the page; one that touches the same lines is an EditConflict.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from bot.errors import ConfigError, EditConflict, WikiError
from bot.wiki import session
from bot.wiki.gateway import WikiGateway
from bot.wiki.reports import PageSnapshot

log = logging.getLogger(__name__)


def save_page(gateway: WikiGateway, snapshot: PageSnapshot, text: str, summary: str) -> int:
    """Save `text` over `snapshot`; the new revision id. EditConflict when the page moved on."""
    if not gateway.config.user:
        raise ConfigError(f"wiki {gateway.name}: editing the report page needs the wiki's "
                          "`user` (a logged-in bot account)")
    site = gateway.site
    params: dict[str, Any] = {
        "action": "edit", "title": snapshot.title, "text": text, "summary": summary,
        "baserevid": snapshot.revid, "starttimestamp": snapshot.start, "nocreate": 1,
        "bot": 1, "assert": "user", "watchlist": "nochange", "formatversion": "2"}
    try:
        params["token"] = site.tokens["csrf"]
        answer = site.simple_request(**params).submit()
    except Exception as exc:  # pywikibot's APIError and friends
        code = getattr(exc, "code", "")
        if code in ("editconflict", "pagedeleted"):
            raise EditConflict(f"wiki {gateway.name}: {snapshot.title}: {code}") from None
        raise WikiError(f"wiki {gateway.name}: editing {snapshot.title} failed: "
                        f"{type(exc).__name__}: {code or str(exc).splitlines()[0][:200]}"
                        ) from None
    edit = answer.get("edit") or {}
    if edit.get("result") != "Success":
        raise WikiError(f"wiki {gateway.name}: editing {snapshot.title} did not succeed: "
                        f"{str(edit)[:200]}")
    return int(edit.get("newrevid") or snapshot.revid)


def use_password_file(path: str | Path, put_throttle: float | None = None,
                      base_dir: Path | None = None) -> None:
    """Point pywikibot at a password file (what user-config.py's `password_file` does).

    For programs and tests that configure pywikibot without a user-config.py. The file holds
    `('Name', BotPassword('appid', 'secret'))` lines and must be readable by its owner only.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: password file not found")
    if os.name == "posix" and file.stat().st_mode & 0o077:
        raise ConfigError(f"{file}: password file must be readable by its owner only "
                          "(chmod 600)")
    pwb = session.load_pywikibot(base_dir)
    pwb.config.password_file = str(file)
    if put_throttle is not None:
        pwb.config.put_throttle = put_throttle
