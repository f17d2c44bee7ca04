"""Benchmarks 3 and 4 on the real local MediaWiki (localwiki.testing.running_wiki).

3. API economy: EDITS edits by other users and BANNED_EDITS by banned users (breaches on the
   protected users' talk pages, replies on a shared talk page, edits of articles), then one
   `ibanbot run --once` in this process with every HTTP request it sends counted (requests'
   Session.send wrapped here only) and sorted by kind, against the naive count of one content
   request per event.
4. Latency: `ibanbot run` (a separate process, poll_seconds = 2); BREACHES breaches made one
   after another at random moments; for each, the time from the edit's save (its API answer)
   to its queue item (the database, watched every 50 ms); p50, p95 and max.

    python benchmarks/bench_live.py [economy|latency|both]
"""
from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PYWIKIBOT_DIR", str(REPO / "var" / "pywikibot-bench"))
Path(os.environ["PYWIKIBOT_DIR"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")

import requests  # noqa: E402

from bot.cli.entry import main as ibanbot  # noqa: E402
from bot.storage import Store  # noqa: E402
from localwiki.client import WikiClient  # noqa: E402
from localwiki.testing import DEFAULT_PASSWORD, make_user, running_wiki  # noqa: E402

EDITS, BANNED_EDITS, BANS, BREACHES, POLL = 2000, 50, 5, 100, 2


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Setup:
    def __init__(self, wiki, folder: Path, tag: str) -> None:
        self.wiki, self.folder = wiki, folder
        people = lambda prefix, n: [make_user(wiki, f"{prefix}{tag}x{i}") for i in range(n)]  # noqa: E731
        self.banned, self.protected = people("Banned", BANS), people("Protected", BANS)
        self.others = people("Editor", 10)
        self.clients = {u.name: WikiClient(wiki.api_url, u.name, DEFAULT_PASSWORD)
                        for u in self.banned + self.others}
        start = datetime.now(UTC) - timedelta(seconds=5)
        bans = "".join(f'[[ban]]\nid = "IB-{i}"\nbanned = ["{b.name}"]\nprotected = ["{p.name}"]\n'
                       f"start = {iso(start)}\n"
                       for i, (b, p) in enumerate(zip(self.banned, self.protected)))
        (folder / "bans.toml").write_text(bans, encoding="utf-8")
        (folder / "settings.toml").write_text(
            f'[database]\nurl = "sqlite:///bot.sqlite3"\n[bans]\nfile = "bans.toml"\n'
            f'[[wikis]]\nname = "{wiki.name}"\napi = "{wiki.api_url}"\npoll_seconds = {POLL}\n'
            f"max_retries = 1\nretry_wait = 1\n", encoding="utf-8")
        self.config = str(folder / "settings.toml")
        self.store = Store(f"sqlite:///{folder}/bot.sqlite3")

    def breach(self, n: int, kinds: int = 3) -> int:
        """Breach n: on the protected user's talk page, a reply pinging them, or (the third
        kind, no breach) an article edit."""
        i = n % BANS
        client = self.clients[self.banned[i].name]
        kind = n % kinds
        if kind == 0:
            return client.edit(f"User talk:{self.protected[i].name}", f"Hello {n}", "hi")
        if kind == 1:
            return client.append("Talk:Tea", f"\n:Reply {n} to [[User:{self.protected[i].name}]]. "
                                 f"~~~~", "reply")
        return client.append(f"Article {n % 17}", f"\nMore text {n}.", "expand")


@contextmanager
def counted() -> Iterator[Counter]:
    """Every HTTP request sent meanwhile (in this process), by kind."""
    counts: Counter = Counter()
    original = requests.Session.send

    def send(self, request, **kwargs):
        counts[_kind(request)] += 1
        return original(self, request, **kwargs)

    requests.Session.send = send
    try:
        yield counts
    finally:
        requests.Session.send = original


def _kind(request) -> str:
    from urllib.parse import parse_qs, urlsplit
    query = parse_qs(urlsplit(request.url).query)
    if request.body:
        body = request.body if isinstance(request.body, str) else request.body.decode()
        query.update(parse_qs(body))
    get = lambda k: (query.get(k) or [""])[0]  # noqa: E731
    if get("list") == "recentchanges" and get("rclimit") == "1":
        return "list=recentchanges rclimit=1 (has the wiki dropped changes past the cursor?)"
    if get("list"):
        return f"list={get('list')}" + (f" letype={get('letype')}" if get("letype") else "")
    if get("prop") == "revisions":
        how = "by revids (contents)" if get("revids") else "by title (history)"
        return "prop=revisions " + how
    return " ".join(f"{k}={get(k)}" for k in ("action", "meta", "prop") if get(k)) or "other"


def economy(wiki, folder: Path) -> None:
    s = Setup(wiki, folder, f"{int(time.time()) % 100000}e")
    rng, every = random.Random(3), EDITS // BANNED_EDITS
    t0, banned_done = time.monotonic(), 0
    for n in range(EDITS + BANNED_EDITS):
        if n % (every + 1) == every // 2 and banned_done < BANNED_EDITS:
            s.breach(banned_done)
            banned_done += 1
            continue
        client = s.clients[rng.choice(s.others).name]
        title = rng.choice(["Tea", "Talk:Tea", "Green tea", "Teapot", f"User talk:{client.user}",
                            f"Draft {n % 97}"])
        client.append(title, f"\nEdit {n}.", "edit")
    made = time.monotonic() - t0
    print(f"API economy: {EDITS + BANNED_EDITS:,} edits ({BANNED_EDITS} by banned users) made in "
          f"{made:.0f} s; one `run --once` each, with a fresh database:")
    _measure("read anonymously (50 revisions a request)", s.config, s.store)
    bot_config, bot_store = _bot_account(wiki, s)
    _measure("as a bot account with apihighlimits (500 a request)", bot_config, bot_store)


def _measure(label: str, config: str, store: Store) -> None:
    with counted() as counts:
        code = ibanbot(["--config", config, "run", "--once"])
    assert code == 0
    total, events = sum(counts.values()), EDITS + BANNED_EDITS
    print(f"  {label}: {total} HTTP requests, {len(store.list_items())} queue items, against "
          f"{events:,} for one content request per event ({events / max(total, 1):.0f}x fewer)")
    for kind, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"    {count:5d}  {kind}")


def _bot_account(wiki, s: Setup) -> tuple[str, Store]:
    """A role account in the `bot` group with a BotPassword granting high-volume reads."""
    from bot.wiki.session import load_pywikibot
    user = make_user(wiki, f"IbanBot{int(time.time()) % 100000}", groups=("bot",))
    _, password = wiki.create_bot_password(user.name, grants=("basic", "highvolume"))
    secret = s.folder / "user-password.py"
    secret.write_text(f"({user.name!r}, BotPassword('ibanbot', {password!r}))\n")
    secret.chmod(0o600)
    load_pywikibot().config.password_file = str(secret)
    text = Path(s.config).read_text(encoding="utf-8").replace("bot.sqlite3", "bot-account.sqlite3")
    config = s.folder / "settings-bot.toml"
    config.write_text(text + f'user = "{user.name}"\n', encoding="utf-8")
    return str(config), Store(f"sqlite:///{s.folder}/bot-account.sqlite3")


def latency(wiki, folder: Path) -> None:
    s = Setup(wiki, folder, f"{int(time.time()) % 100000}l")
    assert ibanbot(["--config", s.config, "db", "upgrade"]) == 0
    code = "import sys; from bot.cli.entry import main; sys.exit(main(sys.argv[1:]))"
    bot = subprocess.Popen([sys.executable, "-c", code, "--config", s.config, "run"], cwd=REPO)
    rng, saved, seen, delays = random.Random(4), {}, set(), []
    try:
        time.sleep(3)  # the bot starts and polls once
        for n in range(BREACHES):
            saved[s.breach(n, kinds=2)] = time.monotonic()
            _watch(s.store, saved, seen, delays, rng.uniform(0.3, 1.2))
        deadline = time.monotonic() + 30
        while len(seen) < len(saved) and time.monotonic() < deadline:
            _watch(s.store, saved, seen, delays, 0.2)
    finally:
        bot.terminate()
        bot.wait(60)
    delays.sort()
    p = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]  # noqa: E731
    print(f"latency: {len(delays)} of {len(saved)} breaches queued; save -> queue item: "
          f"p50 {p(0.5):.2f} s, p95 {p(0.95):.2f} s, max {delays[-1]:.2f} s, mean "
          f"{statistics.mean(delays):.2f} s (poll every {POLL} s; goal p95 <= {POLL + 1} s)")


def _watch(store: Store, saved: dict, seen: set, delays: list, seconds: float) -> None:
    end = time.monotonic() + seconds
    while True:
        for item in store.list_items(limit=500):
            if item.revid in saved and item.revid not in seen:
                seen.add(item.revid)
                delays.append(time.monotonic() - saved[item.revid])
        if time.monotonic() >= end:
            return
        time.sleep(0.05)


def main(which: str = "both") -> None:
    with running_wiki("benchwiki") as wiki, tempfile.TemporaryDirectory() as tmp:
        if which in ("economy", "both"):
            (Path(tmp) / "e").mkdir()
            economy(wiki, Path(tmp) / "e")
        if which in ("latency", "both"):
            (Path(tmp) / "l").mkdir()
            latency(wiki, Path(tmp) / "l")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "both")
