"""Links to users and ping-style templates in wikitext, found with bounded, linear scans.

- `user_links(text, site)`: wikilinks (`[[User:Bob]]`, `[[:user_talk:bob/x|y]]`, `[[U:Bob]]`,
  `[[Special:Contributions/Bob]]`, interwiki `[[w:User:Bob]]`) and URLs (`.../wiki/User:Bob`,
  `index.php?title=User_talk:Bob`, `...Special:Contributions&target=Bob`) that point at a user's
  page, talk page (or their subpages) or contributions, in any spelling the wiki accepts.
- `ping_calls(text, site)`: calls of the wiki's ping-style templates (`site.ping_templates`)
  with the users their positional parameters name (`{{ping|Carol|Bob}}`, `{{reply to|1=Bob}}`).
- `url_spans(text)`: where external links and bare URLs are (callers mask them).

Templates are found by a linear stack scan of `{{ }} [[ ]] |` tokens, which handles nesting and
pipes inside links. mwparserfromhell is not used here on purpose: on hostile input it is slow
(about 30 s for 70 KB of repeated `{{ping|`) or raises RecursionError (10,000 nested braces).
`parse=False`, or nesting deeper than `MAX_TEMPLATE_DEPTH`, uses a regex for innermost templates
only. Nothing here raises on odd input.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from detectors.model import NS_SPECIAL, NS_USER, NS_USER_TALK, SiteInfo, normalize_user_name

USER_PAGE = "user page"
USER_TALK = "user talk page"
CONTRIBUTIONS = "contributions"
MAX_TEMPLATE_DEPTH = 40  # MediaWiki's own expansion depth limit is 40
_MAX_TEMPLATE_CHARS = 4000  # a ping template longer than this is not a ping template

_WIKILINK = re.compile(
    r"\[\[([^\[\]{}|\n<>]{1,512})(?:\|(?:[^\[\]\n]|\[(?!\[)|\](?!\])){0,2000})?\]\]")
_URL = re.compile(r"(?:https?:)?//[^\s\[\]<>\"{}|]{1,2048}", re.IGNORECASE)
_EXTERNAL = re.compile(r"\[(?:https?:)?//[^\s\[\]<>\"]{1,2048}(?:[ \t][^\[\]\n]{0,300})?\]",
                       re.IGNORECASE)
_TOKEN = re.compile(r"\{\{|\}\}|\[\[|\]\]|\|")
_INNERMOST = re.compile(r"\{\{([^{}]{1,%d})\}\}" % _MAX_TEMPLATE_CHARS)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e]")
_INTERWIKI = re.compile(r"^\s*:?\s*[A-Za-z][A-Za-z0-9-]{0,15}\s*:(.*)$", re.DOTALL)
_SUBST = re.compile(r"^\s*(?:safe)?subst\s*:", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class UserLink:
    """A link to `user`'s page, talk page or contributions; `text` is the markup (shortened)."""

    user: str  # normalized user name
    target: str  # USER_PAGE, USER_TALK or CONTRIBUTIONS
    start: int
    end: int
    text: str
    via: str = "wikilink"  # or "url"


@dataclass(frozen=True, slots=True)
class PingCall:
    """A ping-style template call and the users its positional parameters name."""

    template: str  # normalized template name ("Reply to")
    users: tuple[str, ...]
    start: int
    end: int
    text: str


def user_links(text: str, site: SiteInfo, only: Iterable[str] | None = None) -> list[UserLink]:
    """Every link in `text` to a user page, user talk page (or subpage) or contributions.

    `only` (names), for very large texts: skip links whose markup does not contain one of
    them (ignoring case, spaces or underscores), which spares resolving every signature.
    """
    if not text:
        return []
    keep = _prefilter(only)
    seen: dict[str, tuple[str, str] | None] = {}  # talk pages repeat the same signatures
    out = []
    if "[[" in text:
        for m in _WIKILINK.finditer(text):
            raw = m.group(1)
            if keep(raw):
                hit = seen[raw] if raw in seen else seen.setdefault(raw, title_user(raw, site))
                if hit is not None:
                    out.append(UserLink(hit[0], hit[1], m.start(), m.end(), _short(m.group())))
    if "//" in text:
        for m in _URL.finditer(text):
            url = trim_url(m.group())
            if keep(url):
                hit = seen[url] if url in seen else seen.setdefault(url, url_user(url, site))
                if hit is not None:
                    end = m.start() + len(url)
                    out.append(UserLink(hit[0], hit[1], m.start(), end, _short(url), "url"))
    out.sort(key=lambda link: link.start)
    return out


def _prefilter(only: Iterable[str] | None) -> Callable[[str], bool]:
    if only is None:
        return lambda raw: True
    words = sorted({w for n in only for w in n.replace("_", " ").split()[:1]}, key=len)
    if not words:
        return lambda raw: False
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return lambda raw: pattern.search(raw) is not None


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every external link (`[url label]`, label included) and bare URL."""
    if not text or "//" not in text:
        return []
    spans = [m.span() for m in _EXTERNAL.finditer(text)]
    spans += [m.span() for m in _URL.finditer(text)]
    return sorted(spans)


def title_user(title: str, site: SiteInfo) -> tuple[str, str] | None:
    """(user, USER_PAGE | USER_TALK | CONTRIBUTIONS) for a title pointing at a user, else None."""
    title = _clean_title(title)
    if not title:
        return None
    ns, rest = site.split_title(title)
    if ns == 0 and ":" in rest:  # interwiki / interlanguage prefix: [[w:User:Bob]]
        m = _INTERWIKI.match(rest)
        if m is None:
            return None
        ns, rest = site.split_title(m.group(1))
    return _user_in(ns, rest, site)


def url_user(url: str, site: SiteInfo) -> tuple[str, str] | None:
    """(user, what) for a URL to a wiki page about a user (`/wiki/User:Bob`, `?title=...`)."""
    url = trim_url(url)
    try:
        parts = urlsplit(url if not url.startswith("//") else "http:" + url)
        query = parse_qs(parts.query, max_num_fields=50)
    except ValueError:
        return None
    path = unquote(parts.path)
    title = ""
    for marker in ("/wiki/", "/index.php/"):
        if marker in path:
            title = path.split(marker, 1)[1]
            break
    title = (query.get("title") or [title])[0]
    if not title:
        return None
    hit = title_user(title, site)
    if hit is None and _is_contributions(site, site.split_title(_clean_title(title))):
        who = (query.get("target") or query.get("user") or [""])[0]
        return (normalize_user_name(who), CONTRIBUTIONS) if _valid_user(who) else None
    return hit


def trim_url(url: str) -> str:
    """A bare URL without the punctuation MediaWiki does not count as part of it."""
    url = url.rstrip(".,;:!?'\"")
    if url.endswith(")") and "(" not in url:
        url = url[:-1].rstrip(".,;:!?'\"")
    return url


def _clean_title(title: str) -> str:
    if "&" in title:
        title = html.unescape(title)
    if "%" in title:
        title = unquote(title)
    title = _BIDI.sub("", title).split("#", 1)[0]
    return title.strip()


def _user_in(ns: int, rest: str, site: SiteInfo) -> tuple[str, str] | None:
    if ns in (NS_USER, NS_USER_TALK):
        user = rest.split("/", 1)[0]
        what = USER_PAGE if ns == NS_USER else USER_TALK
    elif ns == NS_SPECIAL and _is_contributions(site, (ns, rest)) and "/" in rest:
        user, what = rest.split("/", 1)[1], CONTRIBUTIONS
    else:
        return None
    return (normalize_user_name(user), what) if _valid_user(user) else None


def _is_contributions(site: SiteInfo, split: tuple[int, str]) -> bool:
    ns, rest = split
    if ns != NS_SPECIAL:
        return False
    page = rest.split("/", 1)[0].replace("_", " ").strip().casefold()
    return page in _contribution_names(site)


def _contribution_names(site: SiteInfo) -> frozenset[str]:
    try:
        names = tuple(site.special_aliases.get("Contributions", ())) + ("Contributions",)
    except (AttributeError, TypeError):
        names = ("Contributions",)
    return frozenset(" ".join(str(n).replace("_", " ").split()).casefold() for n in names)


def _valid_user(name: str) -> bool:
    name = name.strip()
    return bool(name) and len(name) <= 255 and not any(c in name for c in "[]{}|#<>\n")


def _short(markup: str, limit: int = 100) -> str:
    return markup if len(markup) <= limit else markup[:limit - 3] + "..."


# --- ping-style templates -------------------------------------------------------------------

def ping_calls(text: str, site: SiteInfo, parse: bool = True,
               only: Iterable[str] | None = None) -> list[PingCall]:
    """Calls of `site.ping_templates` in `text`, with the users named by positional parameters.

    `parse=True` scans nesting (linear in the number of brace/bracket tokens); `parse=False`
    (for text too large to parse) finds innermost templates with a regex only. `only` (names):
    skip calls whose markup contains none of them, as for `user_links`.
    """
    if not text or "{{" not in text:
        return []
    names = _ping_names(tuple(site.ping_templates))
    if not names or (parse and _ping_prefilter(tuple(site.ping_templates)).search(text) is None):
        return []
    spans = _template_spans(text) if parse else None
    if spans is None:
        spans = _innermost_spans(text)
    keep = _prefilter(only)
    known: dict[str, str] = {}  # template name as written -> normalized
    out = []
    for start, end, pipes in spans:
        if end - start <= _MAX_TEMPLATE_CHARS and keep(text[start:end]):
            call = _ping_call(text, start, end, pipes, names, site, known)
            if call is not None:
                out.append(call)
    return out


def template_name(raw: str, site: SiteInfo) -> str:
    """The normalized name of a template as called: `{{ template:reply_to |...}}` -> 'Reply to'."""
    name = " ".join(_COMMENT.sub("", raw).replace("_", " ").split())
    name = _SUBST.sub("", name).strip()
    if ":" in name:
        ns, rest = site.split_title(name)
        if ns != 10:
            return ""
        name = rest
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=64)
def _ping_names(templates: tuple[str, ...]) -> frozenset[str]:
    out = set()
    for t in templates:
        name = " ".join(str(t).replace("_", " ").split())
        if name:
            out.add(name[:1].upper() + name[1:])
    return frozenset(out)


@lru_cache(maxsize=64)
def _ping_prefilter(templates: tuple[str, ...]) -> re.Pattern[str]:
    """A cheap, permissive test: is any ping template name right after some `{{ ... :`?"""
    alts = sorted({r"[ _]+".join(re.escape(w) for w in str(t).replace("_", " ").split())
                   for t in templates if str(t).strip()}, key=len, reverse=True)
    body = "|".join(alts) or "(?!)"
    return re.compile(r"\{\{\s*(?:[^{}|\n]{0,80}:\s*)?(?:%s)\s*(?:\||\}\}|<!--)" % body,
                      re.IGNORECASE)


def _template_spans(text: str) -> list[tuple[int, int, tuple[int, ...]]] | None:
    """(start, end, top-level pipe positions) of every balanced `{{...}}`; None if too deep."""
    stack: list[list] = []  # [kind, start, pipes]
    spans = []
    for m in _TOKEN.finditer(text):
        tok, pos = m.group(), m.start()
        if tok == "{{" or tok == "[[":
            if len(stack) >= MAX_TEMPLATE_DEPTH:
                return None
            stack.append([tok, pos, []])
        elif tok == "|":
            if stack:
                stack[-1][2].append(pos)
        elif tok == "]]":
            if stack and stack[-1][0] == "[[":
                stack.pop()
        elif any(frame[0] == "{{" for frame in stack):
            while stack[-1][0] != "{{":
                stack.pop()  # links left open inside the template
            _, start, pipes = stack.pop()
            spans.append((start, m.end(), tuple(pipes)))
    return spans


template_spans = _template_spans  # for other scans of template calls (wikitext.names)


def _innermost_spans(text: str) -> list[tuple[int, int, tuple[int, ...]]]:
    out = []
    for m in _INNERMOST.finditer(text):
        body_start = m.start(1)
        pipes = tuple(body_start + i for i, c in enumerate(m.group(1)) if c == "|")
        out.append((m.start(), m.end(), pipes))
    return out


def _ping_call(text: str, start: int, end: int, pipes: tuple[int, ...],
               names: frozenset[str], site: SiteInfo, known: dict[str, str]) -> PingCall | None:
    bounds = (start + 2, *pipes, end - 2)
    raw = text[bounds[0]:bounds[1]]
    name = known[raw] if raw in known else known.setdefault(raw, template_name(raw, site))
    if name not in names:
        return None
    users: list[str] = []
    for a, b in zip(bounds[1:-1], bounds[2:]):
        key, value = _param(text[a + 1:b])
        if key is not None and not key.isdigit():
            continue
        user = " ".join(_COMMENT.sub("", value).split())
        if _valid_user(user) and "{{" not in user:
            users.append(normalize_user_name(user))
    if not users:
        return None
    return PingCall(name, tuple(dict.fromkeys(users)), start, end, _short(text[start:end]))


def _param(raw: str) -> tuple[str | None, str]:
    """(key, value) of a template parameter; key None for a positional one."""
    eq = raw.find("=")
    if eq < 0 or "{{" in raw[:eq] or "[[" in raw[:eq]:
        return None, raw
    return raw[:eq].strip(), raw[eq + 1:]


def iter_spans(*groups: list) -> Iterator[tuple[int, int]]:
    """(start, end) of every UserLink / PingCall / (start, end) pair given, in no order."""
    for group in groups:
        for item in group:
            yield (item[0], item[1]) if isinstance(item, tuple) else (item.start, item.end)
