"""DiscussionTools' own test cases: our new comments, authors and parents must match theirs.

Read from the shared data folder (never copied here); a missing folder fails the tests.

EventDispatcher: `revN.json` lists the events DiscussionTools emits for rev(N-1) -> revN.
It emits `dt-subscribed-new-comment` only for new comments signed by the editor, in a
thread under a level-2 heading; `dt-added-topic` names the first comment of a new topic,
whoever signed it. The editor of each case is a parameter of DiscussionTools'
EventDispatcherTest.php data provider (not in the data files), so it is repeated below.

ThreadItemStore: the JSON rows record, per page, the revision where each comment *name*
(author, timestamp) first appeared and its id (which names the parent) at that revision.
Our added comments in each revision, minus names already seen on that page, must be
exactly those, with the same parents.
"""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from detectors.wikitext.comments import AddedComment, added_comments

SHARED = Path(os.environ.get("IBANBOT_SHARED_DATA")
              or Path(__file__).resolve().parents[3].parent / "shared" / "data")
DT = SHARED / "discussiontools"

# case/revision -> the editor (EventDispatcherTest.php's provideGenerateCases)
EDITORS = {
    "simple/rev2": "Z", "simple/rev3": "Z", "simple/rev4": "Y", "simple/rev5": "X",
    "section0/rev2": "X", "section0/rev3": "Y", "sectionlevel1/rev2": "Y",
    "sectionlevel1/rev3": "Z", "sectionlevel1/rev4": "Z", "sectionlevel3/rev2": "Y",
    "notcomments/rev3": "X", "notcomments/rev4": "X",
    "emptysection/rev2": "Y", "other-events/rev2a": "Y", "other-events/rev2b": "Y",
    "other-events/rev2c": "Y",
}
DEFAULT_EDITOR = "Z"
XFAIL = {
    "ThreadItemStore/4transcluded-section@3": "the comments come from {{Talk:ThreadItemStore4/b}},"
    " a transclusion: only the parser can see them, not wikitext analysis",
}
_ID = re.compile(r"^c-(?P<author>.+?)-(?P<ts>\d{14}|\d{4}-\d\d-\d\dT[\d:.]+Z)(?:-(?P<rest>.+))?$")
_PARENT = re.compile(r"^(?P<author>.+?)-(?P<ts>\d{14}|\d{4}-\d\d-\d\dT[\d:.]+Z)(?:-\d+)?$")


def _stamp(text: str) -> str:
    if text.isdigit():
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC).isoformat()
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=UTC).isoformat()


def parse_id(comment_id: str) -> tuple[str, str, str | None, str | None]:
    """'c-Z-<ts>-X-<ts>[-1]' -> (Z, ts, X, ts); 'c-Z-<ts>-Heading' -> (Z, ts, None, None)."""
    m = _ID.match(comment_id)
    assert m, comment_id
    parent = _PARENT.match(m["rest"] or "")
    if parent is None:
        return m["author"], _stamp(m["ts"]), None, None
    return m["author"], _stamp(m["ts"]), parent["author"], _stamp(parent["ts"])


def ours(added: list[AddedComment]) -> list[tuple[str, str, str | None, str | None]]:
    out = []
    for a in added:
        c, p = a.comment, a.parent
        out.append((c.author, c.key[1], p.author if p else None, p.key[1] if p else None))
    return out


def _require(path: Path) -> Path:
    assert path.is_dir(), f"DiscussionTools test data missing: {path} (set IBANBOT_SHARED_DATA)"
    return path


def dispatcher_cases() -> list[tuple[str, Path, Path]]:
    cases = []
    for case in sorted(_require(DT / "EventDispatcher").iterdir()):
        for rev in sorted(case.glob("rev*.txt")):
            m = re.match(r"rev(\d+)([a-z]?)", rev.stem)
            if m is None or m[1] == "1":
                continue
            prev = case / f"rev{int(m[1]) - 1}{m[2]}.txt"
            prev = prev if prev.exists() else case / f"rev{int(m[1]) - 1}.txt"
            cases.append((f"{case.name}/{rev.stem}", prev, rev))
    assert len(cases) >= 30
    return cases


def _subscribable(added: AddedComment, text: str) -> bool:
    """In a thread under a level-2 heading (where DiscussionTools emits events)."""
    from detectors.wikitext.threads import last_heading
    heading = last_heading(text, added.comment.start, len(text), max_level=2)
    return heading is not None and heading.level == 2


@pytest.mark.parametrize("name,prev,rev", dispatcher_cases(),
                         ids=[c[0] for c in dispatcher_cases()])
def test_event_dispatcher_case(name, prev, rev):
    new = rev.read_text(encoding="utf-8")
    added = added_comments(prev.read_text(encoding="utf-8"), new)
    events = json.loads(rev.with_suffix(".json").read_text(encoding="utf-8") or "[]")
    editor = EDITORS.get(name, DEFAULT_EDITOR)
    expected = sorted(parse_id(e["extra"]["comment-id"]) for e in events
                      if e["type"] == "dt-subscribed-new-comment")
    mine = sorted(ours([a for a in added if a.comment.author == editor
                        and _subscribable(a, new)]))
    assert mine == expected
    for e in events:
        if e["type"] == "dt-added-topic" and "comment-id" in e["extra"]:
            assert parse_id(e["extra"]["comment-id"]) in ours(added)


def _rows(case: Path, table: str) -> list[dict]:
    return json.loads((case / f"discussiontools_{table}.json").read_text(encoding="utf-8"))


def _revisions(case: Path) -> list[tuple[int, str, str]]:
    """(global revision number, page title, text) in dump order."""
    ns = {"m": "http://www.mediawiki.org/xml/export-0.11/"}
    out, number = [], 0
    for page in ET.parse(case / "dump.xml").getroot().findall("m:page", ns):
        title = page.findtext("m:title", namespaces=ns) or ""
        for rev in page.findall("m:revision", ns):
            number += 1
            out.append((number, title, rev.findtext("m:text", namespaces=ns) or ""))
    return out


def expected_store(case: Path) -> dict[tuple[int, int], set]:
    """(page number, revision) -> {(author, ts, parent author, parent ts)} first seen there."""
    names = {r["it_id"]: r["it_itemname"] for r in _rows(case, "items")}
    ids = {r["itid_id"]: r["itid_itemid"] for r in _rows(case, "item_ids")}
    rows = _rows(case, "item_revisions")
    out: dict[tuple[int, int], set] = {}
    for p in _rows(case, "item_pages"):
        if not names[p["itp_items_id"]].startswith("c-"):
            continue
        first = int(p["itp_oldest_revision_id"])
        row = next(r for r in rows if r["itr_items_id"] == p["itp_items_id"]
                   and int(r["itr_revision_id"]) == first)
        out.setdefault((int(p["itp_page_id"]), first), set()).add(
            parse_id(ids[row["itr_itemid_id"]]))
    return out


def store_cases() -> list[tuple[str, Path, int]]:
    cases = []
    for case in sorted(_require(DT / "ThreadItemStore").iterdir()):
        for number, _, _ in _revisions(case):
            cases.append((f"ThreadItemStore/{case.name}@{number}", case, number))
    assert len(cases) >= 20
    return cases


def _marks(name: str) -> list:
    return [pytest.mark.xfail(reason=XFAIL[name], strict=True)] if name in XFAIL else []


@pytest.mark.parametrize("name,case,number", [
    pytest.param(*c, marks=_marks(c[0]), id=c[0]) for c in store_cases()])
def test_thread_item_store_case(name, case, number):
    revisions = _revisions(case)
    titles = list(dict.fromkeys(t for _, t, _ in revisions))
    _, title, text = revisions[number - 1]
    history = [r for r in revisions if r[1] == title and r[0] < number]
    old = history[-1][2] if history else None
    seen = {k for _, _, t in history for k in _names(t)}
    mine = {c for c in ours(added_comments(old, text)) if c[:2] not in seen}
    assert mine == expected_store(case).get((titles.index(title) + 1, number), set())


def _names(text: str) -> set[tuple[str, str]]:
    return {(c[0], c[1]) for c in ours(added_comments(None, text))}
