"""The layers of docs/ARCHITECTURE.md: each one-way dependency breaks its contract when planted.

cli : web -> run -> app -> review -> pipeline -> wiki | storage -> config (pyproject.toml), and
the shared modules (errors, logformat) import nothing of the bot. Each case plants an upward
import in a new module of a copy of the code and checks that lint-imports names the contract.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = "layers: entry points over run"
SHARED = "the shared modules (errors, logformat) import nothing of the bot"

PLANTED = [
    ("bot/review/planted.py", "import bot.app", LAYERS),
    ("bot/review/planted.py", "import bot.cli.entry", LAYERS),
    ("bot/pipeline/planted.py", "import bot.review.queue", LAYERS),
    ("bot/pipeline/planted.py", "import bot.run.supervisor", LAYERS),
    ("bot/storage/planted.py", "import bot.pipeline.join", LAYERS),
    ("bot/wiki/planted.py", "import bot.review.cases", LAYERS),
    ("bot/config/planted.py", "import bot.storage", LAYERS),
    ("bot/config/planted.py", "import bot.wiki", LAYERS),
    ("bot/run/planted.py", "import bot.cli.queue", LAYERS),
    ("bot/run/planted.py", "import bot.web", LAYERS),
]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    return subprocess.run([exe], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})


def copy_code(tmp_path: Path) -> None:
    for part in ("bot", "detectors"):
        shutil.copytree(REPO / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")


@pytest.mark.parametrize("where, line, contract", PLANTED)
def test_an_upward_import_breaks_the_layers(tmp_path, where, line, contract):
    copy_code(tmp_path)
    planted = tmp_path / where
    planted.parent.mkdir(parents=True, exist_ok=True)
    (planted.parent / "__init__.py").touch()
    planted.write_text(f'"""Planted by the test."""\n{line}\n', encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken and where.replace("/", ".").removesuffix(".py") in broken, \
        done.stdout


@pytest.mark.parametrize("module", ["bot/errors.py", "bot/logformat.py"])
def test_the_shared_modules_import_nothing_of_the_bot(tmp_path, module):
    copy_code(tmp_path)
    path = tmp_path / module
    path.write_text(path.read_text(encoding="utf-8") + "\nimport bot.config.settings\n",
                    encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert SHARED in done.stdout.split("Broken contracts", 1)[-1], done.stdout


def test_the_layers_hold_today():
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "layers: entry points over run" in done.stdout
