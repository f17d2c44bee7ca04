"""WikiClient: a small `requests` API client for test helpers (not used by the bot)."""
from __future__ import annotations

from typing import Any

import requests

from .errors import WikiApiError

Params = dict[str, Any]


class WikiClient:
    """Logs in as `user` and performs real actions, returning the useful ids."""

    def __init__(self, api_url: str, user: str, password: str, timeout: float = 60.0) -> None:
        self.api_url = api_url
        self.user = user
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "ibanbot-localwiki-testclient/0.1"
        self._tokens: dict[str, str] = {}
        self.login(user, password)

    # -- plumbing ------------------------------------------------------------------
    def request(self, params: Params, post: bool = False) -> dict[str, Any]:
        """One API call; raises WikiApiError with the API's error code."""
        params = {"format": "json", "formatversion": "2", **params}
        if post:
            answer = self.session.post(self.api_url, data=params, timeout=self.timeout)
        else:
            answer = self.session.get(self.api_url, params=params, timeout=self.timeout)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        if "error" in data:
            error = data["error"]
            raise WikiApiError(error.get("code", "?"), error.get("info", ""),
                               params.get("action", ""))
        return data

    def token(self, kind: str = "csrf") -> str:
        if kind not in self._tokens:
            data = self.request({"action": "query", "meta": "tokens", "type": kind})
            self._tokens[kind] = data["query"]["tokens"][f"{kind}token"]
        return self._tokens[kind]

    def post(self, action: str, token: str = "csrf", **params: Any) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.request({"action": action, "token": self.token(token), **clean}, post=True)

    def login(self, user: str, password: str) -> None:
        """action=login for bot passwords (Name@Bot), clientlogin for main accounts."""
        self._tokens.clear()
        token = self.token("login")
        if "@" in user:
            data = self.request({"action": "login", "lgname": user, "lgpassword": password,
                                 "lgtoken": token}, post=True)
            status, message = data["login"]["result"], data["login"].get("reason", "")
            ok = status == "Success"
        else:
            data = self.request({"action": "clientlogin", "username": user, "password": password,
                                 "logintoken": token, "loginreturnurl": self.api_url}, post=True)
            status, message = data["clientlogin"]["status"], data["clientlogin"].get("message", "")
            ok = status == "PASS"
        if not ok:
            raise WikiApiError(status, f"login as {user!r} failed: {message}", "login")
        self._tokens.clear()

    # -- page actions ----------------------------------------------------------------
    def edit(self, title: str, text: str, summary: str = "", **extra: Any) -> int:
        """Replace the page text; returns the new revision id (the current one on a null edit)."""
        data = self.post("edit", title=title, text=text, summary=summary, **extra)["edit"]
        return int(data.get("newrevid") or self._current_revid(title))

    def append(self, title: str, text: str, summary: str = "") -> int:
        data = self.post("edit", title=title, appendtext=text, summary=summary)["edit"]
        return int(data.get("newrevid") or self._current_revid(title))

    def append_reply(self, title: str, text: str, summary: str = "") -> int:
        """Append on a line of its own (MediaWiki trims the page's final newline on save)."""
        return self.append(title, text if text.startswith("\n") else "\n" + text, summary)

    def rollback(self, title: str, user: str, summary: str | None = None) -> int:
        data = self.post("rollback", token="rollback", title=title, user=user, summary=summary)
        return int(data["rollback"]["revid"])

    def undo(self, title: str, undo_revid: int, undoafter: int | None = None,
             summary: str | None = None) -> int:
        data = self.post("edit", title=title, undo=undo_revid, undoafter=undoafter,
                         summary=summary)["edit"]
        if "newrevid" not in data:
            raise WikiApiError("nochange", f"undo of {undo_revid} changed nothing", "edit")
        return int(data["newrevid"])

    def move(self, from_title: str, to_title: str, reason: str = "",
             noredirect: bool = False) -> dict[str, Any]:
        flags = {"noredirect": 1} if noredirect else {}
        moved = self.post("move", **{"from": from_title}, to=to_title, reason=reason, **flags)
        return dict(moved["move"])

    def delete(self, title: str, reason: str = "") -> int:
        return int(self.post("delete", title=title, reason=reason)["delete"]["logid"])

    def protect(self, title: str, protections: str = "edit=sysop|move=sysop",
                expiry: str = "infinite", reason: str = "") -> dict[str, Any]:
        return dict(self.post("protect", title=title, protections=protections, expiry=expiry,
                              reason=reason)["protect"])

    # -- user actions ------------------------------------------------------------------
    def block(self, user: str, expiry: str = "1 day", reason: str = "") -> int:
        """Block `user`; returns the block id."""
        return int(self.post("block", user=user, expiry=expiry, reason=reason)["block"]["id"])

    def unblock(self, user: str, reason: str = "") -> int:
        return int(self.post("unblock", user=user, reason=reason)["unblock"]["id"])

    # -- reading -------------------------------------------------------------------------
    def page_text(self, title: str) -> str:
        page = self._query_page(title, rvprop="content", rvslots="main")
        return str(page["revisions"][0]["slots"]["main"]["content"])

    def revisions(self, title: str, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first: revid, parentid, user, userid, timestamp, comment, tags, sha1, size."""
        props = "ids|user|userid|timestamp|comment|tags|sha1|size"
        page = self._query_page(title, rvprop=props, rvlimit=limit)
        return list(page.get("revisions", []))

    def _current_revid(self, title: str) -> int:
        return int(self._query_page(title, rvprop="ids")["revisions"][0]["revid"])

    def _query_page(self, title: str, **params: Any) -> dict[str, Any]:
        data = self.request({"action": "query", "prop": "revisions", "titles": title, **params})
        page = data["query"]["pages"][0]
        if page.get("missing") or page.get("invalid"):
            raise WikiApiError("missingtitle", f"no page {title!r}", "query")
        return dict(page)
