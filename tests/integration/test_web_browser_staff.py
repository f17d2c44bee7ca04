"""Issue 16 in a real browser (Playwright driving Debian's chromium) against the review UI and
the real local wiki: a staff warning shown and acknowledged, a report filed from the web, and
an item page opened in under a second with the wiki down (its address accepting connections
and never answering, as a stopped server does)."""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bot.app import App
from bot.storage import Ledger
from bot.web import create_app
from tests.integration.test_web_browser import browser_page, server  # noqa: F401
from tests.unit.web.test_web_fast import down_settings, hung_api  # noqa: F401
from tests.web_fixtures import PASSWORD

pytestmark = pytest.mark.wiki
BOUND = 1.5  # seconds, generous: the Flask-client test holds pages to 1 s


def sign_in(page, base: str, name: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    expect(page.locator("h1")).to_have_text("Queue")


@pytest.fixture(scope="module")
def down_server(review_env, down_settings) -> Iterator[str]:
    web = create_app(App.load(down_settings, now=review_env.clock), secure_cookies=False)
    httpd = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(10)


def test_a_warning_is_shown_and_acknowledged(server, browser_page, review_env):
    page, alerts = browser_page
    Ledger(review_env.app().store).add_warning(
        "testwiki", "unanalysed", "rev:77 on [[Talk:Big <script>alert(1)</script>]] could "
        "not be analysed within 60 s / 1024 MB; check it by hand", review_env.clock())
    sign_in(page, server, review_env.reviewer)
    banner = page.locator("p.warning-banner")
    expect(banner).to_contain_text("1 staff warning to read")
    banner.locator("a").click()
    row = page.locator("table.warnings tbody tr").first
    expect(row).to_contain_text("Talk:Big <script>alert(1)</script>")
    row.locator("button", has_text="Acknowledge").click()
    expect(page.locator("p.notice")).to_contain_text(f"acknowledged by {review_env.reviewer}")
    expect(page.locator("p.warning-banner")).to_have_count(0)
    page.click("text=Show the acknowledged ones too")
    expect(page.locator("table.warnings")).to_contain_text(f"by {review_env.reviewer} at")
    assert alerts == []


def test_a_report_filed_from_the_web(server, browser_page, review_env):
    page, alerts = browser_page
    revid = next(i.revid for i in review_env.app().store.list_items() if i.revid)
    sign_in(page, server, review_env.reviewer)
    page.click("nav >> text=Reports")
    page.click("text=Enter a report received by e-mail")
    page.fill("textarea[name=diffs]", f"Special:Diff/{revid}")
    page.fill("input[name=reporter]", "someone@example.org")
    page.fill("textarea[name=note]", "By e-mail: <script>alert(9)</script> see the diff")
    page.click("form.report-form button[type=submit]")
    expect(page.locator("p.notice")).to_contain_text(f"entered by {review_env.reviewer}")
    expect(page.locator("h1")).to_contain_text("queued")
    expect(page.locator("blockquote.evidence")).to_contain_text("<script>alert(9)</script>")
    reference = re.search(r"Report (R-[0-9a-f]+)", page.locator("h1").inner_text())[1]
    page.click("text=All reports")
    expect(page.locator("table.reports")).to_contain_text(reference)
    assert alerts == []


def test_an_item_page_opens_in_under_a_second_with_the_wiki_down(
        down_server, browser_page, review_env):
    page, alerts = browser_page
    sign_in(page, down_server, review_env.reviewer)
    item = next(i for i in review_env.app().store.list_items() if i.revid
                and i.page == f"User talk:{review_env.bob}")
    started = time.monotonic()
    page.goto(f"{down_server}/items/{item.id}")
    seconds = time.monotonic() - started
    print(f"item page in the browser with the wiki down: {seconds:.2f} s")
    expect(page.locator("section.diff")).to_contain_text("could not fetch the diff")
    expect(page.locator("section.findings")).to_contain_text("userspace")
    assert seconds < BOUND
    assert alerts == []
