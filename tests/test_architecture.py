"""The layering of DESIGN.md, enforced: import-linter's contracts in pyproject.toml."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


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


# A module added anywhere in a package is covered without editing a list: each contract written
# by package breaks when a new module plants the import it forbids (on a copy of the code).
PLANTED = [
    ("bot/planted.py", "import pywikibot", "only bot.wiki imports pywikibot"),
    ("bot/newpkg/__init__.py", "import sqlalchemy", "only bot.storage imports SQLAlchemy"),
    ("bot/planted.py", "import alembic", "only bot.storage imports SQLAlchemy"),
    ("bot/wiki/planted.py", "import apscheduler", "only bot.scheduler imports APScheduler"),
    ("bot/planted.py", "import flask", "only bot.web imports Flask"),
    ("detectors/planted.py", "import requests", "detectors stay pure"),
    ("bot/planted.py", "import prometheus_client", "only bot.metrics imports prometheus_client"),
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
