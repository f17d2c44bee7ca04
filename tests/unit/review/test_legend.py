"""The confidence legend (bot.review.legend) lists every value the detectors can emit: each module's
confidence literals and constants are read from its source, so a new value fails here until
its row is written."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.review import legend
from detectors import mentions
from detectors.model import Kind

DETECTORS = Path(__file__).resolve().parents[3] / "detectors"
NAMES = ("CONF", "CONFIDENT", "AMBIGUOUS", "SIGNED_BY_OTHER", "OLD_OWN")


def _kinds(tree: ast.AST) -> set[str]:
    return {Kind[n.attr].value for n in ast.walk(tree) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "Kind"
            and n.attr in Kind.__members__}


def _floats(node: ast.AST) -> list[float]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, float) and 0 < n.value <= 1]


def constants() -> dict[str, list[float]]:
    """Every module-level constant of detectors/ (wikitext/ too) that holds numbers 0-1."""
    out: dict[str, list[float]] = {}
    for path in sorted(DETECTORS.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and _floats(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        out.setdefault(target.id, []).extend(_floats(node.value))
    return out


def _line_values(line: str, known: dict[str, list[float]]) -> list[float]:
    """The numbers a `confidence ...` line uses: literals, and constants by name."""
    try:
        tree = ast.parse(line.strip().rstrip(":"))
    except SyntaxError:
        return []
    names = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]
    return _floats(tree) + [v for n in names for v in known.get(n, ())]


def emitted() -> dict[str, set[float]]:
    """kind -> the confidence values its module spells out (literals and constants)."""
    out: dict[str, set[float]] = {}
    known = constants()
    for path in sorted(DETECTORS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        kinds = _kinds(tree)
        finders = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                   and getattr(n.func, "id", "") == "Finding"]
        if not finders or path.name == "model.py":
            continue
        (kind,) = {Kind[n.args[0].attr].value for n in finders}  # one kind per detector
        assert kind in kinds
        values = out.setdefault(kind, set())
        for n in finders:
            values.update(_floats(n.args[1]))
        for node in tree.body:  # module constants named as confidences
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and any(w in t.id for w in NAMES)
                    for t in node.targets):
                values.update(_floats(node.value))
        for line in source.splitlines():  # `confidence = ...` lines, constants they name too
            if "confidence" in line.lower() and "=" in line and not line.lstrip().startswith("#"):
                values.update(_line_values(line, known))
    return out


def test_the_scan_sees_every_detector() -> None:
    found = emitted()
    assert set(found) == {k.value for k in Kind}
    assert {1.0} <= found["userspace"] and {0.9, 0.6, 0.5, 0.3} <= found["reply"]
    assert {0.95, 0.9, 0.7, 0.6, 0.3} <= found["mention"] and 0.8 in found["log-action"]
    assert {0.8, 0.5} <= found["reply"]  # undated replies, through their constants' names
    assert {0.8, 0.7, 0.6, 0.3} <= found["edit-change"]  # appearance changes


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_every_emitted_value_is_explained(kind: str) -> None:
    missing = sorted(v for v in emitted()[kind] if legend.explain(kind, v) is None)
    assert missing == [], f"{kind}: add these values to bot/review/legend.py"


def test_derived_mention_values_are_explained() -> None:
    """Plain-text hits lose CASE_PENALTY when the name matches only ignoring case."""
    for base in (mentions.CONF_TEXT, mentions.CONF_SUMMARY, mentions.CONF_WEAK,
                 mentions.CONF_ARTICLE):
        value = round(base - mentions.CASE_PENALTY, 2)
        assert legend.explain("mention", value) is not None, value


def test_edit_change_range_and_bands() -> None:
    assert legend.explain("edit-change", 0.65).shown == "0.40-0.90"
    assert legend.explain("edit-change", 0.95) is None
    assert [legend.band(v) for v in (0.0, 0.49, 0.5, 0.7, 0.89, 0.9, 1.0)] == [
        "0.00-0.49", "0.00-0.49", "0.50-0.69", "0.70-0.89", "0.70-0.89", "0.90-1.00",
        "0.90-1.00"]
    for rows in legend.LEGEND.values():
        assert all(r.meaning and r.computed for r in rows)


def test_readme_legend_matches_the_module() -> None:
    readme = (DETECTORS.parent / "README.md").read_text(encoding="utf-8")
    part = readme[readme.index("### What confidence means"):]
    part = part[: part.index("\n## ")]
    for kind, rows in legend.LEGEND.items():
        for row in rows:
            assert f"| `{kind}` | {row.shown} |" in part, (kind, row.shown)
