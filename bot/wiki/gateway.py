"""WikiGateway: everything the bot reads from one wiki, through pywikibot.

Reads are batched (50 titles, revisions or users per request) and follow `continue`.
Polling yields one API page at a time with the position after it, so the pipeline can
save findings and cursor together after every page.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.wiki import diffs, language, normalize, session
from bot.wiki.cursor import Position, format_ts, parse_ts
from detectors.model import Event, Revision, SiteInfo, UserRef, normalize_user_name

log = logging.getLogger(__name__)
BATCH = 50
HIGH_BATCH = 500  # with the `apihighlimits` right
RC_PROPS = "user|userid|comment|timestamp|title|ids|sha1|sizes|loginfo|tags|flags"
LOG_PROPS = "ids|title|type|user|userid|timestamp|comment|details|tags"
REV_PROPS = "ids|user|userid|timestamp|sha1|size|comment|tags"


@dataclass(frozen=True)
class Page:
    """One API page of a stream: its events (None for rows that cannot be read) and where it
    ends."""

    events: tuple[Event, ...]
    position: Position
    unreadable: tuple[str, ...] = ()  # ids of rows that were skipped, for the log
    dropped: int = 0  # rows the caller's prefilter (`keep`) left out without converting them


@dataclass(frozen=True)
class WikiConfig:
    name: str
    api: str
    user: str | None = None
    contact: str | None = None
    maxlag: int = 5
    max_retries: int = 3
    retry_wait: float = 5
    ping_templates: tuple[str, ...] | None = None
    pywikibot_dir: Path | None = None


class WikiGateway:
    def __init__(self, config: WikiConfig) -> None:
        self.config = config
        self.name = config.name
        self._site: Any = None
        self._site_info: SiteInfo | None = None
        self._batch: int | None = None

    @property
    def site(self) -> Any:
        if self._site is None:
            pwb = session.load_pywikibot(self.config.pywikibot_dir)
            session.configure(pwb, contact=self.config.contact, maxlag=self.config.maxlag,
                              max_retries=self.config.max_retries,
                              retry_wait=self.config.retry_wait)
            self._site = session.make_site(pwb, self.name, self.config.api, self.config.user)
        return self._site

    def _call(self, params: dict[str, Any]) -> dict[str, Any]:
        return session.call(self.site, self.name, params)

    def _query(self, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return session.query_pages(self.site, self.name, params)

    def site_info(self) -> SiteInfo:
        if self._site_info is None:
            query = next(self._query({
                **language.NAMES,
                "siprop": "general|namespaces|namespacealiases|specialpagealiases"}))
            info = normalize.site_info_from_api(query, self.config.ping_templates)
            self._site_info = replace(
                info, ping_templates=self._with_redirects(info.ping_templates, info.namespace(10)),
                timestamps=language.learn_timestamps(self._call, self.name, query))
        return self._site_info

    def _with_redirects(self, templates: tuple[str, ...], ns: Any) -> tuple[str, ...]:
        """The ping templates plus every redirect to them on this wiki ({{Pong}} -> {{Ping}})."""
        prefix = (ns.name if ns else "Template") + ":"
        found = list(templates)
        for i in range(0, len(templates), BATCH):
            titles = "|".join(prefix + t for t in templates[i:i + BATCH])
            params = {"prop": "redirects", "titles": titles, "rdnamespace": 10, "rdlimit": "max",
                      "rdprop": "title"}
            for query in self._query(params):
                for page in query.get("pages") or ():
                    found += [str(r["title"]).partition(":")[2] for r in page.get("redirects") or ()
                              if r.get("title")]
        return tuple(dict.fromkeys(found))

    def server_time(self) -> Position:
        query = next(self._query({"meta": "siteinfo", "siprop": "general", "curtimestamp": 1}))
        return Position(parse_ts(str(query.get("general", {}).get("time"))))

    # -- streams -------------------------------------------------------------------------
    def recent_changes(self, position: Position, limit: int = 500,
                       keep: Callable[[UserRef, str], bool] | None = None) -> Iterator[Page]:
        """Recent changes after `position`; `keep(actor, log_type)` drops rows before they are
        converted to Events (the prefilter: most rows cost a dictionary lookup, nothing more)."""
        params = {"list": "recentchanges", "rcprop": RC_PROPS, "rcdir": "newer",
                  "rctype": "edit|new|log", "rclimit": limit,
                  "rcstart": format_ts(position.read_from())}
        yield from self._stream(params, "recentchanges", "rcid", normalize.event_from_rc, position,
                                None if keep is None else _row_prefilter(keep, "logtype"))

    def log_events(self, log_type: str, position: Position, limit: int = 500,
                   keep: Callable[[UserRef, str], bool] | None = None) -> Iterator[Page]:
        """Log entries of one type after `position`, with the same prefilter as recent changes."""
        params = {"list": "logevents", "leprop": LOG_PROPS, "ledir": "newer", "letype": log_type,
                  "lelimit": limit, "lestart": format_ts(position.read_from())}
        yield from self._stream(params, "logevents", "logid", normalize.event_from_log, position,
                                None if keep is None else _row_prefilter(keep, "type"))

    def _stream(self, params: dict[str, Any], key: str, id_key: str, convert: Any,
                position: Position, keep: Callable[[Any], bool] | None = None
                ) -> Iterator[Page]:
        for query in self._query(params):
            events, bad, dropped = [], [], 0
            for row in query.get(key) or ():
                try:
                    row_id, ts = int(row.get(id_key) or 0), parse_ts(str(row.get("timestamp")))
                except (ValueError, TypeError, AttributeError):
                    bad.append(f"{id_key} {row.get(id_key, '?') if isinstance(row, dict) else '?'}")
                    continue
                if not position.is_after(ts, row_id):
                    continue
                position = position.advance(ts, row_id)
                if keep is not None and not keep(row):
                    dropped += 1
                    continue
                event = convert(self.name, row)
                (events.append(event) if event else bad.append(f"{id_key} {row_id}"))
            yield Page(tuple(events), position, tuple(bad), dropped)

    # -- contents ------------------------------------------------------------------------
    def revisions(self, revids: Iterable[int], with_text: bool = True) -> dict[int, Revision]:
        """The revisions with these ids (batched), hidden text as None; missing ones left out."""
        wanted = sorted({r for r in revids if r})
        found: dict[int, Revision] = {}
        props, batch = REV_PROPS + ("|content" if with_text else ""), self.batch_size()
        for i in range(0, len(wanted), batch):
            chunk = "|".join(map(str, wanted[i:i + batch]))
            params = {"prop": "revisions", "revids": chunk, "rvprop": props, "rvslots": "main"}
            for query in self._query(params):
                for rev in _page_revisions(query):
                    found[rev.revid] = rev
        return found

    def history(self, title: str, from_revid: int, limit: int, with_text: bool = False,
                max_bytes: int = 0) -> tuple[Revision, ...]:
        """Revisions of `title` from `from_revid` backwards (newest first), at most `limit`."""
        if not title or not from_revid or limit <= 0:
            return ()
        params = {"prop": "revisions", "titles": title, "rvstartid": from_revid, "rvdir": "older",
                  "rvprop": REV_PROPS + ("|content" if with_text else ""), "rvslots": "main",
                  "rvlimit": min(limit, 50 if with_text else 500)}
        out: list[Revision] = []
        total = 0
        for query in self._query(params):
            for rev in _page_revisions(query):
                out.append(rev)
                total += len(rev.text or "")
                if len(out) >= limit or (max_bytes and total >= max_bytes):
                    return tuple(out)
        return tuple(out)

    def revisions_with_contributors(self, revids: Iterable[int], extra_requests: int = 5
                                    ) -> tuple[dict[int, Revision],
                                               dict[str, tuple[UserRef, ...]] | None]:
        """revisions(revids) with text, and their pages' registered contributors from the same
        requests (prop=revisions|contributors). Contributors are None when very busy pages
        would need more than `extra_requests` further requests (then anyone may have edited)."""
        wanted = sorted({r for r in revids if r})
        found: dict[int, Revision] = {}
        people: dict[str, tuple[UserRef, ...]] | None = {}
        left, batch = extra_requests, self.batch_size()
        for i in range(0, len(wanted), batch):
            params: dict[str, Any] = {
                "action": "query", "revids": "|".join(map(str, wanted[i:i + batch])),
                "prop": "revisions|contributors" if people is not None else "revisions",
                "rvprop": REV_PROPS + "|content", "rvslots": "main", "pclimit": "max"}
            while True:
                answer = session.call(self.site, self.name, params)
                query = answer.get("query") or {}
                found.update((rev.revid, rev) for rev in _page_revisions(query))
                if people is not None:
                    _add_contributors(people, query)
                cont = answer.get("continue")
                if not isinstance(cont, dict):
                    break
                if "rvcontinue" not in cont:  # only contributors left to read
                    if left <= 0:
                        people = None
                        break
                    left -= 1
                params = {**params, **cont}
        return found, people

    def batch_size(self) -> int:
        """Ids or titles per request: 500 for an account with `apihighlimits` (bots), else 50."""
        if self._batch is None:
            try:
                high = bool(self.config.user) and bool(self.site.has_right("apihighlimits"))
            except Exception:
                high = False
            self._batch = HIGH_BATCH if high else BATCH
        return self._batch

    def contributors(self, titles: Iterable[str], max_requests: int = 5
                     ) -> dict[str, tuple[UserRef, ...]] | None:
        """Each page's registered contributors (prop=contributors, 50 titles a request).

        None when the answer needs more than `max_requests` requests (very busy pages): the
        caller then assumes anyone may have edited them.
        """
        wanted, left = sorted({t for t in titles if t}), max_requests
        out: dict[str, tuple[UserRef, ...]] = {}
        batch = self.batch_size()
        for i in range(0, len(wanted), batch):
            params: dict[str, Any] = {"action": "query", "prop": "contributors",
                                      "titles": "|".join(wanted[i:i + batch]), "pclimit": "max"}
            while True:
                if left == 0:
                    return None
                left -= 1
                answer = session.call(self.site, self.name, params)
                _add_contributors(out, answer.get("query") or {})
                cont = answer.get("continue")
                if not isinstance(cont, dict):
                    break
                params = {**params, **cont}
        return out

    def page_creator(self, title: str) -> str | None:
        """Who created a page, from the creation log (it survives deletion), else its history."""
        query = next(self._query({"list": "logevents", "letype": "create", "letitle": title,
                                  "ledir": "newer", "lelimit": 1, "leprop": "user"}))
        for row in query.get("logevents") or ():
            if row.get("user"):
                return str(row["user"])
        query = next(self._query({"prop": "revisions", "titles": title, "rvdir": "newer",
                                  "rvlimit": 1, "rvprop": "user"}))
        revs = [r for p in query.get("pages") or () for r in p.get("revisions") or ()]
        return str(revs[0]["user"]) if revs and revs[0].get("user") else None

    # -- review (bot/wiki/diffs.py) --------------------------------------------------------
    def compare(self, revid: int) -> diffs.Comparison:
        """The wiki's diff of a revision against its parent (untrusted HTML rows)."""
        return diffs.compare(self._call, self.name, revid)

    def contributions(self, user: str, start: datetime, end: datetime) -> diffs.Contributions:
        return diffs.contributions(self._call, user, start, end)

    # -- users ---------------------------------------------------------------------------
    def users_by_name(self, names: Iterable[str]) -> dict[str, UserRef | None]:
        """Each name -> the account (id and normalized name) or None when it does not exist."""
        wanted = sorted({normalize_user_name(n) for n in names if n.strip()})
        out: dict[str, UserRef | None] = {}
        for i in range(0, len(wanted), BATCH):
            for query in self._query({"list": "users", "ususers": "|".join(wanted[i:i + BATCH])}):
                for row in query.get("users") or ():
                    ok = "userid" in row and not row.get("missing") and not row.get("invalid")
                    out[str(row.get("name"))] = UserRef(int(row["userid"]), str(row["name"])) \
                        if ok else None
        return {n: out.get(n) for n in wanted}

    def sign_in_id(self, name: str) -> UserRef | None:
        """The account as a wiki sign-in (OAuth `sub`) will show it: the central user id where
        the wiki has central accounts (CentralAuth), else the local one; None: no account."""
        params = {"list": "users", "ususers": normalize_user_name(name), "usprop": "centralids"}
        for query in self._query(params):
            for row in query.get("users") or ():
                if "userid" not in row or row.get("missing") or row.get("invalid"):
                    return None
                ids = row.get("centralids")
                central = ids.get("CentralAuth") if isinstance(ids, dict) else None
                return UserRef(int(central or row["userid"]), str(row["name"]))
        return None

    def users_by_id(self, ids: Iterable[int]) -> dict[int, str | None]:
        wanted = sorted({i for i in ids if i})
        out: dict[int, str | None] = {i: None for i in wanted}
        for i in range(0, len(wanted), BATCH):
            chunk = "|".join(map(str, wanted[i:i + BATCH]))
            for query in self._query({"list": "users", "ususerids": chunk}):
                for row in query.get("users") or ():
                    if "userid" in row and not row.get("missing"):
                        out[int(row["userid"])] = str(row["name"])
        return out

    def renamed_to(self, name: str) -> str | None:
        """The newest name of an account renamed away from `name` (renameuser log), if any."""
        current, seen = normalize_user_name(name), set()
        while current not in seen:
            seen.add(current)
            query = next(self._query({"list": "logevents", "letype": "renameuser",
                                      "letitle": f"User:{current}", "lelimit": 1,
                                      "leprop": "details|title"}))
            rows = query.get("logevents") or ()
            new = rows[0].get("params", {}).get("newuser") if rows else None
            if not new:
                return None if current == normalize_user_name(name) else current
            current = normalize_user_name(str(new))
        return current


def _page_revisions(query: dict[str, Any]) -> Iterator[Revision]:
    for page in query.get("pages") or ():
        for raw in page.get("revisions") or ():
            rev = normalize.revision_from_api(raw)
            if rev is not None:
                yield rev


def _add_contributors(out: dict[str, tuple[UserRef, ...]], query: dict[str, Any]) -> None:
    for page in query.get("pages") or ():
        found = tuple(UserRef(int(c.get("userid") or 0), str(c.get("name", "")))
                      for c in page.get("contributors") or ())
        title = str(page.get("title", ""))
        out[title] = out.get(title, ()) + found


def _row_prefilter(keep: Callable[[UserRef, str], bool], log_type_key: str
                   ) -> Callable[[Any], bool]:
    """`keep` over a raw recent-changes or log row; a row it cannot judge is kept (and checked
    later). `log_type_key`: where the row holds its log type (`logtype` in recent changes)."""
    def raw(row: Any) -> bool:
        try:
            user = UserRef(int(row.get("userid") or 0), str(row.get("user", "")))
            return keep(user, str(row.get(log_type_key) or ""))
        except (TypeError, ValueError, AttributeError):
            return True
    return raw
