"""The triage loop and cases in a real browser (Playwright on Debian's chromium), keyboard
only: 20 items cleared with access keys, a case decided in one step (issue 16 parts 2, 3).

With IBANBOT_UPDATE_DOCS=1 the screenshots replace docs/review-triage-item.png and
docs/review-case.png (otherwise they go to the test's temporary folder).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from bot.app import utcnow
from bot.review import accounts
from bot.web.passwords import hash_password
from tests.harness import Bot, ban, people
from tests.integration.test_web_browser import browser_page  # noqa: F401
from tests.web_fixtures import PASSWORD, Clock, ReviewEnv

pytestmark = pytest.mark.wiki
REPO = Path(__file__).resolve().parents[2]
TRIAGED = 20


@pytest.fixture(scope="module")
def triage_env(tmp_path_factory, local_wiki) -> ReviewEnv:
    """21 breaches of one ban (one actor, one target), then 3 of another pair."""
    folder = tmp_path_factory.mktemp("triage")
    bot = Bot(folder / "bot", local_wiki)
    (ann, a), (ben, _), (cat, c), (dan, _) = people(local_wiki, "Ann", "Ben", "Cat", "Dan")
    bot.add_ban(**ban(ann, ben, start=utcnow() - timedelta(minutes=5)))
    bot.add_ban(**ban(cat, dan, start=utcnow() - timedelta(minutes=5)))
    for n in range(TRIAGED + 1):
        a.edit(f"User talk:{ben}/{n:02d}", f"Ann writes note {n} to Ben.", f"note {n}")
    for n in range(3):
        c.edit(f"User talk:{dan}/{n}", f"Cat writes {n}.", f"cat {n}")
    bot.run_once()
    settings = bot.folder / "settings.toml"
    with settings.open("a", encoding="utf-8") as fh:
        fh.write("[web]\npage_size = 50\n")
    env = ReviewEnv(settings, ann, ben, "Tess Triage", "", Clock())
    accounts.add(env.app().store, env.reviewer, hash_password(PASSWORD), utcnow())
    return env


@pytest.fixture(scope="module")
def triage_server(triage_env) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, triage_env.flask(), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(10)


def _shot(name: str, tmp_path_factory) -> Path:
    if os.environ.get("IBANBOT_UPDATE_DOCS") == "1":
        return REPO / "docs" / name
    return tmp_path_factory.mktemp("shots") / name


def _sign_in_by_keyboard(page: Page, server: str, env: ReviewEnv) -> None:
    page.context.clear_cookies()
    page.goto(server + "/login")
    page.keyboard.press("Tab")  # past the brand link to the name field
    while page.evaluate("document.activeElement.name") != "name":
        page.keyboard.press("Tab")
    page.keyboard.type(env.reviewer)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Queue")


def access_key(page: Page, key: str) -> None:
    """Alt+key as chromium on Linux gets it from a keyboard. (Playwright's `press("Alt+c")`
    sends the key without its text, and chromium matches access keys on the text: so the
    key event goes in through the DevTools protocol, the same path `press` takes.)"""
    cdp = page.context.new_cdp_session(page)
    code = {"type": "keyDown", "modifiers": 1, "key": key, "code": f"Key{key.upper()}",
            "windowsVirtualKeyCode": ord(key.upper())}
    try:
        cdp.send("Input.dispatchKeyEvent", {**code, "text": key, "unmodifiedText": key})
        cdp.send("Input.dispatchKeyEvent", {**code, "type": "keyUp"})
    finally:
        cdp.detach()


def test_twenty_items_cleared_with_the_keyboard_alone(triage_server, browser_page, triage_env,
                                                     tmp_path_factory):
    page, alerts = browser_page
    store = triage_env.app().store
    mine = [i.id for i in reversed(store.list_items(status="new"))  # the web's order: oldest
            if i.actor == triage_env.alice]                            # first

    assert len(mine) == TRIAGED + 1
    _sign_in_by_keyboard(page, triage_server, triage_env)
    query = f"status=new&ban={store.get_item(mine[0]).ban_id}"  # Ann and Ben's ban only
    page.goto(f"{triage_server}/items/{mine[0]}?{query}")
    decisions = {"c": "confirmed", "d": "dismissed", "i": "needs-info"}
    keys = ["c", "d", "i", "c"] * (TRIAGED // 4)
    for n, key in enumerate(keys):
        here = page.url
        if n == 3:
            access_key(page, "t")  # the note field, by its access key
            page.keyboard.type("typed without a mouse")
        access_key(page, key)
        page.wait_for_url(lambda url, here=here: url != here)
        expect(page.locator("p.recorded")).to_contain_text(
            f"Recorded: {decisions[key]} by {triage_env.reviewer}")
    expect(page.locator("h1")).to_have_text(f"Queue item {mine[TRIAGED]} new")  # the 21st
    page.screenshot(path=str(_shot("review-triage-item.png", tmp_path_factory)))
    decided = [store.get_item(i) for i in mine[:TRIAGED]]
    assert [d.status for d in decided] == [decisions[k] for k in keys]
    assert {d.decisions[-1].reviewer for d in decided} == {triage_env.reviewer}
    assert decided[3].decisions[-1].note == "typed without a mouse"
    assert store.get_item(mine[TRIAGED]).status == "new"
    assert page.locator("nav.triage a[rel=prev]").count() == 0  # none left `new` before it
    access_key(page, "q")  # back to the queue, the filter kept
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert parse_qs(urlsplit(page.url).query) == parse_qs(query)
    assert alerts == []


def test_a_case_decided_in_one_step(triage_server, browser_page, triage_env, tmp_path_factory):
    page, alerts = browser_page
    store = triage_env.app().store
    cats = sorted((i for i in store.list_items() if i.actor != triage_env.alice),
                  key=lambda i: (i.timestamp, i.id))
    assert len(cats) == 3
    _sign_in_by_keyboard(page, triage_server, triage_env)
    page.goto(f"{triage_server}/items/{cats[1].id}")
    access_key(page, "a")  # the item's case
    page.wait_for_url(f"{triage_server}/cases/{cats[0].id}#item-{cats[1].id}")
    expect(page.locator("article.case-item")).to_have_count(3)
    expect(page.locator("article.case-item table.diff").first).to_be_visible()
    page.screenshot(path=str(_shot("review-case.png", tmp_path_factory)), full_page=True)
    here = page.url
    access_key(page, "t")
    page.keyboard.type("three edits to Dan's pages in one sitting")
    access_key(page, "c")  # one step: every item of the case
    page.wait_for_url(lambda url: url != here)
    expect(page.locator("p.recorded")).to_have_text(
        f"Recorded: confirmed by {triage_env.reviewer} on 3 items.")
    for item in cats:
        decided = store.get_item(item.id)
        assert decided.status == "confirmed" and len(decided.decisions) == 1
        assert decided.decisions[0].note == "three edits to Dan's pages in one sitting"
    assert alerts == []
