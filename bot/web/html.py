"""The wiki's diff HTML, made safe to show: nh3 keeps only the table markup of a diff."""
from __future__ import annotations

import nh3

DIFF_TAGS = {"tr", "td", "th", "div", "span", "del", "ins", "br", "p"}
DIFF_ATTRIBUTES = {"td": {"class", "colspan", "data-marker"}, "th": {"class", "colspan"},
                   "div": {"class"}, "span": {"class"}, "del": {"class"}, "ins": {"class"},
                   "tr": {"class"}}


def sanitize_diff(rows: str) -> str:
    """The <tr> rows of MediaWiki's diff table, with every other tag and attribute removed.

    No links, no scripts, no styles, no event handlers survive; text stays escaped.
    nh3 needs the rows inside a table to keep them, so they are wrapped and unwrapped.
    """
    clean = nh3.clean(f"<table><tbody>{rows}</tbody></table>",
                      tags=DIFF_TAGS | {"table", "tbody"}, attributes=DIFF_ATTRIBUTES,
                      url_schemes=set(), link_rel=None, strip_comments=True)
    return clean.removeprefix("<table><tbody>").removesuffix("</tbody></table>")
