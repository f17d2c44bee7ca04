"""How a wiki writes signature timestamps, learned from the wiki itself (once per process).

Three reads: the wiki's language and time zone with its content language's month and weekday
names (`meta=siteinfo|allmessages` with `uselang=content`: the gateway asks for the namespaces in
the same request, see `NAMES`), the names of the wiki's time zones (`meta=allmessages`), and the
timestamp MediaWiki writes for `~~~~~` right now (`action=parse` with `onlypst`, and
`curtimestamp`). The pure part is
`detectors.wikitext.timestamps.learn`. A format that cannot be learned (a calendar other than
the Gregorian, say) leaves the wiki on the English UTC format, and is logged once at WARNING.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import WikiError
from bot.wiki.cursor import parse_ts
from detectors.wikitext.timestamps import ENGLISH, LocalNames, TimestampFormat, learn

log = logging.getLogger(__name__)
MONTHS = ("january", "february", "march", "april", "may_long", "june", "july", "august",
          "september", "october", "november", "december")
GENITIVE = tuple(("may" if m == "may_long" else m) + "-gen" for m in MONTHS)
ABBREVIATED = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
               "dec")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

NAME_KEYS = (*MONTHS, *GENITIVE, *ABBREVIATED, *WEEKDAYS, *WEEKDAYS_SHORT)  # 50: one request
# The query parts that carry the wiki's language, zone and names: add them to a siteinfo query
# (siprop must include `general`) and hand its answer to `learn_timestamps`.
NAMES = {"meta": "siteinfo|allmessages", "ammessages": "|".join(NAME_KEYS), "uselang": "content"}

Call = Callable[[dict[str, Any]], dict[str, Any]]


def learn_timestamps(call: Call, wiki: str, query: dict[str, Any] | None = None
                     ) -> TimestampFormat:
    """The wiki's signature timestamp format (`call` makes one API request).

    `query` is the `query` part of an answer to a request with `NAMES` and `siprop=general`
    made already; without it, that request is made here."""
    if query is None:
        query = _part(call({"action": "query", **NAMES, "siprop": "general"}), "query")
    general = _part(query, "general")
    lang, zone_name = str(general.get("lang") or "en"), str(general.get("timezone") or "UTC")
    try:
        offset = int(general.get("timeoffset") or 0)
    except (TypeError, ValueError):  # a strange answer: the zone's name still gives it
        offset = 0
    zones = zone_labels(zone_name, offset)
    messages = {**_found(query), **_messages(call, lang, [f"timezone-{a.lower()}" for a in zones])}
    labels = {messages.get(f"timezone-{abbr.lower()}") or abbr: minutes
              for abbr, minutes in zones.items()}
    names = LocalNames(
        tuple(_forms(messages, m, g, a) for m, g, a in zip(MONTHS, GENITIVE, ABBREVIATED)),
        tuple(_forms(messages, d, s) for d, s in zip(WEEKDAYS, WEEKDAYS_SHORT)))
    sample = ""
    for _ in range(2):  # a sample written across a minute boundary is read again, once
        sample, now = _sample(call, wiki)
        local, minutes = _local(now, zone_name, offset)
        found = learn(sample, local, names, labels, minutes)
        if found is not None:
            return found
    log.warning("wiki %s: signature timestamps like %r (language %s) are not understood; "
                "replies there are found only in English UTC signatures", wiki, sample[:80], lang)
    return ENGLISH


def zone_labels(zone_name: str, offset: int) -> dict[str, int]:
    """Every abbreviation the zone uses (CET and CEST) -> its UTC offset in minutes."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return {"UTC": 0} if offset == 0 else {}
    found: dict[str, int] = {}
    start = datetime(2000, 1, 1, tzinfo=UTC)
    for days in range(0, 366 * 40, 15):  # every offset the zone has had since 2000
        moment = (start + timedelta(days=days)).astimezone(zone)
        delta = moment.utcoffset()
        if moment.tzname() and delta is not None:
            found.setdefault(str(moment.tzname()), int(delta.total_seconds() // 60))
    return found


def _local(now: datetime, zone_name: str, offset: int) -> tuple[datetime, int]:
    """Naive local time of the wiki at UTC `now`, and its offset in minutes."""
    try:
        local = now.astimezone(ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        return (now + timedelta(minutes=offset)).replace(tzinfo=None), offset
    delta = local.utcoffset() or timedelta(0)
    return local.replace(tzinfo=None), int(delta.total_seconds() // 60)


def _sample(call: Call, wiki: str) -> tuple[str, datetime]:
    answer = call({"action": "parse", "text": "~~~~~", "onlypst": 1, "contentmodel": "wikitext",
                   "title": "API", "curtimestamp": 1})
    try:
        now = parse_ts(str(answer.get("curtimestamp") or ""))
    except ValueError:
        raise WikiError(f"wiki {wiki}: action=parse answered without a valid curtimestamp") \
            from None
    return str(_part(answer, "parse").get("text") or ""), now


def _part(answer: Any, key: str) -> dict[str, Any]:
    """answer[key] when it is an object, else {} (an odd answer is a sample not understood)."""
    value = answer.get(key) if isinstance(answer, dict) else None
    return value if isinstance(value, dict) else {}


def _messages(call: Call, lang: str, keys: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(keys), 50):
        out.update(_found(_part(call({"action": "query", "meta": "allmessages", "amlang": lang,
                                      "ammessages": "|".join(keys[i:i + 50])}), "query")))
    return out


def _found(query: dict[str, Any]) -> dict[str, str]:
    """The messages of an allmessages answer that exist, by name."""
    found = query.get("allmessages")
    return {str(m["name"]): str(m.get("content", m.get("*", "")))
            for m in (found if isinstance(found, list) else ())
            if isinstance(m, dict) and not m.get("missing") and m.get("name")}


def _forms(messages: dict[str, str], *keys: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for k in keys if (v := messages.get(k, "").strip())))
