"""Shared fixtures: the real local wiki (session), real databases, the bot harness."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# pywikibot reads its environment once, at import: keep its files out of the work tree.
os.environ.setdefault("PYWIKIBOT_DIR", str(REPO / "var" / "pywikibot-test"))
Path(os.environ["PYWIKIBOT_DIR"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")

from localwiki.testing import wiki_fixture  # noqa: E402

# the fixture modules' fixtures, for every test
pytest_plugins = [
    "tests.storage_fixtures",
    "tests.web_fixtures",
    "tests.search_fixtures",
]

local_wiki = wiki_fixture()


def pytest_sessionfinish(session, exitstatus):
    """A skipped test fails the run: every test here must run (a missing wiki or DB fails)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and os.environ.get("IBANBOT_ALLOW_SKIPS") != "1" and session.exitstatus == 0:
        reporter.write_line(f"FAILED: {len(skipped)} test(s) skipped; nothing may be skipped "
                            "(set IBANBOT_ALLOW_SKIPS=1 to allow locally)", red=True)
        session.exitstatus = 1
