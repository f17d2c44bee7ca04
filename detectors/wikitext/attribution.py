"""Word attribution: which revision introduced each word of a text, by walking its history.

Texts are compared line by line first (`diff_lines` cuts the common prefix and suffix), then
token by token inside the changed lines only, so one step costs about the size of the change.
A token is a word, a sentence end (`.`, `!`, `?`) or whatever the caller's tokenizer yields
(changes.py adds maintenance templates); whitespace and wiki formatting are not tokens, so
changing only them changes nothing. A revision whose text equals an earlier one in the walk
(a revert) gets that revision's attribution back instead of claiming the restored words.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from detectors.wikitext.diff import diff_lines

UNKNOWN = -1  # origin of a token introduced before the walked window, or across a hidden text
SENTENCE_ENDS = frozenset(".!?")
_TOKEN = re.compile(r"\w+|[.!?]")
_MAX_HUNK_PRODUCT = 4_000_000  # token pairs; beyond this, tokens are matched by value only

Tokenizer = Callable[[str], list[str]]
Line = tuple[tuple[str, int], ...]  # one line's tokens, each with the index of its origin


def words(line: str) -> list[str]:
    return _TOKEN.findall(line)


@dataclass(frozen=True, slots=True)
class Step:
    """One text of the walk, oldest first. `text` None: hidden or not fetched (a gap)."""

    origin: int
    text: str | None


def attribute(steps: Sequence[Step], tokenize: Tokenizer = words,
              first_is_creation: bool = False) -> list[Line]:
    """The lines of the last known text, each token tagged with the origin that introduced it.

    Tokens of the first text are UNKNOWN unless it created the page; tokens that first
    appear right after a gap are UNKNOWN too (the hidden revision may have added them).
    """
    lines: list[Line] = []
    text: str | None = None
    seen: dict[str, list[Line]] = {}
    gap = False
    for index, step in enumerate(steps):
        if step.text is None:
            gap = True
            continue
        if text is None:
            origin = step.origin if first_is_creation and index == 0 else UNKNOWN
            lines = [tuple((t, origin) for t in tokenize(ln)) for ln in _split(step.text)]
        elif step.text in seen:
            lines = seen[step.text]
        else:
            lines = carry(text, lines, step.text, UNKNOWN if gap else step.origin, tokenize)
        text, gap = step.text, False
        seen[text] = lines
    return lines


def _split(text: str) -> list[str]:
    return text.split("\n") if text else []


def carry(old: str, old_lines: list[Line], new: str, origin: int,
          tokenize: Tokenizer = words) -> list[Line]:
    """`old_lines` (the attribution of `old`) moved onto `new`; new tokens get `origin`."""
    d = diff_lines(old, new)
    out: list[Line] = []
    at = 0
    for h in d.hunks:
        out.extend(old_lines[at:h.old_start])
        flat = [tok for ln in old_lines[h.old_start:h.old_end] for tok in ln]
        new_toks = [tokenize(ln) for ln in d.new_lines[h.new_start:h.new_end]]
        origins = _match(flat, [t for ln in new_toks for t in ln], origin)
        k = 0
        for toks in new_toks:
            out.append(tuple(zip(toks, origins[k:k + len(toks)])))
            k += len(toks)
        at = h.old_end
    out.extend(old_lines[at:])
    return out


def _match(old: list[tuple[str, int]], new: list[str], origin: int) -> list[int]:
    """For each new token, the origin of the old token it matches, else `origin`."""
    result = [origin] * len(new)
    if len(old) * len(new) > _MAX_HUNK_PRODUCT:
        pool: dict[str, list[int]] = {}
        for tok, o in reversed(old):
            pool.setdefault(tok, []).append(o)
        for j, tok in enumerate(new):
            if pool.get(tok):
                result[j] = pool[tok].pop()
        return result
    matcher = difflib.SequenceMatcher(None, [t for t, _ in old], new, autojunk=False)
    for i, j, n in matcher.get_matching_blocks():
        for k in range(n):
            result[j + k] = old[i + k][1]
    return result


@dataclass(frozen=True, slots=True)
class Comparison:
    """What an edit did to attributed text.

    `removed`: old tokens deleted or replaced, with their origins. `inserted`: new tokens.
    `interrupted`: for text inserted inside a sentence whose words on both sides share one
    origin, that left-hand old token (the insertion rewrites that sentence).
    """

    removed: tuple[tuple[str, int], ...]
    inserted: tuple[str, ...]
    interrupted: tuple[tuple[str, int], ...]


def compare(old: str, old_lines: list[Line], new: str, tokenize: Tokenizer = words,
            counts: Callable[[str], bool] = lambda t: t not in SENTENCE_ENDS) -> Comparison:
    """Compare `old` (attributed as `old_lines`) with `new`, token by token inside hunks.

    `counts(token)` says whether an inserted token can rewrite a sentence (not a tag, say).
    """
    d = diff_lines(old, new)
    removed: list[tuple[str, int]] = []
    inserted: list[str] = []
    interrupted: list[tuple[str, int]] = []
    for h in d.hunks:
        flat = [(t, o, n) for n in range(h.old_start, h.old_end) for t, o in old_lines[n]]
        new_toks = [t for ln in d.new_lines[h.new_start:h.new_end] for t in tokenize(ln)]
        if len(flat) * len(new_toks) > _MAX_HUNK_PRODUCT:
            _coarse(flat, new_toks, removed, inserted)
            continue
        matcher = difflib.SequenceMatcher(None, [t for t, _, _ in flat], new_toks, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("delete", "replace"):
                removed.extend((t, o) for t, o, _ in flat[i1:i2])
            if tag in ("insert", "replace"):
                inserted.extend(new_toks[j1:j2])
            if tag == "insert" and any(counts(t) for t in new_toks[j1:j2]):
                hit = _inside(flat, i1)
                if hit is not None:
                    interrupted.append(hit)
    return Comparison(tuple(removed), tuple(inserted), tuple(interrupted))


def _inside(flat: list[tuple[str, int, int]], i: int) -> tuple[str, int] | None:
    if i <= 0 or i >= len(flat):
        return None
    (lt, lo, ln), (_, ro, rn) = flat[i - 1], flat[i]
    if ln == rn and lo == ro and lo != UNKNOWN and lt not in SENTENCE_ENDS:
        return lt, lo
    return None


def _coarse(flat: list[tuple[str, int, int]], new_toks: list[str],
            removed: list[tuple[str, int]], inserted: list[str]) -> None:
    """A huge hunk: compare token counts only (bounded cost, no insertion positions)."""
    pool: dict[str, int] = {}
    for tok in new_toks:
        pool[tok] = pool.get(tok, 0) + 1
    for tok, o, _ in flat:
        if pool.get(tok, 0) > 0:
            pool[tok] -= 1
        else:
            removed.append((tok, o))
    old_pool: dict[str, int] = {}
    for tok, _, _ in flat:
        old_pool[tok] = old_pool.get(tok, 0) + 1
    for tok in new_toks:
        if old_pool.get(tok, 0) > 0:
            old_pool[tok] -= 1
        else:
            inserted.append(tok)
