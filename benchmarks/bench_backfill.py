"""Backfill speed, API economy and memory on the real local MediaWiki.

A banned user makes EDITS edits (every fifth one a breach on the protected user's talk page,
the rest on articles) before the ban is registered; then `ibanbot backfill --ban` runs in this
process with every HTTP request counted (requests' Session.send wrapped here only) and memory
traced. Then again (resumes: reads nothing) and with --since (reads everything again).

    python benchmarks/bench_backfill.py [EDITS]     (default 400)
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PYWIKIBOT_DIR", str(REPO / "var" / "pywikibot-bench"))
Path(os.environ["PYWIKIBOT_DIR"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")

import requests  # noqa: E402

from bot.cli.entry import main as ibanbot  # noqa: E402
from localwiki.client import WikiClient  # noqa: E402
from localwiki.testing import DEFAULT_PASSWORD, make_user, running_wiki  # noqa: E402

calls: Counter = Counter()
_send = requests.Session.send


def _counting_send(self, request, **kw):
    query = request.url.partition("?")[2] + "&" + (request.body or "" if isinstance(
        request.body, str) else "")
    kind = next((p.split("=")[1] for p in query.split("&")
                 if p.split("=")[0] in ("list", "prop", "meta")), "other")
    calls[kind] += 1
    return _send(self, request, **kw)


requests.Session.send = _counting_send  # this process only


def run(config: Path, *argv: str) -> tuple[float, str, Counter, float]:
    calls.clear()
    out = io.StringIO()
    tracemalloc.start()
    t0 = time.perf_counter()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = ibanbot(["--config", str(config), *argv])
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert code == 0, out.getvalue()
    return seconds, out.getvalue().strip(), Counter(calls), peak


def main(edits: int) -> None:
    with running_wiki("benchwiki") as wiki, tempfile.TemporaryDirectory() as tmp:
        tag = str(int(time.time()) % 100000)
        banned, protected = make_user(wiki, f"Banned{tag}"), make_user(wiki, f"Prot{tag}")
        client = WikiClient(wiki.api_url, banned.name, DEFAULT_PASSWORD)
        start = datetime.now(UTC) - timedelta(minutes=1)
        t0 = time.perf_counter()
        for i in range(edits):
            title = f"User talk:{protected.name}" if i % 5 == 0 else f"Article {tag} {i % 37}"
            client.edit(title, f"text {i} " * (1 + i % 9), f"edit {i}")
        made = time.perf_counter() - t0
        folder = Path(tmp)
        (folder / "settings.toml").write_text(
            f'[database]\nurl = "sqlite:///bot.sqlite3"\n[[wikis]]\nname = "{wiki.name}"\n'
            f'api = "{wiki.api_url}"\nmax_retries = 1\nretry_wait = 1\n', encoding="utf-8")
        (folder / "bans.toml").write_text(
            f'[[ban]]\nid = "IB-BENCH"\nbanned = ["{banned.name}"]\n'
            f'protected = ["{protected.name}"]\n'
            f"start = {start.strftime('%Y-%m-%dT%H:%M:%SZ')}\n", encoding="utf-8")
        config = folder / "settings.toml"
        print(f"backfill benchmark: {edits} edits by the banned user "
              f"({edits // 5 + (edits % 5 > 0)} breaches), made in {made:.1f} s")
        for label, argv in (("first backfill", ()), ("second (resumes)", ()),
                            ("--since (reads again)", ("--since", start.isoformat()))):
            seconds, out, kinds, peak = run(config, "backfill", "--ban", "IB-BENCH", *argv)
            requests_made = sum(kinds.values())
            print(f"  {label:22} {seconds:6.2f} s  {requests_made:4d} requests "
                  f"({', '.join(f'{k} {v}' for k, v in kinds.most_common())})  "
                  f"peak {peak:5.1f} MiB  -> {out}")
            if label == "first backfill":
                print(f"  {'':22} {edits / seconds:6.0f} edits/s, "
                      f"{requests_made / edits:.2f} requests per edit")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
