"""What each confidence value a detector gives means, and how it is computed: one table for the
README, the web help page (/help/confidence) and `ibanbot stats`' bands.

`LEGEND` lists, per finding kind, every value (or range of values) the detectors in
`detectors/` can emit; tests/unit/review/test_legend.py checks that each literal and constant there
is
listed. A detector that gains a value must add its row here.
"""
from __future__ import annotations

from dataclasses import dataclass

from detectors import changes, logactions, mentions, replies, reverts


@dataclass(frozen=True)
class Value:
    low: float  # the value, or the lowest of a range
    high: float  # the same, or the highest of the range
    meaning: str  # what the detector saw
    computed: str  # how the number comes about

    def covers(self, value: float) -> bool:
        return self.low - 1e-9 <= value <= self.high + 1e-9

    @property
    def shown(self) -> str:
        return f"{self.low:.2f}" if self.low == self.high else f"{self.low:.2f}-{self.high:.2f}"


def _v(value: float, meaning: str, computed: str) -> Value:
    return Value(round(value, 3), round(value, 3), meaning, computed)


_PEN = mentions.CASE_PENALTY
_LOOK = changes.APPEARANCE_CONFIDENCE  # by the form of the change: "struck", "hatted", ...
_CI = f"the name matches only ignoring case (minus {_PEN})"
LEGEND: dict[str, tuple[Value, ...]] = {
    "userspace": (
        _v(1.0, "an edit to, creation or move of a page in the protected user's user or user "
                "talk space (subpages too)", "fixed: the title decides, under any namespace "
                "alias and every name the account has had"),
    ),
    "thanks": (
        _v(1.0, "thanks sent to the protected user", "fixed: the thanks log names them"),
    ),
    "reply": (
        _v(replies.CONFIDENT, "a comment added one indentation level below a comment the "
                              "protected user signed", "fixed (DiscussionTools' rule)"),
        _v(replies.AMBIGUOUS, "the same, but the parent was found only through {{outdent}}, a "
                              "skipped indentation level or a signature earlier on the line",
           "fixed"),
        _v(replies.SIGNED_BY_OTHER, "the new comment carries someone else's signature",
           "at most this (the lowest reason applies)"),
        _v(replies.OLD_OWN, "the actor's own comment, dated more than a day before the edit "
                            "(copied or archived?)", "at most this (the lowest reason applies)"),
        _v(replies.UNDATED, "a comment without a timestamp (~~~, a bare name, {{unsigned}}) one "
                            "level below a clear, dated comment of the protected user", "fixed"),
        _v(replies.UNDATED_AMBIGUOUS, "the same, but the parent was found through {{outdent}} or "
                                      "a skipped level, or is itself undated", "fixed"),
    ),
    "mention": (
        _v(mentions.CONF_LINK, "a link to their user page, talk page or contributions in "
                               "added text", "fixed"),
        _v(mentions.CONF_PING, "a ping-style template naming them in added text", "fixed"),
        _v(mentions.CONF_SUMMARY_LINK, "a link or ping template in the edit summary or log "
                                       "comment (summaries notify no one)", "fixed"),
        _v(mentions.CONF_SUMMARY, "their name (or alias) as a whole word in the edit summary "
                                  "or log comment", "exact case"),
        _v(mentions.CONF_SUMMARY - _PEN, "the same", _CI),
        _v(mentions.CONF_TEXT, "their name (or alias) as a whole word in added text",
           "exact case"),
        _v(mentions.CONF_TEXT - _PEN, "the same", _CI),
        _v(mentions.CONF_WEAK, "a name of 3 characters or less, or a common English word, "
                               "in text or a summary: it may not mean the user", "exact case"),
        _v(mentions.CONF_WEAK - _PEN, "the same", _CI),
        _v(mentions.CONF_ARTICLE, "their name in article-like text (any namespace but User and "
                                  "Project), with no word about editing near it", "exact case"),
        _v(mentions.CONF_ARTICLE - _PEN, "the same", _CI),
    ),
    "revert": (
        _v(reverts._CONFIDENCE[reverts.ROLLBACK], "rollback, undo or manual revert of their "
                                                  "edit(s)", "fixed: the revert tag, checked "
                                                             "against the page history"),
        _v(reverts._CONFIDENCE[reverts.IDENTITY], "an identity revert: the edit restores an "
                                                  "earlier revision exactly (sha1, within 15 "
                                                  "revisions)", "fixed (the mwreverts rule)"),
        _v(reverts._UNVERIFIED_CONFIDENCE, "only the edit summary (\"Undid revision N\") says "
                                           "so: its author can write anything there",
           "fixed (unverified)"),
    ),
    "edit-change": (
        Value(0.4, 0.9, "they removed, changed or inserted words into text the protected user "
                        "wrote", "0.4 + 0.5 x (their words touched / their words on the page), "
                                 "at most 0.9"),
        _v(changes.TAG_CONFIDENCE, "a maintenance tag they added was removed or moved "
                                   "(contested)", "fixed"),
        _v(_LOOK["struck"], "their signed comment struck through, words unchanged",
           "fixed; several changes to their comments: the highest"),
        _v(_LOOK["hatted"], "their comment hatted (collapsed) or moved elsewhere on the page",
           "fixed; several: the highest"),
        _v(_LOOK["small"], "their comment made small, put in a quote, re-indented or removed",
           "fixed; several: the highest"),
        _v(_LOOK["moved-in"], "their comment moved or copied in from another page (or a copied "
                              "signature)", "fixed (low: the copy may be legitimate)"),
    ),
    "log-action": (
        _v(1.0, "a block, unblock, rights change or rename of the protected user, or a logged "
                "action on a page in their user space", "fixed"),
        _v(0.9, "their revisions or log entries hidden or suppressed (revision deletion)",
           "fixed"),
        _v(logactions._CREATOR_CONFIDENCE, "a deletion, move or protection of a page they "
                                           "created", "fixed: the log's page creator"),
    ),
}

# `ibanbot stats` and /stats count decisions per band of the highest confidence
BANDS: tuple[tuple[str, float, float], ...] = (
    ("0.00-0.49", 0.0, 0.5), ("0.50-0.69", 0.5, 0.7), ("0.70-0.89", 0.7, 0.9),
    ("0.90-1.00", 0.9, 1.000001),
)


def band(value: float) -> str:
    return next((name for name, low, high in BANDS if low <= value < high), BANDS[-1][0])


def explain(kind: str, value: float) -> Value | None:
    """The row of the legend that a kind's value falls in (None: not in the legend)."""
    return next((v for v in LEGEND.get(kind, ()) if v.covers(value)), None)
