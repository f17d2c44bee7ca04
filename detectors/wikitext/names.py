"""Where a user's name in wikitext is not about the user: other people's names, titles, quotes.

A short account name is often also a first name or a word of a title ("Grace" in "Grace
Hopper", "Amazing Grace", ''Nick and Norah''). These helpers tell the `mention` detector where
a whole-word match of a name says nothing about the account:

- `not_about_users(text, site)`: spans of references (`<ref>`, citation templates such as
  `{{cite web}}`, `{{sfn}}`), quotations (`<blockquote>`, `<q>`, `{{quote}}`, `{{tq}}`, text in
  straight or curly double quotes on one line), italic titles (`''...''`) and links to pages
  that are not about users (`[[Grace Hopper]]`, `[[Amazing Grace (film)|the film]]`);
- `in_longer_name(text, start, end)`: the match is part of a longer proper name: a capitalized
  word follows it ("Nick Cave"), or one precedes it that does not start a sentence and is not a
  greeting ("Amazing Grace", but not "Thanks Grace" or a line starting "Grace");
- `html_comment_spans(text)` and `near_edit_talk(text, start, end)`: in articles, editors talk
  to each other in hidden comments and in sentences about edits; there a plain name may mean
  an editor.

The tables are data (module constants). Regexes only, bounded per span; nothing raises.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from detectors.model import SiteInfo
from detectors.wikitext.links import template_name, template_spans

# templates whose text is a citation or a quotation of someone else's words
REFERENCE_TEMPLATES = frozenset({
    "citation", "sfn", "sfnp", "sfnm", "harv", "harvnb", "harvp", "harvtxt", "efn", "refn",
    "r", "rp", "ref", "note", "snd"})  # and every "cite ..." template
QUOTE_TEMPLATES = frozenset({
    "quote", "blockquote", "cquote", "quote box", "quotation", "rquote", "tq", "tq2", "tqb",
    "talk quote", "talkquote", "talk quote inline", "talk quote block", "xt", "poem quote"})
# a capitalized word before a name that does not make it a longer name
ADDRESS_WORDS = frozenset("""
hi hello hey dear thanks thank thankyou ty cheers sorry ok okay yes no well so and but or per
ping pinging re cc attn attention welcome congratulations congrats bye goodbye oh ah please
agree agreed support oppose comment note question reply ask asking sure also because
""".split())
# a capitalized word after a name that does not make it a longer name
FOLLOWING_WORDS = frozenset("""
i i'm i've i'd i'll im ive the a an and but or so if as this that these those it it's its
you you're we they he she what why how when where who is are was were has have had do does did
can could will would should please thanks thank ok okay yes no not also see per
""".split())
# words of edit talk: near one, a name in an article may well mean an editor
EDIT_TALK_WORDS = frozenset("""
edit edits edited editing editor editors revert reverts reverted reverting undo undid undone
rollback talk discuss discussion consensus sock sockpuppet vandal vandalism vandalized blocked
ban banned warring war warned noticeboard
""".split())
NEAR_CHARS = 80  # how far around a name `near_edit_talk` looks
MAX_QUOTE_CHARS = 400  # a double-quoted stretch longer than this (on one line) is not a quote

# opening and closing tags, paired in one pass (a regex `<ref>.*?</ref>` would rescan the rest
# of the text for every unclosed `<ref>`: quadratic on hostile input)
_TAGS = re.compile(r"<(/?)(ref|blockquote|q|poem)\b[^>]{0,500}?(/?)>", re.IGNORECASE)
_DOUBLE_QUOTED = re.compile(r'(?<![\w=])"[^"\n]{1,%d}"(?!\w)|“[^”\n]{1,%d}”|„[^“”\n]{1,%d}[“”]'
                            r'|«[^»\n]{1,%d}»' % ((MAX_QUOTE_CHARS,) * 4))
_ITALIC = re.compile(r"(?<!')''(?!')(?:[^'\n]|'(?!')){1,%d}?(?<!')''(?!')" % MAX_QUOTE_CHARS)
_LINK = re.compile(r"\[\[([^\[\]{}|\n<>]{1,512})(?:\|[^\[\]\n]{0,500})?\]\]")
# a call of a reference or quotation template may be in the text (`_quoting_templates` then
# parses the template calls; most texts have none)
_QUOTING_HINT = re.compile(r"\{\{\s*(?:[^{}|:\n]{0,20}:\s*)?(?:cite|citation|sfn|harv|efn|"
                           r"refn|r\b|rp\b|ref\b|note\b|snd\b|quot|blockquote|cquote|rquote|"
                           r"tq|talk[ _]?quote|xt\b|poem)", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_WORD_AFTER = re.compile(r"(?:[ \u00a0]|&nbsp;)([^\W\d_][\w'’]*)")
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’]*)(?:[ \u00a0]|&nbsp;)$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n[:*#\s]*|^[:*#\s]*|@\s*|[(\[{|>\"“]\s*)$")
_WORD = re.compile(r"[^\W\d_]+")


def not_about_users(text: str, site: SiteInfo, words: Iterable[str] = ()
                    ) -> list[tuple[int, int]]:
    """Spans of `text` where a name is a reference, quotation, title or article link.

    `words` (case-folded), when given: only links holding one of them are looked at (the
    others cannot hide a name; this keeps 70,000 links cheap)."""
    spans = _tag_spans(text) if "<" in text else []
    spans += [m.span() for m in _DOUBLE_QUOTED.finditer(text)]
    spans += [m.span() for m in _ITALIC.finditer(text)]
    spans += _article_links(text, site, tuple(words))
    if _QUOTING_HINT.search(text):
        spans += _quoting_templates(text, site)
    return spans


def _tag_spans(text: str) -> list[tuple[int, int]]:
    """`<ref>...</ref>`, `<ref ... />`, `<blockquote>`, `<q>`, `<poem>`: from an opening tag
    to the next closing tag of its name (nesting is not needed to blank the text out)."""
    out: list[tuple[int, int]] = []
    open_at: dict[str, int] = {}
    for m in _TAGS.finditer(text):
        closing, name, empty = m.group(1), m.group(2).casefold(), m.group(3)
        if empty and not closing:
            out.append(m.span())
        elif not closing:
            open_at.setdefault(name, m.start())
        elif name in open_at:
            out.append((open_at.pop(name), m.end()))
    return out


def _article_links(text: str, site: SiteInfo, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Links to pages about topics (main namespace, files, categories): not to users."""
    out = []
    for m in _LINK.finditer(text):
        if words and not any(w in m.group().casefold() for w in words):
            continue
        target = m.group(1).strip()
        if target.startswith(":"):
            target = target[1:]
        ns, _ = site.split_title(target.partition("#")[0] or "x")
        if ns in (0, 6, 14) and not _interwiki(target):
            out.append(m.span())
    return out


def _interwiki(target: str) -> bool:
    """`w:User:Bob`, `en:User:Bob`: a prefix that is not a namespace, followed by more."""
    prefix, sep, rest = target.partition(":")
    return bool(sep) and ":" in rest and len(prefix) <= 12


def _quoting_templates(text: str, site: SiteInfo) -> list[tuple[int, int]]:
    if "{{" not in text:
        return []
    out = []
    for start, end, pipes in template_spans(text) or ():
        head = text[start + 2:pipes[0] if pipes else end - 2]
        name = template_name(head, site).casefold()
        if name in REFERENCE_TEMPLATES or name in QUOTE_TEMPLATES or name.startswith("cite "):
            out.append((start, end))
    return out


@lru_cache(maxsize=8)  # asked once per name found in the same text; a str keeps its hash
def html_comment_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in _COMMENT.finditer(text)) if "<!--" in text else ()


def in_longer_name(text: str, start: int, end: int) -> bool:
    """Is text[start:end] (a name) part of a longer proper name, by the capitalized words next
    to it? ("Nick Cave", "Amazing Grace"; not "Thanks Nick", "Nick I agree", "Nick. Then")."""
    after = _WORD_AFTER.match(text, end)
    if after and _capitalized(after.group(1)) and after.group(1).casefold() not in FOLLOWING_WORDS:
        return True
    lead = text[max(0, start - 60):start]
    before = _WORD_BEFORE.search(lead)
    if not before or not _capitalized(before.group(1)):
        return False
    if before.group(1).casefold() in ADDRESS_WORDS:
        return False
    return not _SENTENCE_START.search(lead[:before.start()])


def _capitalized(word: str) -> bool:
    """A word of a proper name: "Cave", "McCain", an initial "M"; not "RFC" or "AN"."""
    return word[:1].isupper() and (len(word) == 1 or any(c.islower() for c in word[1:]))


def near_edit_talk(text: str, start: int, end: int) -> bool:
    """Is a word about editing (edit, revert, talk, consensus...) within `NEAR_CHARS`?"""
    around = text[max(0, start - NEAR_CHARS):end + NEAR_CHARS].casefold()
    return any(w in EDIT_TALK_WORDS for w in _WORD.findall(around))
