"""Every detector in `detectors/` (modules exporting DETECTOR) over real talk-page revisions.

Each revision is run as an edit adding the page's last signed line (old text = the page without
it) and as a page creation. Nothing may raise. The data lives in ../shared/data/talk-pages
(override with IBANBOT_SHARED_DATA); a missing folder is a failure, not a skip.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import detectors
from detectors.bans import Ban, Person, Restriction
from detectors.base import Context
from detectors.model import Event, EventType, Revision, UserRef

DATA = Path(os.environ.get("IBANBOT_SHARED_DATA")
            or Path(__file__).resolve().parents[3].parent / "shared" / "data")
PAGES = DATA / "talk-pages"
T = datetime(2026, 11, 10, tzinfo=UTC)
_SIGNER = re.compile(r"\[\[\s*(?:User|User talk)\s*:\s*([^|\]/#\n]+)", re.IGNORECASE)
_SIGNED = re.compile(r"\(UTC\)")


def detector_modules() -> list[tuple[str, object]]:
    out = []
    for info in pkgutil.iter_modules(detectors.__path__):
        module = importlib.import_module(f"detectors.{info.name}")
        if hasattr(module, "DETECTOR"):
            out.append((info.name, module.DETECTOR))
    return out


def talk_pages() -> list[Path]:
    return sorted(PAGES.glob("*/*.txt"))


def split_last_signed(text: str) -> tuple[str, str, str]:
    """(page without its last signed line, that line, its signer)."""
    lines = text.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        signers = _SIGNER.findall(lines[i])
        if signers and _SIGNED.search(lines[i]):
            return "\n".join(lines[:i] + lines[i + 1:]), lines[i], signers[-1].strip()
    return text, "", "Someone"


def other_signer(text: str, actor: str) -> str:
    names = [n.strip() for n in _SIGNER.findall(text) if n.strip() != actor]
    return max(set(names), key=names.count) if names else "Bob"


def test_data_folder_exists():
    assert PAGES.is_dir(), f"talk-page data missing: {PAGES} (set IBANBOT_SHARED_DATA)"
    assert talk_pages(), f"no talk pages in {PAGES}"


def test_mention_detector_is_discovered():
    assert "mentions" in dict(detector_modules())


@pytest.mark.parametrize("path", talk_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_detector_handles_every_talk_page(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    old, line, actor = split_last_signed(text)
    protected = other_signer(text, actor)
    ban = Ban("IB-T", (actor,), (protected,), T)
    restriction = Restriction(ban, Person(11, actor), (Person(12, protected, (), ("Nick",)),))
    history = (Revision(99, 98, UserRef(12, protected), T, text=old),)
    cases = [(EventType.EDIT, old), (EventType.NEW, None)]
    for name, detector in detector_modules():
        for kind, old_text in cases:
            event = Event("devwiki", kind, T, UserRef(11, actor), title=f"Talk:{path.stem}",
                          namespace=1, revid=100, old_revid=99 if old_text else 0,
                          comment=line[:200])
            context = Context(restriction, old_text=old_text, new_text=text, history=history)
            findings = detector.detect(event, context)
            assert isinstance(list(findings), list), name
