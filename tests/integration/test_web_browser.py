"""A real browser (Playwright driving Debian's chromium) against the review UI, served over
HTTP on 127.0.0.1, with a real queue built by the real bot from the real local wiki.

Takes screenshots of the item, queue and precision pages as a reviewer sees them; with
IBANBOT_UPDATE_DOCS=1 they replace docs/review-item.png, docs/review-queue.png and
docs/review-stats.png (otherwise they go to the test's temporary folder, so a test run leaves
the work tree clean).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from bot.app import App
from bot.review import accounts, stats
from bot.web import create_app
from localwiki.process import free_port
from localwiki.testing import WikiUser, make_user
from localwiki.wiki import ADMIN
from tests.web_fixtures import PASSWORD

pytestmark = pytest.mark.wiki
REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server(review_env) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, review_env.flask(), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(10)


@pytest.fixture(scope="module")
def browser_page() -> Iterator[tuple[Page, list[str]]]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        alerts: list[str] = []
        page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
        try:
            yield page, alerts
        finally:
            browser.close()


def hrefs(page: Page) -> list[str]:
    return page.eval_on_selector_all("a[href], form[action]",
                                     "els => els.map(e => e.getAttribute('href') ||"
                                     " e.getAttribute('action'))")


def test_sign_in_open_item_see_diff_decide_see_audit(server, browser_page, review_env,
                                                    tmp_path_factory):
    page, alerts = browser_page
    page.goto(server + "/")
    expect(page).to_have_url(server + "/login")  # nothing without signing in
    page.fill("input[name=name]", review_env.reviewer)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Queue")
    expect(page.locator("table.queue")).to_be_visible()  # new items, oldest first
    page.goto(server + "/?kind=mention")
    expect(page.locator("table.queue")).to_contain_text(review_env.hostile_title)
    page.goto(server + "/?kind=userspace&sort=newest")  # the edit, not the page's creation
    page.locator("table.queue tbody tr a").first.click()
    expect(page.locator("table.diff")).to_be_visible()
    expect(page.locator("table.diff")).to_contain_text("<script>alert('text')</script>")
    expect(page.locator("td.diff-addedline ins")).to_contain_text("changed")
    expect(page.locator("p.edit-summary")).to_contain_text("<script>alert('summary')</script>")
    expect(page.locator("section.ban")).to_contain_text("Project:Arbitration/*")
    page.check("input[name=stay]")
    page.fill("textarea[name=note]", "Edits to the protected user's talk page <script>")
    page.click("section.decide button[value=confirmed]")
    expect(page.locator("p.recorded")).to_contain_text(f"confirmed by {review_env.reviewer}")
    expect(page.locator("ol.history")).to_contain_text(f"confirmed by {review_env.reviewer}")
    expect(page.locator("ol.history")).to_contain_text("talk page <script>")
    shot = REPO / "docs" / "review-item.png" if os.environ.get("IBANBOT_UPDATE_DOCS") == "1" \
        else tmp_path_factory.mktemp("shots") / "review-item.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    item_url = page.url
    page.click("nav >> text=Audit log")
    row = page.locator("table.audit tbody tr").first
    expect(row).to_contain_text(review_env.reviewer)
    expect(row).to_contain_text("status new -> confirmed")
    page.goto(item_url)
    page.click("text=Interaction timeline of")
    expect(page.locator("table.timeline")).to_contain_text("Talk:Common ground")
    if os.environ.get("IBANBOT_SCREENSHOT_TIMELINE"):
        page.screenshot(path=os.environ["IBANBOT_SCREENSHOT_TIMELINE"], full_page=True)
    assert alerts == [], "a payload ran"
    assert not [h for h in hrefs(page) if h.strip().lower().startswith("javascript:")]


def test_hostile_titles_and_summaries_render_inert(server, browser_page, review_env):
    page, alerts = browser_page
    page.goto(server + "/?kind=mention&status=any")
    link = page.get_by_role("link", name=review_env.hostile_title)
    expect(link).to_be_visible()
    assert link.get_attribute("href").startswith("/items/")
    link.click()
    expect(page.locator("section.facts")).to_contain_text(review_env.hostile_title)
    page_link = page.locator("section.facts a", has_text=review_env.hostile_title)
    assert page_link.get_attribute("href").startswith("http://127.0.0.1:")
    expect(page.locator("section.ban")).to_contain_text("see <script>case</script>")
    for url in (page.url, server + "/", server + "/audit"):
        page.goto(url)
        assert page.locator("script").count() == 0
        assert not [h for h in hrefs(page) if h.strip().lower().startswith("javascript:")]
    assert alerts == []
    page.click("form.signout button")
    expect(page).to_have_url(server + "/login")
    page.goto(server + "/audit")
    expect(page).to_have_url(server + "/login")


@pytest.fixture(scope="module")
def oauth_server(review_env, local_wiki) -> Iterator[tuple[str, WikiUser, str]]:
    """The review UI with "Sign in with <wiki>" (an OAuth 2 client registered on the local
    wiki for this server's callback), and a wiki account linked to a reviewer."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client = local_wiki.create_oauth_client(
        ADMIN, f"ibanbot review {port}", f"{base}/oauth/{local_wiki.name}/callback")
    settings = review_env.settings.with_name("settings-oauth.toml")
    settings.write_text(review_env.settings.read_text(encoding="utf-8").replace(
        "[[wikis]]\n", f'[[wikis]]\noauth_client_id = "{client.key}"\n', 1), encoding="utf-8")
    app = App.load(settings, now=review_env.clock)
    user = make_user(local_wiki, f"Rita on the wiki {port}")
    reviewer = f"Rita via the wiki {port}"
    accounts.add(app.store, reviewer, None, app.now())
    accounts.link(app.store, app.gateways[local_wiki.name], reviewer, local_wiki.name, user.name,
                  app.now())
    secret_env = app.settings.wiki(local_wiki.name).oauth_secret_env
    web = create_app(app, secure_cookies=False, environ={secret_env: client.secret})
    httpd = make_server("127.0.0.1", port, web, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, user, reviewer
    finally:
        httpd.shutdown()
        thread.join(10)


def test_sign_in_with_a_wiki_account(oauth_server, browser_page, local_wiki):
    base, user, reviewer = oauth_server
    page, alerts = browser_page
    page.context.clear_cookies()
    page.goto(base + "/")
    expect(page).to_have_url(base + "/login")
    page.click(f"text=Sign in with {local_wiki.name}")
    # on the wiki: its own login form, then the approval dialog
    expect(page.locator("#wpName1")).to_be_visible()
    assert page.url.startswith(local_wiki.server_url)
    page.fill("#wpName1", user.name)
    page.fill("#wpPassword1", user.password)
    page.click("#wpLoginAttempt")
    page.click("#mw-mwoauth-accept")
    expect(page).to_have_url(base + "/")
    expect(page.locator("h1")).to_have_text("Queue")
    expect(page.locator("header")).to_contain_text(reviewer)
    page.click("nav >> text=Audit log")
    row = page.locator("table.audit tbody tr").first
    expect(row).to_contain_text(f"as {user.name} on {local_wiki.name} (OAuth)")
    assert alerts == []


def _shot(tmp_path_factory, name: str) -> Path:
    if os.environ.get("IBANBOT_UPDATE_DOCS") == "1":
        return REPO / "docs" / name
    return tmp_path_factory.mktemp("shots") / name


def test_search_decide_then_precision(server, browser_page, review_env, tmp_path_factory):
    """Search the queue, dismiss the mention from the item page, read the precision figures
    (the first test confirmed a userspace edit): no name, no ban id on the page."""
    page, alerts = browser_page
    page.context.clear_cookies()  # whoever an earlier test left signed in
    page.goto(server + "/login")
    page.fill("input[name=name]", review_env.reviewer)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Queue")
    page.goto(server + "/?status=any&sort=most-confident&limit=20")
    expect(page.locator("table.queue td.confidence").first).to_have_text("1.00")
    page.screenshot(path=str(_shot(tmp_path_factory, "review-queue.png")), full_page=True)
    page.fill("input[name=actor]", review_env.alice.lower())  # MediaWiki's first letter
    page.select_option("select[name=status]", "new")
    page.select_option("select[name=kind]", "mention")
    page.select_option("select[name=sort]", "most-confident")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(review_env.hostile_title)
    expect(rows.first.locator("td.confidence a")).to_have_attribute(
        "href", "/help/confidence#mention")
    rows.first.locator("td.confidence a").click()
    expect(page.locator("section#mention")).to_contain_text("a link to their user page")
    page.go_back()
    page.get_by_role("link", name=review_env.hostile_title).click()
    page.click("button[name=decision][value=dismissed]")  # record (and go on to the next)
    expect(page.locator("p.recorded")).to_contain_text("Recorded: dismissed")
    page.click("nav >> text=Precision")
    table = page.locator("table.stats")
    mention = table.locator("tr.total", has_text="mention")
    expect(mention.locator("td.precision")).to_have_text("0%")
    app = review_env.app()
    figures = stats.precision(app.store, app.settings.wiki_names)
    totals = [r for r in figures.rows if r.wiki == stats.ALL]
    expect(table.locator("tr.total")).to_have_count(len(totals))
    for row in totals:  # the page says what the use case counts
        shown = table.locator("tr.total", has_text=row.kind).filter(has_text=row.band)
        expect(shown.locator("td.precision")).to_have_text(
            "-" if row.precision is None else f"{row.precision:.0%}")
    body = page.locator("main").inner_text()
    for secret in (review_env.alice, review_env.bob, "IB-"):
        assert secret not in body
    page.screenshot(path=str(_shot(tmp_path_factory, "review-stats.png")), full_page=True)
    assert alerts == []
