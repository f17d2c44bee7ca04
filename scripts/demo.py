"""The demo: a real local wiki, sample users and ban, breaches and non-breaches, the bot, the queue.

Run through ./scripts/demo (which installs what is missing). Everything lives in var/demo/.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "var" / "demo"
os.environ.setdefault("PYWIKIBOT_DIR", str(DEMO))
os.environ.setdefault("PYWIKIBOT_NO_USER_CONFIG", "2")

from bot.cli.entry import main  # noqa: E402
from localwiki import LocalWiki  # noqa: E402
from localwiki.client import WikiClient  # noqa: E402
from localwiki.process import free_port, port_in_use  # noqa: E402

PASSWORD = "Demo-password-1234"


def start_wiki(port: int) -> LocalWiki:
    wiki = LocalWiki(DEMO / "wiki", port, "demowiki")
    wiki.stop()
    if port_in_use(port):
        wiki = LocalWiki(DEMO / "wiki", free_port(), "demowiki")
    wiki.create()
    wiki.reset()
    wiki.start()
    for name in ("Alice", "Bob", "Carol"):
        wiki.create_user(name, PASSWORD)
    return wiki


def write_config(wiki: LocalWiki) -> Path:
    start = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    (DEMO / "ibanbot.sqlite3").unlink(missing_ok=True)
    (DEMO / "settings.toml").write_text(
        f'[database]\nurl = "sqlite:///ibanbot.sqlite3"\n\n[bans]\nfile = "bans.toml"\n\n'
        f'[bot]\ncontact = "demo@example.org"\n\n[[wikis]]\nname = "demowiki"\n'
        f'api = "{wiki.api_url}"\npoll_seconds = 5\nmax_retries = 2\nretry_wait = 1\n',
        encoding="utf-8")
    (DEMO / "bans.toml").write_text(
        f'[[ban]]\nid = "IB-DEMO-1"\nbanned = ["Alice"]\nprotected = ["Bob"]\ntwo_way = true\n'
        f'wikis = ["demowiki"]\nstart = {start}\n'
        f'exempt_pages = ["Project:Interaction ban appeals"]\n'
        f'aliases = {{ Bob = ["Bobby"] }}\nnote = "Demo: a mutual interaction ban"\n',
        encoding="utf-8")
    return DEMO / "settings.toml"


def act(wiki: LocalWiki) -> None:
    """Breaches and non-breaches, made for real through the API."""
    alice, bob, carol = (WikiClient(wiki.api_url, n, PASSWORD) for n in ("Alice", "Bob", "Carol"))
    stamp = f"{datetime.now(UTC):%H:%M, %-d %B %Y} (UTC)"  # signed now, as the wiki would
    sig = lambda u: f"[[User:{u}|{u}]] ([[User talk:{u}|talk]]) {stamp}"  # noqa: E731
    bob.edit("Talk:Demo", f"== Sources ==\nI think the source is fine. {sig('Bob')}\n")
    print("breach:     Alice edits Bob's user talk page")
    alice.edit("User talk:Bob", "Stay away from my articles.", "message")
    print("breach:     Bob edits a subpage of Alice's user page")
    bob.edit("User:Alice/Notes", "Notes", "notes")
    print("breach:     Alice replies to Bob's comment and pings him")
    alice.append_reply("Talk:Demo", f":{{{{ping|Bob}}}} No, it is not. {sig('Alice')}")
    print("breach:     Alice thanks Bob")
    wiki.thank("Alice", "Bob")
    carol.edit("Demo", "An article that Carol started.")
    bob_rev = bob.edit("Demo", "An article that Carol started.\n\nA second paragraph by Bob.")
    print("breach:     Alice undoes Bob's edit")
    alice.undo("Demo", bob_rev)
    print("no breach:  Carol edits Bob's user talk page (Carol is under no ban)")
    carol.edit("User talk:Bob", "Hello Bob, Carol here.", "hello")
    print("no breach:  Alice writes on the exempt appeal page")
    alice.edit("Project:Interaction ban appeals", "I appeal my ban.", "appeal")
    print("no breach:  Alice thanks Carol")
    wiki.thank("Alice", "Carol")


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--keep-running", action="store_true",
                        help="leave the wiki running afterwards (stop: python -m localwiki stop "
                             "--root var/demo/wiki)")
    args = parser.parse_args(argv)
    DEMO.mkdir(parents=True, exist_ok=True)
    wiki = start_wiki(args.port)
    try:
        print(f"local wiki: {wiki.api_url}")
        config = write_config(wiki)
        act(wiki)
        print("\n$ ibanbot --config var/demo/settings.toml run --once")
        code = main(["--config", str(config), "--log-level", "WARNING", "run", "--once"])
        if code:
            return code
        print("\n$ ibanbot --config var/demo/settings.toml queue list")
        main(["--config", str(config), "queue", "list"])
        print("\n$ ibanbot --config var/demo/settings.toml queue show 1")
        return main(["--config", str(config), "queue", "show", "1"])
    finally:
        if not args.keep_running:
            wiki.stop()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
