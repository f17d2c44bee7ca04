"""Issue 18's findings on the review UI, through Flask's test client over a real queue from the
real local wiki, read through a recording proxy (tests/faultproxy.py): the diff table cannot
be broken out of (12), the UI reads anonymously (14)."""
from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.app import App, utcnow
from bot.review import accounts
from bot.web import create_app
from bot.web.passwords import hash_password
from bot.wiki.writer import use_password_file
from localwiki.testing import make_user
from tests.faultproxy import FaultProxy
from tests.harness import Bot, ban, people, unique
from tests.unit.web.test_web import first_item_id, sign_in
from tests.web_fixtures import PASSWORD

pytestmark = pytest.mark.wiki
MARK = "INJECTED-OUTSIDE"
BREAKOUT = (f"</td></tr></tbody></table><div class=\"decision\">{MARK} confirmed by T&amp;S"
            f"</div><p>{MARK}</p><table><tbody><tr><td>")


class RecordingProxy(FaultProxy):
    """The fault proxy, also keeping each request's Cookie header and body."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.seen: list[tuple[str, str]] = []  # (cookie header, path and body)

    def handle(self, h, body):
        self.seen.append((h.headers.get("Cookie") or "",
                          h.path + "&" + (body or b"").decode("utf-8", "replace")))
        super().handle(h, body)


@pytest.fixture(scope="module")
def env(tmp_path_factory, local_wiki):
    import pywikibot.comms.http

    folder = tmp_path_factory.mktemp("secweb")
    proxy = RecordingProxy(local_wiki.api_url.rsplit("/", 1)[0]).start()
    (alice, a), (bob, b) = people(local_wiki, "Alice", "Bob")
    bot = Bot(folder / "bot", local_wiki)
    bot.add_ban(**ban(alice, bob, start=utcnow() - timedelta(minutes=5)))
    a.edit(f"User talk:{bob}", "Alice writes here.\nsecond line", "hi")
    bot.run_once()
    pywikibot.comms.http.cookie_jar.clear()
    name = unique("IbanBot")
    make_user(local_wiki, name, groups=["bot"])
    _, password = local_wiki.create_bot_password(name, "ibanbot", ("basic", "editpage"))
    pwfile = folder / "user-password.py"
    pwfile.write_text(f"({name!r}, BotPassword('ibanbot', {password!r}))\n", encoding="utf-8")
    pwfile.chmod(0o600)
    use_password_file(pwfile, put_throttle=0)
    settings = bot.folder / "settings.toml"
    text = settings.read_text(encoding="utf-8").replace(local_wiki.api_url, proxy.api_url)
    settings.write_text(text + f'user = "{name}"\n', encoding="utf-8")
    app = App.load(settings)
    accounts.add(app.store, "Rita Reviewer", hash_password(PASSWORD), utcnow())
    yield settings, proxy
    proxy.stop()
    Path(pywikibot.config.datafilepath(f"pywikibot-{name}.lwp")).unlink(missing_ok=True)


def item_page(settings: Path) -> str:
    client = create_app(App.load(settings), secure_cookies=False).test_client()
    assert sign_in(client, "Rita Reviewer").status_code == 302
    item_id = first_item_id(client)
    return client.get(f"/items/{item_id}").get_data(as_text=True)


def test_the_review_ui_reads_diffs_anonymously(env):
    """Finding 14: the bot's account may edit; the UI's reads never go out signed in."""
    settings, proxy = env
    proxy.seen.clear()
    html = item_page(settings)
    assert 'class="diff-addedline' in html or 'class="diff-deletedline' in html
    assert proxy.seen, "the diff was read through the proxy"
    assert not [p for _, p in proxy.seen if "login" in p], "the UI logged in"
    assert all(cookie == "" for cookie, _ in proxy.seen), "a cookie went with a read"


class _Where(HTMLParser):
    """The open elements wherever MARK appears, and whether every table closes in order."""

    VOID = {"br", "col", "meta", "link", "input", "img", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.places: list[tuple[str, ...]] = []
        self.misnested: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.misnested.append(tag)
            if tag in self.stack:
                del self.stack[self.stack.index(tag):]
            return
        self.stack.pop()

    def handle_data(self, data):
        if MARK in data:
            self.places.append(tuple(self.stack))


def test_wiki_diff_html_cannot_leave_the_diff_table(env):
    """Finding 12: `</tbody></table>` in the wiki's diff HTML used to close the page's table."""
    settings, proxy = env

    def inject(answer):
        if isinstance(answer.get("compare"), dict) and "body" in answer["compare"]:
            answer["compare"]["body"] = answer["compare"]["body"].replace(
                "<td class=\"diff-addedline", BREAKOUT + "<td class=\"diff-addedline", 1) \
                + BREAKOUT + "</td></tr>"
        return answer

    proxy.transform = inject
    try:
        html = item_page(settings)
    finally:
        proxy.transform = None
    where = _Where()
    where.feed(html)
    assert 'class="diff-addedline' in html, "the diff's own rows stay"
    for stack in where.places:
        assert {"table", "tbody", "tr", "td"} <= set(stack), stack
    assert where.misnested == [], where.misnested
    assert html.count("<table") == html.count("</table>")


def test_the_rebuilt_rows_keep_the_diff_and_nothing_else():
    from bot.web.html import sanitize_diff

    rows = ('<tr><td class="diff-marker" data-marker="+"></td><td class="diff-addedline">'
            '<div>a <ins class="diffchange">b</ins> &lt;script&gt;</div></td></tr>')
    assert sanitize_diff(rows) == rows
    assert sanitize_diff(rows + BREAKOUT + "x</td></tr>") == rows + "<tr><td>x</td></tr>"
    closed = "<tr><td><div><span>open</span></div></td></tr>"
    assert sanitize_diff("<tr><td><div><span>open") == closed
    assert sanitize_diff("text<td>cell</td><tr>ok</tr>") == "<tr><td>cell</td></tr><tr></tr>"
