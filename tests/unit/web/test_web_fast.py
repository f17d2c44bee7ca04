"""Fast pages (issue 16, part 7): with the wiki down, every page answers within a second and
says what it could not fetch; a diff once fetched is kept with its item and purged with it.

"Down" here is the worst kind: the wiki's address accepts connections (the kernel's backlog)
and never answers, so only a timeout ends a read. A refused connection fails at once anyway.
"""
from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app import App
from bot.web import create_app
from tests.unit.web.test_web import csrf_of, first_item_id, sign_in

pytestmark = pytest.mark.wiki
FAST = 1.0  # seconds: the bound for every page with the wiki down


@pytest.fixture(scope="module")
def hung_api() -> Iterator[str]:
    """An address that accepts TCP connections and never answers them."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api.php"
    finally:
        listener.close()


@pytest.fixture(scope="module")
def down_settings(review_env, hung_api):
    """The review fixture's settings, with its wiki's API at the hung address."""
    text = review_env.settings.read_text(encoding="utf-8")
    down = review_env.settings.with_name("settings-wiki-down.toml")
    text = re.sub(r"^page_wait_seconds = .*\n", "", text, flags=re.M)  # the default wait
    down.write_text(re.sub(r'^api = ".*"$', f'api = "{hung_api}"', text, flags=re.M),
                    encoding="utf-8")
    return down


def client_for(settings, review_env):
    client = create_app(App.load(settings, now=review_env.clock),
                        secure_cookies=False).test_client()
    assert sign_in(client, review_env.reviewer).status_code == 302
    return client


def timed_get(client, path: str) -> tuple[float, str, int]:
    started = time.monotonic()
    response = client.get(path)
    return time.monotonic() - started, response.get_data(as_text=True), response.status_code


def test_an_item_page_opens_within_a_second_with_the_wiki_down(review_env, down_settings):
    up = client_for(review_env.settings, review_env)
    shown = first_item_id(up, kind="mention")  # its diff is fetched once, and kept
    assert 'class="diff-addedline' in up.get(f"/items/{shown}").get_data(as_text=True)
    client = client_for(down_settings, review_env)
    never = first_item_id(client, kind="userspace")
    seconds, html, code = timed_get(client, f"/items/{never}")
    print(f"item page with the wiki down: {seconds:.2f} s")
    assert code == 200 and seconds < FAST
    assert "could not fetch the diff" in html and "table class=\"diff\"" not in html
    seconds, html, code = timed_get(client, f"/items/{shown}")
    assert code == 200 and seconds < FAST
    assert 'class="diff-addedline' in html, "the diff kept with the item"
    assert "could not fetch" not in html


def test_every_page_answers_within_a_second_with_the_wiki_down(review_env, down_settings):
    client = client_for(down_settings, review_env)
    for path in ("/", "/audit", "/timeline", "/warnings", "/reports", "/reports/new", "/bans",
                 "/status"):
        seconds, _, code = timed_get(client, path)
        assert code == 200 and seconds < FAST, path
    csrf = csrf_of(client.get("/timeline").get_data(as_text=True))
    today = review_env.clock()
    started = time.monotonic()
    response = client.post("/timeline", data={
        "csrf": csrf, "wiki": "testwiki", "first": review_env.alice, "second": review_env.bob,
        "start": (today - timedelta(days=1)).strftime("%Y-%m-%d"),
        "end": today.strftime("%Y-%m-%d")})
    seconds = time.monotonic() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and seconds < FAST
    assert "could not fetch the contributions" in html


def test_a_report_entered_while_the_wiki_is_down_is_refused_at_once(review_env,
                                                                   down_settings):
    client = client_for(down_settings, review_env)
    before = len(client.get("/reports").get_data(as_text=True).split('href="/reports/R-'))
    csrf = csrf_of(client.get("/reports/new").get_data(as_text=True))
    started = time.monotonic()
    response = client.post("/reports/new", data={
        "csrf": csrf, "wiki": "testwiki", "diffs": "12345", "reporter": "someone@example.org",
        "note": "typed by hand, not to be lost"})
    seconds = time.monotonic() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and seconds < FAST
    assert "the report was not entered: wiki testwiki" in html
    assert "typed by hand, not to be lost" in html and "someone@example.org" in html
    after = len(client.get("/reports").get_data(as_text=True).split('href="/reports/R-'))
    assert after == before
