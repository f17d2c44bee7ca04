"""`mention`: the restricted user refers to a protected user in what they add or in a summary.

Looked for in the text the edit adds (lines neither moved nor unchanged; see `wikitext.diff`)
and in the edit summary or log comment:
- links to the protected user's page, talk page (or subpages) or contributions, as wikilinks
  or URLs, in any spelling the wiki accepts (`wikitext.links.user_links`);
- ping-style templates naming them (`wikitext.links.ping_calls`, per-wiki `site.ping_templates`);
- their name, a former name or a per-ban alias as a whole word in plain text.

One finding per protected person and source (link, ping, plain text, summary). Plain-text
matches of short names (3 characters or less) or common English words, and matches that only
agree ignoring case, get lower confidence. Names that are not the user are no mention (issue
17, `wikitext.names`): a name inside a longer proper name ("Nick Cave" for Nick; aliases are
matched as the ban gives them, even there), in a reference, a quotation, an italic title or an
article link, and a common-word name in lower case ("will"). In article-like text (even
namespaces but User and Project) a plain name counts fully only inside a hidden comment or near
words about editing; elsewhere there it gets `CONF_ARTICLE`, and a short or common-word name
nothing. Links and pings to anyone else (the actor's own
signature included), URLs, and occurrences inside a longer name of the actor are masked before
the plain-text search. In a changed block, a mention also present in the lines it replaced is
not new (fixing a typo in a line that names Bob does not mention Bob again). Comments copied
from elsewhere (a section of added text whose signatures are all dated more than a day before
the edit: an archived or moved thread) are not the actor's words and are masked, but for the
actor's own comments; a section the actor signs now keeps what it quotes.

Cost: text added beyond `limits.max_parse_bytes` is scanned by regexes only; the template scan
is linear and never sees more than the added text.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from detectors.bans import Person
from detectors.base import Context, Need
from detectors.model import (
    NS_PROJECT,
    NS_USER,
    Event,
    EventType,
    Finding,
    Kind,
    normalize_user_name,
)
from detectors.wikitext.comments import COPIED_AFTER, copied_comment_spans
from detectors.wikitext.diff import diff_lines
from detectors.wikitext.links import PingCall, UserLink, ping_calls, url_spans, user_links
from detectors.wikitext.names import (
    html_comment_spans,
    in_longer_name,
    near_edit_talk,
    not_about_users,
)

CONF_LINK = 0.95  # link to the user's page, talk page or contributions
CONF_PING = 0.95  # ping-style template naming the user
CONF_SUMMARY_LINK = 0.9  # link or ping template in a summary (summaries notify no one)
CONF_SUMMARY = 0.7  # name as a whole word in a summary
CONF_TEXT = 0.6  # name as a whole word in added text
CONF_WEAK = 0.3  # ... when the name is 3 characters or less, or a common English word
# In article-like text (content namespaces: not talk, user or project pages), outside hidden
# comments and away from words about editing, a name is most often someone else's:
CONF_ARTICLE = 0.4  # ... a name that is neither short nor a common word (weak ones: nothing)
CASE_PENALTY = 0.15  # subtracted when the name matches only ignoring case
MAX_SUMMARY_CHARS = 5_000
EXCERPT_CHARS = 120
_MAX_TEXT_HITS = 20  # per name and text: enough to tell new from unchanged mentions
_MAX_HITS = 50  # links or pings per person and text

LINK, PING, TEXT, SUMMARY = "link", "ping", "plain text", "summary"

# Names that are also everyday English words: a plain-text match says little on its own.
COMMON_WORDS = frozenset("""
a about admin after again all also an and any anyone are art as at away back bad be bear best
big bill black blue bold book boss brown but by can care cat chance chase clear cool crow dawn
day dear dog done dove down drew earth editor else even ever fair faith fine fish fix for fox
frank free friend from fun game gold good grace great green guest guy happy have he hello help
her here hi him his honest hope how hunter i if in iron is it ivy jack jay joy just king kind
know lake last law lee let light like lily long lord love lucky mark may me mike mine miss more
most much my neutral new news nice night no none not nothing now of off ok okay old on one only
or other our out patience peace pen penny pi power pro rain ray read real red rich right river
robin rock rose ruby sage said sandy see she sky smith so some sorry star still stone storm sue
summer sun sure talk than thanks that the their them then there they this time to too true
truth up us user very violet was we well what when who why wiki will wind winter wise with
wolf wood word yes yet you your
""".split())

_BOUNDARY = r"\w\u0300-\u036f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u200c\u200d"
_AUTOCOMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
# MediaWiki writes the reverted users' links into rollback and undo summaries itself
# ("Undo revision 5 by [[Special:Contributions/Bob|Bob]] ([[User talk:Bob|talk]])"): those are
# not the actor's words; the revert detector reports the revert. Text the actor added stays:
# in an undo summary, links to anyone but the undone revision's author (the first user linked).
_WIKILINK = re.compile(r"\[\[[^\[\]]*\]\]")
_SPACES = re.compile(r"\s+")
_WORD_CHAR = re.compile(rf"[{_BOUNDARY}]")


@dataclass(frozen=True, slots=True)
class _Profile:
    """Where a scan looks and what its kinds of hit are worth there."""

    where: str
    link: float
    ping: float
    text: float
    article: bool = False  # article-like text: plain names count only where editors talk


ADDED = _Profile("added text", CONF_LINK, CONF_PING, CONF_TEXT)
IN_ARTICLE = _Profile("added article text", CONF_LINK, CONF_PING, CONF_TEXT, article=True)
IN_SUMMARY = _Profile("the edit summary", CONF_SUMMARY_LINK, CONF_SUMMARY_LINK, CONF_SUMMARY)
IN_LOG = _Profile("the log comment", CONF_SUMMARY_LINK, CONF_SUMMARY_LINK, CONF_SUMMARY)


@dataclass(frozen=True, slots=True)
class Hit:
    """One mention found by a scan; `key` is what an identical unchanged mention shares."""

    target: str  # the protected person's current name
    source: str  # LINK, PING or TEXT
    key: str
    confidence: float
    how: str  # the evidence up to the excerpt
    text: str = field(repr=False, default="")
    start: int = 0
    end: int = 0

    @property
    def evidence(self) -> str:
        """`how`, then a short quote of the text around the mention (built only when needed)."""
        return f"{self.how}: \"{excerpt(self.text, self.start, self.end)}\""


def excerpt(text: str, start: int, end: int, limit: int = EXCERPT_CHARS) -> str:
    """At most `limit` characters of `text` around [start, end), whitespace collapsed."""
    inner = limit - 6
    end = min(end, start + inner)
    before = (inner - (end - start)) // 2
    a = max(0, start - before)
    b = min(len(text), a + inner)
    a = max(0, min(a, b - inner))
    piece = _SPACES.sub(" ", text[a:b]).strip()
    return ("..." if a > 0 else "") + piece + ("..." if b < len(text) else "")


def is_weak_name(name: str) -> bool:
    """Short names and common words: a plain-text match is a weak sign of a mention."""
    bare = " ".join(name.replace("_", " ").split())
    return len(bare) <= 3 or bare.casefold() in COMMON_WORDS


def person_names(person: Person) -> dict[str, str]:
    """Every name `person` is known by (normalized) -> how to describe it in evidence."""
    out: dict[str, str] = {}
    for name, role in ((n, "") for n in person.names[:1]):
        out.setdefault(normalize_user_name(name), role)
    for name in person.former_names:
        out.setdefault(normalize_user_name(name), "a former name")
    for name in person.aliases:
        out.setdefault(normalize_user_name(name), "an alias")
    out.pop("", None)
    return out


def text_names(person: Person) -> dict[str, tuple[str, bool]]:
    """The names searched for in plain text -> (how to describe it, is it a per-ban alias).

    Account names (current and former) are normalized as MediaWiki does; aliases are kept as
    the ban gives them (only their spaces are tidied): staff chose their spelling.
    """
    out: dict[str, tuple[str, bool]] = {}
    for name, role in person_names(person).items():
        if role != "an alias":
            out[name] = (role, False)
    for alias in person.aliases:
        given = " ".join(alias.replace("_", " ").split())
        if given:
            out.setdefault(given, ("an alias", True))
    return out


def _as(name: str, role: str) -> str:
    return f" (as {name}, {role})" if role else ""


def _link_hits(links: Sequence[UserLink], person: Person, names: dict[str, str],
               text: str, profile: _Profile) -> list[Hit]:
    out = []
    for link in links:
        role = names.get(link.user)
        if role is None:
            continue
        shown = f"the URL {link.text}" if link.via == "url" else link.text
        how = (f"linked to {person.name}'s {link.target}{_as(link.user, role)} with "
               f"{shown} in {profile.where}")
        key = f"{LINK}:{link.target}:{link.user}"
        out.append(Hit(person.name, LINK, key, profile.link, how, text, link.start, link.end))
        if len(out) >= _MAX_HITS:
            break
    return out


def _ping_hits(calls: Sequence[PingCall], person: Person, names: dict[str, str],
               text: str, profile: _Profile) -> list[Hit]:
    out = []
    for call in calls:
        for user in call.users:
            role = names.get(user)
            if role is None:
                continue
            verb = "named" if "noping" in call.template.casefold().replace(" ", "") else "pinged"
            how = f"{verb} {person.name}{_as(user, role)} with {call.text} in {profile.where}"
            key = f"{PING}:{call.template}:{user}"
            out.append(Hit(person.name, PING, key, profile.ping, how, text, call.start, call.end))
        if len(out) >= _MAX_HITS:
            break
    return out


@lru_cache(maxsize=2048)
def _name_pattern(name: str, ignore_case: bool) -> re.Pattern[str]:
    """`name` not followed by a word character (the start is checked by `_word_start`).

    The pattern starts with the name itself so that the regex engine can search for it fast.
    """
    body = r"(?:[ _\u00a0]|&nbsp;)+".join(re.escape(w) for w in name.replace("_", " ").split())
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(rf"{body}(?![{_BOUNDARY}])", flags)


def _word_start(text: str, start: int) -> bool:
    return start == 0 or _WORD_CHAR.match(text, start - 1) is None


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with the given spans blanked out (same length, so positions still agree)."""
    pieces, pos = [], 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        pieces += [text[pos:start], " " * (end - start)]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _inside_actor_name(masked: str, start: int, end: int, actor_names: Sequence[str]) -> bool:
    """Is [start, end) part of an occurrence of the actor's (longer or equal) name?"""
    for name in actor_names:
        reach = 3 * len(name) + 10
        lo, hi = max(0, start - reach), min(len(masked), end + reach)
        for m in _name_pattern(name, True).finditer(masked, lo, hi):
            if m.start() <= start and end <= m.end() and _word_start(masked, m.start()):
                return True
    return False


def _first_plain(masked: str, name: str, actor_names: Sequence[str],
                 as_given: bool = False) -> list[re.Match[str]]:
    """Whole-word matches of `name` outside actor names: exact-case ones, else any-case ones.

    A match inside a longer proper name ("Nick Cave" for Nick) is not one, unless the name is
    an alias, matched as given."""
    for ignore_case in (False, True):
        found = []
        for m in _name_pattern(name, ignore_case).finditer(masked):
            if not _word_start(masked, m.start()):
                continue
            if _inside_actor_name(masked, m.start(), m.end(), actor_names):
                continue
            if not as_given and in_longer_name(masked, m.start(), m.end()):
                continue
            found.append(m)
            if len(found) >= _MAX_TEXT_HITS:
                break
        if found:
            return found
    return []


def _text_hits(masked: str, folded: str, text: str, person: Person,
               names: dict[str, tuple[str, bool]], actor_names: Sequence[str],
               profile: _Profile) -> list[Hit]:
    out = []
    for name, (role, as_given) in names.items():
        first_word = name.split()[0].casefold() if name.split() else ""
        if not first_word or first_word not in folded:
            continue
        for m in _first_plain(masked, name, actor_names, as_given):
            hit = _text_hit(m, name, role, person, text, profile)
            if hit is not None:
                out.append(hit)
    return out


def _text_hit(m: re.Match[str], name: str, role: str, person: Person, text: str,
              profile: _Profile) -> Hit | None:
    exact = " ".join(m.group().replace("_", " ").replace("&nbsp;", " ").split()) == name
    weak = is_weak_name(name)
    if not exact and _as_a_word(m.group(), name):
        return None  # "it will rain" does not name Will
    confidence = CONF_WEAK if weak else profile.text
    how = "whole word, exact case" if exact else f"whole word, matching {m.group()!r} ignoring case"
    if weak:
        how += f"; {name!r} is short or a common word, so it may not mean the user"
    if profile.article and not _editors_talk(text, m.start(), m.end()):
        if weak:
            return None  # "Grace" in an article about hymns is not the user
        confidence = CONF_ARTICLE
        how += "; in article text, with no word about editing near it"
    confidence -= 0 if exact else CASE_PENALTY
    how = f"named {person.name}{_as(name, role)} in plain text in {profile.where} ({how})"
    return Hit(person.name, TEXT, f"{TEXT}:{name.casefold()}", round(confidence, 2), how,
               text, m.start(), m.end())


def _as_a_word(found: str, name: str) -> bool:
    """A name that is a common word, found in lower case: the word, not the name."""
    return found.islower() and not name.islower() and " ".join(name.split()).casefold() in \
        COMMON_WORDS


def _editors_talk(text: str, start: int, end: int) -> bool:
    """In article text: inside a hidden comment, or near words about editing."""
    if any(a <= start and end <= b for a, b in html_comment_spans(text)):
        return True
    return near_edit_talk(text, start, end)


def scan(text: str, context: Context, actor_names: Sequence[str], profile: _Profile,
         parse: bool = True) -> list[Hit]:
    """Every mention of a protected person in `text` (links, pings, then plain text)."""
    if not text or not text.strip():
        return []
    only = None if parse else [n for p in context.restriction.protected for n in person_names(p)]
    links = user_links(text, context.site, only)
    calls = ping_calls(text, context.site, parse, only)
    spans = [(x.start, x.end) for x in links] + [(x.start, x.end) for x in calls]
    masked = _mask(text, spans + url_spans(text))
    folded = masked.casefold()
    hits: list[Hit] = []
    plain: str | None = None
    for person in context.restriction.protected:
        names = person_names(person)
        hits += _link_hits(links, person, names, text, profile)
        hits += _ping_hits(calls, person, names, text, profile)
        words = text_names(person)
        if not any(n.split()[0].casefold() in folded for n in words):
            continue
        if plain is None:
            plain = _plain(masked, context)
        hits += _text_hits(plain, plain.casefold(), text, person, words, actor_names, profile)
    return hits


def _plain(masked: str, context: Context) -> str:
    """`masked` without references, quotations, titles and article links: no name there is
    a mention (only links that hold the first word of a protected name are looked at)."""
    words = [w.split()[0].casefold() for p in context.restriction.protected
             for w in text_names(p)]
    return _mask(masked, not_about_users(masked, context.site, words))


def _byte_size_over(parts: Sequence[str], limit: int) -> bool:
    chars = sum(len(p) for p in parts)
    if chars > limit or chars * 4 <= limit:
        return chars > limit
    return sum(len(p.encode("utf-8", "surrogatepass")) for p in parts) > limit


def added_blocks(old: str | None, new: str) -> list[tuple[str, str]]:
    """(added text, replaced text) per changed block; moved lines are not added."""
    diff = diff_lines(old, new)
    added = {i for i, _ in diff.added()}
    out = []
    for h in diff.hunks:
        new_part = "\n".join(diff.new_lines[i] for i in range(h.new_start, h.new_end) if i in added)
        if new_part.strip():
            out.append((new_part, "\n".join(diff.old_lines[h.old_start:h.old_end])))
    return out


def _new_hits(blocks: Sequence[tuple[str, str]], context: Context,
              actor_names: Sequence[str], parse: bool, before: datetime,
              profile: _Profile = ADDED) -> list[Hit]:
    """New mentions per block; comments copied from elsewhere (dated before `before`) are
    blanked out first, when the block holds any mention at all."""
    hits = []
    for new_part, old_part in blocks:
        found = scan(new_part, context, actor_names, profile, parse)
        spans = []
        if found and parse:
            spans = copied_comment_spans(new_part, context.site, before, actor_names)
        if spans:
            found = scan(_mask(new_part, spans), context, actor_names, profile, parse)
        if not found:
            continue
        before_hits = Counter(h.key for h in scan(old_part, context, actor_names, profile, parse))
        for hit in found:
            if before_hits[hit.key] > 0:
                before_hits[hit.key] -= 1
            else:
                hits.append(hit)
    return hits


def is_article_like(event: Event, context: Context) -> bool:
    """A content page: not a talk page (odd namespaces), user page or project page."""
    ns = event.namespace or (context.site.split_title(event.title)[0] if event.title else 0)
    return ns >= 0 and ns % 2 == 0 and ns not in (NS_USER, NS_PROJECT)


def _actor_names(event: Event, context: Context) -> tuple[str, ...]:
    actor = context.restriction.actor
    names = (*actor.names, *actor.aliases, event.actor.name)
    return tuple(dict.fromkeys(n for n in (normalize_user_name(x) for x in names) if n))


def _best(hits: Iterable[Hit]) -> dict[tuple[str, str], Hit]:
    best: dict[tuple[str, str], Hit] = {}
    for hit in hits:
        key = (hit.target, hit.source)
        if key not in best or hit.confidence > best[key].confidence:
            best[key] = hit
    return best


def _without_undone_author(summary: str, context: Context) -> str:
    """An undo summary without the links to the user MediaWiki names in it (the first one)."""
    links = user_links(summary, context.site)
    if not links:
        return summary
    return _mask(summary, [(x.start, x.end) for x in links if x.user == links[0].user])


class MentionDetector:
    name = "mention"
    kinds = frozenset({Kind.MENTION})
    needs = frozenset({Need.TEXT})

    def detect(self, event: Event, context: Context) -> Sequence[Finding]:
        actor_names = _actor_names(event, context)
        found = _best(self._text_hits(event, context, actor_names))
        summary = self._summary_hits(event, context, actor_names)
        if summary:
            best = max(summary, key=lambda h: h.confidence)
            found[(best.target, SUMMARY)] = best
        order = {p.name: i for i, p in enumerate(context.restriction.protected)}
        rank = {LINK: 0, PING: 1, TEXT: 2, SUMMARY: 3}
        keys = sorted(found, key=lambda k: (order.get(k[0], len(order)), rank[k[1]]))
        return [Finding(Kind.MENTION, found[k].confidence, found[k].evidence, k[0]) for k in keys]

    def _text_hits(self, event: Event, context: Context, actor_names: Sequence[str]) -> list[Hit]:
        new = context.new_text
        if event.type is EventType.LOG or not new:
            return []
        if event.type is EventType.EDIT and context.old_text is None:
            return []  # old text hidden or not fetched: the added text is unknown
        blocks = added_blocks(context.old_text, new)
        parse = not _byte_size_over([b for b, _ in blocks], context.limits.max_parse_bytes)
        profile = IN_ARTICLE if is_article_like(event, context) else ADDED
        return _new_hits(blocks, context, actor_names, parse, event.timestamp - COPIED_AFTER,
                         profile)

    def _summary_hits(self, event: Event, context: Context,
                      actor_names: Sequence[str]) -> list[Hit]:
        comment = (event.comment or "")[:MAX_SUMMARY_CHARS]
        if event.type is EventType.LOG:
            return scan(comment, context, actor_names, IN_LOG)
        # "/* Section */" names the section edited, which someone else may have titled
        comment = _AUTOCOMMENT.sub(" ", comment)
        if "mw-rollback" in event.tags:
            comment = _WIKILINK.sub(" ", comment)
        elif "mw-undo" in event.tags:
            comment = _without_undone_author(comment, context)
        return scan(comment, context, actor_names, IN_SUMMARY)


DETECTOR = MentionDetector()
