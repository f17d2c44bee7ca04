"""Review web UI: server time of its pages over a queue of 20,000 items (SQLite), and sign-in;
the queue's searches (filters, sorts, pages: all in SQL) and the precision page among them.
The item page includes its previous/next links and its case; the cases pages group every item.

    python benchmarks/bench_web.py [N]

Prints the median and worst of each page. The item page is measured without the diff (its
wiki is not configured), which would add one `action=compare` request to the wiki.
"""
from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import App, utcnow
from bot.web import accounts, create_app
from detectors.model import Detection, Finding, Kind, UserRef

PASSWORD = "Correct-horse-battery-9"
KINDS = list(Kind)
CONFIDENCES = (0.3, 0.45, 0.6, 0.8, 0.9, 0.95, 1.0)


def detection(n: int) -> Detection:
    kind = KINDS[n % len(KINDS)]
    return Detection(wiki="otherwiki", event_key=f"rev:{n}", ban_id=f"IB-{n % 40:03d}",
                     actor=UserRef(10 + n % 50, f"User{n % 50}"), target=f"Target{n % 50}",
                     page=f"Talk:Page {n % 700}", revid=n + 1, logid=0,
                     timestamp=utcnow() - timedelta(minutes=n), source="detector",
                     findings=(Finding(kind, CONFIDENCES[n % len(CONFIDENCES)],
                                       f"evidence {n} " + "x" * 200, "T"),))


def setup(folder: Path, n: int) -> App:
    (folder / "bans.toml").write_text("", encoding="utf-8")
    (folder / "settings.toml").write_text(
        '[database]\nurl = "sqlite:///bench.sqlite3"\n[bans]\nfile = "bans.toml"\n'
        '[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:9/api.php"\n', encoding="utf-8")
    app = App.load(folder / "settings.toml")
    app.ensure_schema()
    for start in range(0, n, 1000):
        app.store.save_batch("otherwiki", "rc", None,
                             [detection(i) for i in range(start, min(n, start + 1000))], utcnow())
    accounts.add(app.store, "Bench", PASSWORD, utcnow())
    return app


def timed(client, path: str, runs: int = 15) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times) * 1000, max(times) * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        app = setup(Path(tmp), n)
        print(f"queue of {n} items built in {time.perf_counter() - t:.1f} s")
        client = create_app(app, secure_cookies=False).test_client()
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]
        t = time.perf_counter()
        client.post("/login", data={"csrf": csrf, "name": "Bench", "password": PASSWORD})
        print(f"sign-in (scrypt check + session): {(time.perf_counter() - t) * 1000:.0f} ms")
        item = app.store.list_items(limit=1, offset=n // 2)[0].id
        case = client.get(f"/items/{item}").get_data(as_text=True)
        case_id = int(re.search(r'href="/cases/(\d+)#', case)[1])
        for label, path in (("queue, first page", "/"),
                            ("queue, filtered by status+kind", "/?status=new&kind=mention"),
                            ("queue, page 200", "/?page=200"),
                            ("queue, every status, newest", "/?status=any&sort=newest"),
                            ("queue, sorted by confidence", "/?status=any&sort=most-confident"),
                            ("queue, confidence sort, page 100",
                             "/?status=any&sort=most-confident&page=100"),
                            ("queue, actor (any name)", "/?status=any&actor=User7"),
                            ("queue, target and page prefix",
                             "/?status=any&target=Target7&title=Talk:Page 1*"),
                            ("queue, revision id", f"/?status=any&revid={n // 3}"),
                            ("queue, since a date, min 0.9",
                             f"/?status=any&since={(utcnow() - timedelta(days=3)):%Y-%m-%d}"
                             "&min_confidence=0.9"),
                            ("stats", "/stats"),
                            (f"item {item}", f"/items/{item}"),
                            (f"item {item}, in the new list", f"/items/{item}?status=new"),
                            ("cases, first page", "/cases"),
                            (f"case {case_id} (diffs not fetched)", f"/cases/{case_id}"),
                            ("audit log", "/audit")):
            median, worst = timed(client, path)
            print(f"{label:34s} median {median:7.1f} ms   worst {worst:7.1f} ms")


if __name__ == "__main__":
    main()
