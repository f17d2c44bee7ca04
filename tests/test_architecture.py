"""The layering of DESIGN.md, enforced: import-linter's contracts in pyproject.toml."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

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
