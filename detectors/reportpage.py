"""The community report page as text: sections, diff links, receipts. Pure: no I/O, no clock.

A report is a level-1 or level-2 section of the report page; everything above the first
heading (the page's instructions) is never touched. Diffs are read from `{{IBAN report}}`
(`diff`, `diff2`, `diff3`...), `[[Special:Diff/N]]`, `Special:Diff/M/N`,
`[[Special:PermanentLink/N]]` and `index.php?diff=N&oldid=M` / `?oldid=N` URLs. Once
processed, a section is replaced by one receipt line starting with an HTML comment marker,
so later passes recognise receipts and never take them for report text.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from difflib import SequenceMatcher
from urllib.parse import parse_qs, unquote, urlsplit

import mwparserfromhell
from mwparserfromhell.nodes import ExternalLink, Heading, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

from detectors.model import Revision, normalize_user_name

TEMPLATE = "iban report"
RECEIPT = re.compile(r"^<!--\s*ibanbot:(R-[0-9a-f]+)\s*-->.*$\n?", re.MULTILINE)
_REF = re.compile(r"R-[0-9a-f]+")


@dataclass(frozen=True)
class Diffs:
    """What a report's text links to: revision ids, and links the bot cannot use."""

    revids: tuple[int, ...] = ()
    foreign: tuple[str, ...] = ()  # links to another wiki
    unclear: tuple[str, ...] = ()  # links that name no single revision (diff=next, cur)
    order: tuple[str, ...] = ()  # every diff link as written, in the order of the text
    template: bool = False  # the text holds {{IBAN report}}

    @property
    def any(self) -> bool:
        """The text is a report: it holds the report template or a diff link."""
        return self.template or bool(self.revids or self.foreign or self.unclear)

    def position(self, link: str) -> int:
        """The 1-based place of `link` among the text's diff links (receipts name unusable
        links by their place, never by what the reporter wrote)."""
        return self.order.index(link) + 1 if link in self.order else 0


@dataclass(frozen=True)
class Section:
    start: int
    end: int
    heading: str
    occurrence: int  # 1 for the first section with this heading, 2 for the second ...
    text: str  # heading and body, receipts of other sections left out

    @property
    def key(self) -> tuple[str, int]:
        return (self.heading, self.occurrence)


# ----------------------------------------------------------------------------- diff links

def _special(title: str, aliases: Iterable[str]) -> str | None:
    """`Special:Diff/12` (any alias, `_` or ` `, leading `:`) -> `12`; else None."""
    title = unquote(title).replace("_", " ").strip().lstrip(":")
    prefix, sep, rest = title.partition(":")
    if not sep or prefix.strip().casefold() not in ("special", "spécial"):
        return None
    name, slash, arg = rest.partition("/")
    if not slash or name.strip().casefold() not in {a.casefold() for a in aliases}:
        return None
    return arg.strip()


def _revid_from_arg(arg: str) -> int | None:
    """`12` -> 12; `3/8` -> 8 (the newer side); `8/prev` -> 8; anything else -> None."""
    parts = [p.strip() for p in arg.split("/") if p.strip()]
    numbers = [int(p) for p in parts if p.isdigit()]
    if not numbers or any(not p.isdigit() and p not in ("prev", "cur", "next") for p in parts):
        return None
    if "next" in parts or "cur" in parts:
        return None
    return max(numbers)


class _Collector:
    def __init__(self, host: str, diff_aliases: Sequence[str], permalink_aliases: Sequence[str]):
        self.host = host.casefold()
        self.diff_aliases = tuple(diff_aliases) + ("Diff",)
        self.perma_aliases = tuple(permalink_aliases) + ("PermanentLink", "Permalink")
        self.revids: list[int] = []
        self.foreign: list[str] = []
        self.unclear: list[str] = []
        self.order: list[str] = []
        self.template = False

    def result(self) -> Diffs:
        return Diffs(tuple(dict.fromkeys(self.revids)), tuple(dict.fromkeys(self.foreign)),
                     tuple(dict.fromkeys(self.unclear)), tuple(dict.fromkeys(self.order)),
                     self.template)

    def _found(self, raw: str, revid: int | None = None, foreign: bool = False) -> None:
        self.order.append(raw)
        if foreign:
            self.foreign.append(raw)
        elif revid:
            self.revids.append(revid)
        else:
            self.unclear.append(raw)

    def title(self, title: str, raw: str) -> bool:
        for aliases in (self.diff_aliases, self.perma_aliases):
            arg = _special(title, aliases)
            if arg is not None:
                self._found(raw, _revid_from_arg(arg))
                return True
        return False

    def url(self, url: str) -> bool:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https", ""):
            return False
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path_title = unquote(parts.path.rsplit("/wiki/", 1)[1]) if "/wiki/" in parts.path else ""
        is_diff = "diff" in query or "oldid" in query or self._is_special(path_title or
                                                                           query.get("title", ""))
        if not is_diff:
            return False
        if parts.netloc and parts.netloc.casefold() != self.host:
            self._found(url, foreign=True)
            return True
        if path_title or ("title" in query and "diff" not in query and "oldid" not in query):
            return self.title(path_title or query["title"], url)
        return self._query(query, url)

    def _is_special(self, title: str) -> bool:
        return any(_special(title, a) is not None for a in (self.diff_aliases, self.perma_aliases))

    def _query(self, query: dict[str, str], url: str) -> bool:
        diff, oldid = query.get("diff", ""), query.get("oldid", "")
        if diff.isdigit():
            self._found(url, int(diff))
        elif oldid.isdigit() and diff in ("", "prev"):
            self._found(url, int(oldid))
        else:
            self._found(url)
        return True

    def text(self, text: str) -> None:
        self.walk(mwparserfromhell.parse(text))

    def walk(self, code: Wikicode) -> None:
        """One pass over the tree: every node is visited once, however deep the nesting.

        (Re-parsing a template's values while also visiting their nodes cost 2^depth: a
        section of 26 nested `{{IBAN report|diff=` never finished.)
        """
        for node in code.nodes:
            if isinstance(node, Template) and _template_name(node) == TEMPLATE:
                self._report_template(node)
                continue
            if isinstance(node, Wikilink):
                self.title(str(node.title), str(node))
            elif isinstance(node, ExternalLink):
                self.url(str(node.url))
            elif isinstance(node, Text):
                self._plain(str(node))
            for child in node.__children__():
                self.walk(child)

    def _report_template(self, node: Template) -> None:
        self.template = True
        self.walk(node.name)
        for param in node.params:
            if re.fullmatch(r"diff\d*", str(param.name).strip()):
                self._value(param.value)
            else:
                self.walk(param.value)

    def _value(self, value: Wikicode) -> None:
        """A `diff` parameter: a bare number, a link, a URL or a Special:Diff title."""
        raw = str(value).strip()
        if raw.isdigit():
            self._found(raw, int(raw))
        elif raw:
            before = len(self.order)
            self.walk(value)
            if before == len(self.order):
                self._found(raw)

    def _plain(self, text: str) -> None:
        names = "|".join(re.escape(a) for a in self.diff_aliases + self.perma_aliases)
        for match in re.finditer(rf"(?i)\bspecial:(?:{names})/[0-9a-z/]+", text):
            self.title(match[0], match[0])


def _template_name(node: Template) -> str:
    return " ".join(str(node.name).replace("_", " ").split()).casefold()


def extract_diffs(text: str, host: str, diff_aliases: Sequence[str] = ("Diff",),
                  genuine: AbstractSet[str] | None = None,
                  permalink_aliases: Sequence[str] = ("PermanentLink",)) -> Diffs:
    """Every revision a report links to, in order, once; `host` is this wiki's host name."""
    collector = _Collector(host, diff_aliases, permalink_aliases)
    collector.text(strip_receipts(text, genuine))
    return collector.result()


def template_comment(text: str) -> str:
    """The `comment` parameters of the report's `{{IBAN report}}` templates, joined."""
    code = mwparserfromhell.parse(text)
    return "\n".join(str(t.get("comment").value).strip() for t in code.filter_templates()
                     if _template_name(t) == TEMPLATE and t.has("comment"))


# ----------------------------------------------------------------------------- sections

def strip_receipts(text: str, genuine: AbstractSet[str] | None = None) -> str:
    """The text without receipt lines: every receipt-shaped line, or (given `genuine`) only
    the lines the bot itself wrote; an imitation stays, as the reporter's text."""
    if genuine is None:
        return RECEIPT.sub("", text)
    return RECEIPT.sub(lambda m: "" if m[0].rstrip("\n") in genuine else m[0], text)


def receipts_in(text: str) -> list[str]:
    return [m[0].rstrip("\n") for m in RECEIPT.finditer(text)]


def receipt_references(text: str) -> dict[str, str]:
    """Each receipt-shaped line -> the reference its marker names."""
    return {m[0].rstrip("\n"): m[1] for m in RECEIPT.finditer(text)}


def split_sections(text: str, genuine: AbstractSet[str] | None = None) -> list[Section]:
    """The page's level-1 and level-2 sections (subsections included), lead left out."""
    starts: list[tuple[int, str]] = []
    pos = 0
    for node in mwparserfromhell.parse(text).nodes:
        if isinstance(node, Heading) and node.level <= 2:
            starts.append((pos, " ".join(str(node.title).split())))
        pos += len(str(node))
    seen: dict[str, int] = {}
    sections = []
    for n, (start, heading) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(text)
        seen[heading] = seen.get(heading, 0) + 1
        body = strip_receipts(text[start:end], genuine).strip()
        sections.append(Section(start, end, heading, seen[heading], body))
    return sections


_HEADING = re.compile(r"^(={1,6})(.+?)(={1,6})[ \t]*$", re.MULTILINE)
_HIDDEN = re.compile(r"<!--.*?(?:-->|\Z)|<(nowiki|pre|source|syntaxhighlight)\b[^>]*>.*?</\1\s*>",
                     re.DOTALL | re.IGNORECASE)


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(start, end of the heading line, heading) of each level-1 and level-2 heading, fast:
    comments and nowiki are skipped as the parser does on ordinary pages."""
    hidden = [(m.start(), m.end()) for m in _HIDDEN.finditer(text)]
    found = []
    for match in _HEADING.finditer(text):
        if any(a <= match.start() < b for a, b in hidden):
            continue
        level = min(len(match[1]), len(match[3]))
        title = match[1][level:] + match[2] + match[3][level:]
        if level <= 2 and title.strip():
            found.append((match.start(), match.end(), " ".join(title.split())))
    return found


def heading_counts(text: str) -> dict[str, int]:
    """How many level-1 and level-2 sections each heading has (a fast scan for old revisions:
    the same headings as split_sections on ordinary pages; comments and nowiki skipped)."""
    counts: dict[str, int] = {}
    for _, _, heading in _headings(text):
        counts[heading] = counts.get(heading, 0) + 1
    return counts


def outline(text: str) -> list[tuple[str, str]]:
    """(heading, body) of each level-1 and level-2 section, receipts left out: a fast scan,
    for the page's old revisions."""
    marks = _headings(text)
    return [(heading, RECEIPT.sub("", text[end:marks[n + 1][0] if n + 1 < len(marks)
                                           else len(text)]).strip())
            for n, (_, end, heading) in enumerate(marks)]


@dataclass(frozen=True)
class Origin:
    """Who added a section (None: before the history given) and who changed it since."""

    added: Revision | None
    changes: tuple[Revision, ...] = ()  # newest first


def trace(current: Sequence[tuple[str, str]], history: Sequence[Revision]) -> list[Origin]:
    """For each section of `current` (an outline of history[0]), the revision that added it
    and those that changed it, from the page history (newest first).

    Sections are followed back revision by revision: matched by heading and text, else by
    heading in order within a changed stretch; a section with no match in the older revision
    was added by the newer one. A same-named section inserted above another is therefore
    told apart from it (counting headings could not)."""
    added: list[Revision | None] = [None] * len(current)
    changes: list[list[Revision]] = [[] for _ in current]
    alive = {i: i for i in range(len(current))}
    newer = list(current)
    for k, rev in enumerate(history):
        if k + 1 == len(history):
            if not rev.parentid:  # the page's first revision added what is left
                for i in alive:
                    added[i] = rev
            break
        older = outline(history[k + 1].text or "")
        mapping = _match(newer, older)
        for i, at in list(alive.items()):
            to = mapping.get(at)
            if to is None:
                added[i] = rev
                del alive[i]
            else:
                if newer[at][1] != older[to][1]:
                    changes[i].append(rev)
                alive[i] = to
        if not alive:
            break
        newer = older
    return [Origin(a, tuple(c)) for a, c in zip(added, changes)]


def _match(newer: Sequence[tuple[str, str]], older: Sequence[tuple[str, str]]
           ) -> dict[int, int]:
    """Index in `newer` -> index in `older` of the same section (absent: added in `newer`)."""
    whole = SequenceMatcher(None, [f"{h}\0{b}" for h, b in newer],
                            [f"{h}\0{b}" for h, b in older], autojunk=False)
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in whole.get_opcodes():
        if tag == "equal":
            mapping.update(zip(range(i1, i2), range(j1, j2)))
        elif tag == "replace":
            heads = SequenceMatcher(None, [h for h, _ in newer[i1:i2]],
                                    [h for h, _ in older[j1:j2]], autojunk=False)
            for t, a1, a2, b1, b2 in heads.get_opcodes():
                if t == "equal":
                    mapping.update(zip(range(i1 + a1, i1 + a2), range(j1 + b1, j1 + b2)))
    return mapping


def attribute(sections: Sequence[Section], history: Sequence[Revision]
              ) -> dict[tuple[str, int], Revision]:
    """Each section -> the revision that added it, from the page history (newest first).
    Sections added before the history given (and not on the page's first revision) are left
    out. See `trace`, which also says who changed each section since."""
    origins = origins_of(sections, history)
    return {s.key: o.added for s, o in zip(sections, origins) if o.added is not None}


def origins_of(sections: Sequence[Section], history: Sequence[Revision]) -> list[Origin]:
    """`trace` for the parsed sections of history[0]; nobody's when the fast outline does not
    agree with the parser on the headings (an odd page: no section is attributed)."""
    if not history:
        return [Origin(None) for _ in sections]
    current = outline(history[0].text or "")
    if [h for h, _ in current] != [s.heading for s in sections]:
        return [Origin(None) for _ in sections]
    return trace(current, history)


def fingerprint(wiki: str, page: str, revid: int, section: Section, ordinal: int = 1) -> str:
    """A section's identity: the revision that added it, its heading and its place among the
    sections that revision added under that heading (stable when other sections go)."""
    raw = f"{wiki}\n{page}\n{revid}\n{section.heading}\n{ordinal}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


# ----------------------------------------------------------------------------- receipts

QUOTE_CHARS = 200  # of a reporter's text in a log or error line (never in a receipt)
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_REPORTISH = re.compile(r"(?i)iban[ _]report|special:|spécial:|[?&](?:diff|oldid)=")


def quoted(text: str, limit: int = QUOTE_CHARS) -> str:
    """A reporter's text as it may be echoed to staff: one line, whitespace collapsed, clipped."""
    text = " ".join(BIDI.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def looks_like_report(text: str) -> bool:
    """A cheap scan, for a section too long to parse: could it hold a template or diff link?"""
    return bool(_REPORTISH.search(text))


def read_reports(text: str, host: str, diff_aliases: Sequence[str], max_chars: int,
                 genuine: AbstractSet[str] | None = None) -> list[tuple[Section, Diffs]]:
    """The page's sections, each with the diffs it links to. `genuine` are the receipt lines
    the bot wrote (anything else shaped like one is the reporter's text). A section over
    `max_chars` is not parsed at all: it is rejected for its size if a scan finds report
    markup in it (`Diffs(template=True)`), else it is no report. Parsing costs at most the
    page once plus `max_chars` per section."""
    out = []
    for section in split_sections(text, genuine):
        if len(section.text) <= max_chars:
            out.append((section, extract_diffs(section.text, host, diff_aliases, genuine)))
        else:
            out.append((section, Diffs(template=looks_like_report(section.text))))
    return out


def receipt_line(reference: str, day: str, problems: Sequence[str], accepted: bool) -> str:
    """One neutral line: the same whether a ban exists, is confidential, or not.

    Problems are the bot's own words (links are named by their place, never quoted); they
    are put on one line and escaped all the same.
    """
    if not _REF.fullmatch(reference):
        raise ValueError(f"not a report reference: {reference!r}")
    problems = [" ".join(BIDI.sub("", p).split()) for p in problems]
    marker = f"<!--ibanbot:{reference}-->"
    if accepted:
        text = (f"Report {reference} received on {day}; it has been passed on for private "
                "review.")
        if problems:
            text += " Not used: " + "; ".join(problems) + "."
    else:
        text = (f"Report {reference} of {day} could not be processed: "
                + "; ".join(problems) + ". Its text has been kept; you may post a new report.")
    return f"{marker}{_nowiki(text)} ~~~~"


def is_receipt(line: str, written: str, bot_user: str) -> bool:
    """`line` on the page is the receipt `written` (its `~~~~` expanded by MediaWiki into the
    bot account's signature, which starts with a link to its user page), not an imitation."""
    head = written.removesuffix("~~~~")
    if not line.startswith(head) or "<!--" in line[len(head):]:
        return False
    first = re.match(r"\[\[[^\]|:]*:([^\]|]+)[\]|]", line[len(head):])
    return first is not None and normalize_user_name(first[1]) == normalize_user_name(bot_user)


def _nowiki(text: str) -> str:
    """No tags, links, templates, signatures, bold or italics, nor __MAGIC_WORDS__."""
    return text.replace("<", "&lt;").replace("[", "&#91;").replace("{", "&#123;") \
        .replace("~", "&#126;").replace("'", "&#39;").replace("_", "&#95;")


@dataclass(frozen=True)
class Replacement:
    section: Section
    line: str


def rewrite(text: str, replacements: Sequence[Replacement],
            genuine: AbstractSet[str] | None = None) -> str:
    """The page with each replaced section turned into its receipt line.

    Receipts of earlier sections that ended up inside a replaced range are kept (given
    `genuine`: only the bot's own); nothing else outside the replaced sections changes.
    """
    out: list[str] = []
    pos = 0
    for rep in sorted(replacements, key=lambda r: r.section.start):
        start, end = rep.section.start, rep.section.end
        out.append(text[pos:start])
        kept = [line for line in receipts_in(text[start:end]) if genuine is None or
                line in genuine]
        tail = "\n\n" if end < len(text) else "\n"
        out.append("\n".join([rep.line, *kept]) + tail)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def bounded_rewrite(text: str, replacements: Sequence[Replacement], max_bytes: int,
                    genuine: AbstractSet[str] | None = None
                    ) -> tuple[str, list[Replacement]]:
    """`rewrite` with as many of `replacements` (in order) as keep the page under
    `max_bytes`; the new text and the replacements made."""
    chosen = list(replacements)
    while chosen:
        new = rewrite(text, chosen, genuine)
        if len(new.encode("utf-8")) <= max_bytes:
            return new, chosen
        chosen = chosen[: len(chosen) // 2]
    return text, []
