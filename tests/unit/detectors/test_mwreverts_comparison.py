"""Our identity-revert rule equals mwreverts' on generated histories (deterministic seed)."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from detectors.model import Event, EventType, Revision, UserRef
from detectors.reverts import IDENTITY, find_reverted

mwreverts = pytest.importorskip("mwreverts")

T0 = datetime(2026, 11, 1, tzinfo=UTC)
RADIUS = 15


def generate_page(rng: random.Random, page: int, length: int, first_revid: int) -> list[Revision]:
    """Random edits, null edits and reverts of depth 1..20 (some beyond the radius)."""
    shas: list[str] = []
    revs: list[Revision] = []
    for k in range(length):
        roll = rng.random()
        if shas and roll < 0.35:
            depth = min(len(shas), rng.choice([1, 1, 2, 2, 3, 4, 6, 10, 14, 15, 16, 17, 20]))
            sha = shas[-depth - 1] if depth < len(shas) else shas[0]
        elif shas and roll < 0.40:
            sha = shas[-1]  # null edit
        elif roll < 0.45 and len(shas) > 3:
            sha = rng.choice(shas[-6:])  # a state seen recently, not a simple depth
        else:
            sha = f"p{page}-{k}-{rng.getrandbits(32):08x}"
        revid = first_revid + k
        user = UserRef(rng.randint(1, 6), f"User{rng.randint(1, 6)}")
        revs.append(Revision(revid, revid - 1 if k else 0, user, T0 + timedelta(minutes=revid),
                             sha1=sha))
        shas.append(sha)
    return revs


def ours(revs: list[Revision]) -> dict[int, tuple[list[int], int]]:
    out = {}
    for k, rev in enumerate(revs):
        event = Event("w", EventType.EDIT, rev.timestamp, rev.user, title="P", revid=rev.revid,
                      old_revid=rev.parentid, sha1=rev.sha1)
        history = tuple(reversed(revs[:k]))
        found = find_reverted(event, history, RADIUS)
        if found is not None:
            assert found.method == IDENTITY
            out[rev.revid] = ([r.revid for r in found.reverted], found.reverted_to.revid)
    return out


def theirs(revs: list[Revision]) -> dict[int, tuple[list[int], int]]:
    pairs = ((r.sha1, {"rev_id": r.revid}) for r in revs)
    return {rv.reverting["rev_id"]: ([r["rev_id"] for r in rv.reverteds], rv.reverted_to["rev_id"])
            for rv in mwreverts.detect(pairs, radius=RADIUS)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_identity_reverts_equal_mwreverts(seed):
    rng = random.Random(seed)
    pages = [generate_page(rng, p, rng.randint(20, 120), 1000 * (p + 1)) for p in range(6)]
    total = sum(len(p) for p in pages)
    assert total >= 200
    found = 0
    for revs in pages:
        expected = theirs(revs)
        assert ours(revs) == expected
        found += len(expected)
    assert found > 20  # the generator does produce reverts of various depths


def test_edge_sequences():
    for shas in (["a", "b", "a", "b", "a"], ["a", "a", "a"], ["a", "b", "c", "b", "a"],
                 [f"x{i}" for i in range(16)] + ["x0"], [f"x{i}" for i in range(17)] + ["x0"]):
        revs = [Revision(i + 1, i, UserRef(1, "U"), T0, sha1=s) for i, s in enumerate(shas)]
        assert ours(revs) == theirs(revs), shas
