"""The community report page as text: sections, diff links, receipts. Pure: no I/O, no clock.

A report is a level-1 or level-2 section of the report page; everything above the first
heading (the page's instructions) is never touched. Diffs are read from `{{IBAN report}}`
(`diff`, `diff2`, `diff3`...), `[[Special:Diff/N]]`, `Special:Diff/M/N`, `[[Special:PermanentLink/N]]`
and `index.php?diff=N&oldid=M` / `?oldid=N` URLs. Once processed, a section is replaced by one
receipt line starting with an HTML comment marker, so later passes recognise receipts and never
take them for report text.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import mwparserfromhell
from mwparserfromhell.nodes import ExternalLink, Heading, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

from detectors.model import Revision

TEMPLATE = "iban report"
RECEIPT = re.compile(r"^<!--\s*ibanbot:(R-[0-9a-f]+)\s*-->.*$\n?", re.MULTILINE)
_REF = re.compile(r"R-[0-9a-f]+")


@dataclass(frozen=True)
class Diffs:
    """What a report's text links to: revision ids, and links the bot cannot use."""

    revids: tuple[int, ...] = ()
    foreign: tuple[str, ...] = ()  # links to another wiki
    unclear: tuple[str, ...] = ()  # links that name no single revision (diff=next, cur)


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

    def result(self) -> Diffs:
        return Diffs(tuple(dict.fromkeys(self.revids)), tuple(dict.fromkeys(self.foreign)),
                     tuple(dict.fromkeys(self.unclear)))

    def title(self, title: str, raw: str) -> bool:
        for aliases in (self.diff_aliases, self.perma_aliases):
            arg = _special(title, aliases)
            if arg is not None:
                revid = _revid_from_arg(arg)
                (self.revids.append(revid) if revid else self.unclear.append(raw))
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
            self.foreign.append(url)
            return True
        if path_title or ("title" in query and "diff" not in query and "oldid" not in query):
            return self.title(path_title or query["title"], url)
        return self._query(query, url)

    def _is_special(self, title: str) -> bool:
        return any(_special(title, a) is not None for a in (self.diff_aliases, self.perma_aliases))

    def _query(self, query: dict[str, str], url: str) -> bool:
        diff, oldid = query.get("diff", ""), query.get("oldid", "")
        if diff.isdigit():
            self.revids.append(int(diff))
        elif oldid.isdigit() and diff in ("", "prev"):
            self.revids.append(int(oldid))
        else:
            self.unclear.append(url)
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
            self.revids.append(int(raw))
        elif raw:
            before = len(self.revids) + len(self.foreign) + len(self.unclear)
            self.walk(value)
            if before == len(self.revids) + len(self.foreign) + len(self.unclear):
                self.unclear.append(raw)

    def _plain(self, text: str) -> None:
        names = "|".join(re.escape(a) for a in self.diff_aliases + self.perma_aliases)
        for match in re.finditer(rf"(?i)\bspecial:(?:{names})/[0-9a-z/]+", text):
            self.title(match[0], match[0])


def _template_name(node: Template) -> str:
    return " ".join(str(node.name).replace("_", " ").split()).casefold()


def extract_diffs(text: str, host: str, diff_aliases: Sequence[str] = ("Diff",),
                  permalink_aliases: Sequence[str] = ("PermanentLink",)) -> Diffs:
    """Every revision a report links to, in order, once; `host` is this wiki's host name."""
    collector = _Collector(host, diff_aliases, permalink_aliases)
    collector.text(strip_receipts(text))
    return collector.result()


def read_reports(text: str, host: str, diff_aliases: Sequence[str], max_chars: int
                 ) -> list[tuple[Section, Diffs]]:
    """The page's sections, each with the diffs it links to. A section over `max_chars` is
    not parsed at all (it is rejected for its size), so parsing costs at most the page once
    plus `max_chars` per section."""
    return [(section, Diffs() if len(section.text) > max_chars
             else extract_diffs(section.text, host, diff_aliases))
            for section in split_sections(text)]


def template_comment(text: str) -> str:
    """The `comment` parameters of the report's `{{IBAN report}}` templates, joined."""
    code = mwparserfromhell.parse(text)
    return "\n".join(str(t.get("comment").value).strip() for t in code.filter_templates()
                     if _template_name(t) == TEMPLATE and t.has("comment"))


# ----------------------------------------------------------------------------- sections

def strip_receipts(text: str) -> str:
    return RECEIPT.sub("", text)


def receipts_in(text: str) -> list[str]:
    return [m[0].rstrip("\n") for m in RECEIPT.finditer(text)]


def split_sections(text: str) -> list[Section]:
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
        body = strip_receipts(text[start:end]).strip()
        sections.append(Section(start, end, heading, seen[heading], body))
    return sections


_HEADING = re.compile(r"^(={1,6})(.+?)(={1,6})[ \t]*$", re.MULTILINE)
_HIDDEN = re.compile(r"<!--.*?(?:-->|\Z)|<(nowiki|pre|source|syntaxhighlight)\b[^>]*>.*?</\1\s*>",
                     re.DOTALL | re.IGNORECASE)


def heading_counts(text: str) -> dict[str, int]:
    """How many level-1 and level-2 sections each heading has (a fast scan for old revisions:
    the same headings as split_sections on ordinary pages; comments and nowiki skipped)."""
    counts: dict[str, int] = {}
    for match in _HEADING.finditer(_HIDDEN.sub("", text)):
        level = min(len(match[1]), len(match[3]))
        title = match[1][level:] + match[2] + match[3][level:]
        if level <= 2 and title.strip():
            key = " ".join(title.split())
            counts[key] = counts.get(key, 0) + 1
    return counts


def attribute(sections: Sequence[Section], history: Sequence[Revision]
              ) -> dict[tuple[str, int], Revision]:
    """Each section -> the revision that added it, from the page history (newest first).

    The k-th section headed H was added by the oldest revision of the unbroken run, back
    from the newest, in which the page has at least k sections headed H. A section older than
    the history given (and not on the page's first revision) is left out.
    """
    counts = [heading_counts(r.text or "") for r in history]
    found: dict[tuple[str, int], Revision] = {}
    for section in sections:
        heading, k = section.key
        adder = None
        for rev, count in zip(history, counts):
            if count.get(heading, 0) < k:
                break
            adder = rev
        else:
            if not history or history[-1].parentid:
                adder = None  # the history stopped before the section appeared
        if adder is not None:
            found[section.key] = adder
    return found


def fingerprint(wiki: str, page: str, revid: int, section: Section) -> str:
    raw = f"{wiki}\n{page}\n{revid}\n{section.heading}\n{section.occurrence}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


# ----------------------------------------------------------------------------- receipts

QUOTE_CHARS = 200  # of a reporter's link echoed in a receipt or a problem


def quoted(text: str, limit: int = QUOTE_CHARS) -> str:
    """A reporter's text as it may be echoed: one line, whitespace collapsed, clipped."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def receipt_line(reference: str, day: str, problems: Sequence[str], accepted: bool) -> str:
    """One neutral line: the same whether a ban exists, is confidential, or not.

    Problems may echo a reporter's links: they are put on one line (a line break would let a
    heading or list into the bot's edit, and end the receipt's marker line) and escaped.
    """
    if not _REF.fullmatch(reference):
        raise ValueError(f"not a report reference: {reference!r}")
    problems = [" ".join(p.split()) for p in problems]
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


def _nowiki(text: str) -> str:
    """No tags, links, templates, signatures, bold or italics, nor __MAGIC_WORDS__."""
    return text.replace("<", "&lt;").replace("[", "&#91;").replace("{", "&#123;") \
        .replace("~", "&#126;").replace("'", "&#39;").replace("_", "&#95;")


@dataclass(frozen=True)
class Replacement:
    section: Section
    line: str


def rewrite(text: str, replacements: Sequence[Replacement]) -> str:
    """The page with each replaced section turned into its receipt line.

    Receipts of earlier sections that ended up inside a replaced range are kept; nothing else
    outside the replaced sections changes.
    """
    out: list[str] = []
    pos = 0
    for rep in sorted(replacements, key=lambda r: r.section.start):
        start, end = rep.section.start, rep.section.end
        out.append(text[pos:start])
        kept = receipts_in(text[start:end])
        tail = "\n\n" if end < len(text) else "\n"
        out.append("\n".join([rep.line, *kept]) + tail)
        pos = end
    out.append(text[pos:])
    return "".join(out)
