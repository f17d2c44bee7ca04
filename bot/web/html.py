"""The wiki's diff HTML, made safe to show: only a well-formed diff table's rows are kept.

nh3 removes every tag and attribute outside an allow-list; its output is then parsed again and
rebuilt: rows (`tr`) at the top, cells (`td`, `th`) in rows, inline markup in cells, each
element closed where it was opened. End tags that close nothing open in the same cell (such
as `</tbody></table>`) are dropped, so the wiki's HTML cannot close the page's diff table and
put elements outside it.
"""
from __future__ import annotations

from html import escape
from html.parser import HTMLParser

import nh3

DIFF_TAGS = {"tr", "td", "th", "div", "span", "del", "ins", "br", "p"}
DIFF_ATTRIBUTES = {"td": {"class", "colspan", "data-marker"}, "th": {"class", "colspan"},
                   "div": {"class"}, "span": {"class"}, "del": {"class"}, "ins": {"class"},
                   "tr": {"class"}}
CELLS = {"td", "th"}
INLINE = DIFF_TAGS - CELLS - {"tr"}  # what a cell may hold
VOID = {"br"}


def sanitize_diff(rows: str) -> str:
    """The <tr> rows of MediaWiki's diff table, with every other tag and attribute removed.

    No links, no scripts, no styles, no event handlers survive; text stays escaped; the rows
    are well-formed whatever the input (see the module doc).
    nh3 needs the rows inside a table to keep them, so they are wrapped and unwrapped.
    """
    clean = nh3.clean(f"<table><tbody>{rows}</tbody></table>",
                      tags=DIFF_TAGS | {"table", "tbody"}, attributes=DIFF_ATTRIBUTES,
                      url_schemes=set(), link_rel=None, strip_comments=True)
    builder = _Rows()
    builder.feed(clean)
    builder.close()
    return builder.result()


class _Rows(HTMLParser):
    """Rebuilds rows > cells > inline markup; anything out of place is dropped (text kept
    only inside a cell)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []  # open elements: "tr", then a cell, then inline tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._close_to(0)
        elif tag in CELLS:
            if not self.stack:
                return  # a cell outside a row
            self._close_to(1)
        elif tag not in INLINE or len(self.stack) < 2:
            return  # table, tbody, or markup outside a cell
        allowed = DIFF_ATTRIBUTES.get(tag, set())
        rendered = "".join(f' {name}="{escape(value or "", quote=True)}"'
                           for name, value in attrs if name in allowed)
        self.out.append(f"<{tag}{rendered}>")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            depth = 0
        elif tag in CELLS:
            depth = 1
        else:  # inline: only when open inside the current cell
            depth = max((i for i, t in enumerate(self.stack) if t == tag and i >= 2),
                        default=-1)
        if 0 <= depth < len(self.stack) and self.stack[depth] == tag:
            self._close_to(depth)

    def handle_data(self, data: str) -> None:
        if len(self.stack) >= 2:  # inside a cell
            self.out.append(escape(data, quote=False))

    def _close_to(self, depth: int) -> None:
        while len(self.stack) > depth:
            self.out.append(f"</{self.stack.pop()}>")

    def result(self) -> str:
        self._close_to(0)
        return "".join(self.out)
