"""The layering of DESIGN.md, enforced: import-linter's contracts in pyproject.toml."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_detectors_never_read_the_clock():
    for path in (REPO / "detectors").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("datetime.now(", "datetime.utcnow(", "time.time(", "date.today("):
            assert banned not in text, f"{path.relative_to(REPO)} reads the clock ({banned})"


DB_SESSIONS = {"Session", "sessionmaker", "scoped_session"}


def database_handles(root: Path) -> list[str]:
    """Where code in bot/ outside bot/storage reaches for an engine (`x.engine`) or a database
    session (SQLAlchemy's `Session`, `sessionmaker`): it goes through the Store's accessors."""
    found = []
    for path in sorted((root / "bot").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("bot/storage/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), rel)):
            if isinstance(node, ast.Attribute) and (node.attr == "engine" or (
                    node.attr in DB_SESSIONS and not (isinstance(node.value, ast.Name)
                                                      and node.value.id == "requests"))):
                found.append(f"{rel}:{node.lineno}: .{node.attr}")
            elif isinstance(node, ast.Name) and node.id in DB_SESSIONS:
                found.append(f"{rel}:{node.lineno}: {node.id}")
            elif isinstance(node, ast.ImportFrom) and node.module != "requests":
                found += [f"{rel}:{node.lineno}: imports {a.name}" for a in node.names
                          if a.name in DB_SESSIONS]
    return found


def test_no_engine_or_session_outside_storage():
    assert database_handles(REPO) == []


@pytest.mark.parametrize("line", [
    "reviewers = ReviewerStore(app.store.engine)",
    "from bot.storage.engine import Session",
    "with Session(engine) as s: pass",
    "factory = orm.sessionmaker(bind=None)",
])
def test_a_planted_engine_or_session_is_found(tmp_path, line):
    shutil.copytree(REPO / "bot", tmp_path / "bot",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    (tmp_path / "bot" / "web" / "planted.py").write_text(f'"""Planted."""\n{line}\n',
                                                          encoding="utf-8")
    found = database_handles(tmp_path)
    assert found and all(f.startswith("bot/web/planted.py:2:") for f in found), found
    (tmp_path / "bot" / "storage" / "planted.py").write_text(f"{line}\n", encoding="utf-8")
    (tmp_path / "bot" / "web" / "planted.py").unlink()
    assert database_handles(tmp_path) == []  # inside bot/storage it is the storage's business


# A module added anywhere in a package is covered without editing a list: each contract written
# by package breaks when a new module plants the import it forbids (on a copy of the code).
PLANTED = [
    ("bot/planted.py", "import pywikibot", "only bot.wiki imports pywikibot"),
    ("bot/newpkg/__init__.py", "import sqlalchemy", "only bot.storage imports SQLAlchemy"),
    ("bot/planted.py", "import alembic", "only bot.storage imports SQLAlchemy"),
    ("bot/wiki/planted.py", "import apscheduler", "only bot.run.scheduler imports APScheduler"),
    ("bot/planted.py", "import flask", "only bot.web imports Flask"),
    ("detectors/planted.py", "import requests", "detectors stay pure"),
    ("bot/planted.py", "import prometheus_client",
     "only bot.pipeline.metrics imports prometheus_client"),
    ("bot/wiki/planted.py", "import bot.storage", "wiki and storage never import each other"),
]


@pytest.mark.parametrize("where, line, contract", PLANTED)
def test_a_planted_violation_breaks_its_contract(tmp_path, where, line, contract):
    for part in ("bot", "detectors"):
        shutil.copytree(REPO / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    planted = tmp_path / where
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(f'"""Planted by the test."""\n{line}\n', encoding="utf-8")
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run([exe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1, done.stdout + done.stderr
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken and where.replace("/", ".").removesuffix(".py").removesuffix(
        ".__init__") in broken, done.stdout
