"""Issue 16, parts 1 and 8 through Flask's test client, over the real queue of the real bot
and the real local wiki: staff warnings (banner, list, acknowledge), reports (list, filters,
show, rejected ones with their reason), staff intake, the bans (also with an invalid bans
file), the bot's status, and the timeline opened from an item."""
from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest

from bot.app import App
from bot.storage import Ledger
from bot.web import create_app
from tests.unit.web.test_web import assert_inert, csrf_of, sign_in, signed_in
from tests.web_fixtures import PASSWORD

pytestmark = pytest.mark.wiki
PAGES = ("/warnings", "/warnings?all=1", "/reports", "/reports/new", "/bans", "/status")
HOSTILE = "<script>alert('warning')</script> javascript:alert(8)"
CONFIDENTIAL = ('[[ban]]\nid = "IB-SECRET-9"\nconfidential = true\nbanned = ["Xavier"]\n'
                'protected = ["Yolanda"]\nstart = 2026-11-01T00:00:00Z\n')


def test_staff_pages_need_a_signed_in_reviewer_and_csrf(review_env):
    client = review_env.flask().test_client()
    for path in PAGES + ("/reports/R-0000000000",):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith("/login"), path
    for path in ("/warnings/1/ack", "/reports/new"):
        assert client.post(path, data={"wiki": "testwiki"}).status_code == 403, path
    client = signed_in(review_env)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert_inert(response.get_data(as_text=True))
    assert client.post("/warnings/1/ack", data={"csrf": "x" * 43}).status_code == 403


def test_a_warning_is_shown_on_every_page_and_acknowledged(review_env):
    store = review_env.app().store
    ledger = Ledger(store)
    first = ledger.add_warning("testwiki", "unanalysed", f"rev:5 on [[{HOSTILE}]] could not "
                               "be analysed; check it by hand", review_env.clock(), "IB-1")
    ledger.add_warning("testwiki", "gap", "the wiki could not be read from 10:00 to 11:00",
                       review_env.clock())
    client = signed_in(review_env)
    for path in ("/", "/audit", "/bans", "/status", "/reports"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r'class="warning-banner".*<b>2</b> staff warnings', html, re.S), path
    page = client.get("/warnings").get_data(as_text=True)
    assert "check it by hand" in page and "&lt;script&gt;alert(&#39;warning&#39;)" in page
    assert "10:00 to 11:00" in page and page.count("Acknowledge as Rita Reviewer") == 2
    assert_inert(page)
    assert client.post(f"/warnings/{first}/ack", data={}).status_code == 403
    done = client.post(f"/warnings/{first}/ack", data={"csrf": csrf_of(page)})
    assert done.status_code == 302
    after = client.get(done.location).get_data(as_text=True)
    assert f"Warning {first} acknowledged by {review_env.reviewer}" in after
    assert "<b>1</b> staff warning to read" in after and "check it by hand" not in after
    read = ledger.get(first)
    assert read.acknowledged_by == review_env.reviewer and read.acknowledged_at is not None
    audit = [e for e in store.audit(limit=20) if e.action == "acknowledge"]
    assert [(e.actor, e.detail) for e in audit] == [
        (review_env.reviewer, f"staff warning {first} (unanalysed, wiki testwiki)")]
    # a second acknowledgment (another reviewer, or the CLI) changes nothing
    other = create_app(review_env.app(), secure_cookies=False).test_client()
    from bot.review import accounts
    from bot.web.passwords import hash_password
    accounts.add(store, "Otto Other", hash_password(PASSWORD), review_env.clock())
    assert sign_in(other, "Otto Other").status_code == 302
    csrf = csrf_of(other.get("/warnings").get_data(as_text=True))
    assert other.post(f"/warnings/{first}/ack", data={"csrf": csrf}).status_code == 302
    assert ledger.get(first).acknowledged_by == review_env.reviewer
    everything = client.get("/warnings?all=1").get_data(as_text=True)
    assert f"by {review_env.reviewer} at" in everything and "check it by hand" in everything
    assert client.post("/warnings/999999/ack", data={"csrf": csrf_of(page)}).status_code == 404


def test_reports_list_filters_and_show(review_env):
    client = signed_in(review_env)
    html = client.get("/reports").get_data(as_text=True)
    reference = re.search(r'href="/reports/(R-[0-9a-f]+)"', html)[1]
    assert "Victim &lt;script&gt;" in html and "queued" in html
    assert reference in client.get("/reports?outcome=queued&wiki=testwiki").get_data(
        as_text=True)
    bad = client.get("/reports?outcome=maybe")
    assert bad.status_code == 400 and "queued, rejected" in bad.get_data(as_text=True)
    assert client.get("/reports?wiki=enwiki").status_code == 400
    shown = client.get(f"/reports/{reference}").get_data(as_text=True)
    assert "They wrote on my talk page &lt;script&gt;" in shown and "entered by staff" in shown
    assert re.search(r'href="/items/\d+"', shown)
    assert_inert(html + shown)
    assert client.get("/reports/R-0000000000").status_code == 404


def _revid_of_a_breach(review_env) -> int:
    return next(i.revid for i in review_env.app().store.list_items() if i.revid)


def test_staff_intake_with_the_checks_of_report_add(review_env):
    client = signed_in(review_env)
    form = client.get("/reports/new").get_data(as_text=True)
    assert 'name="reporter"' in form and 'name="diffs"' in form
    csrf = csrf_of(form)
    base = {"csrf": csrf, "wiki": "testwiki", "reporter": "mail@example.org <b>",
            "note": "From: mail@example.org\r\nThey did it again <script>x</script>"}
    assert client.post("/reports/new", data={**base, "csrf": ""}).status_code == 403
    for diffs, error in (("", "at least one revision id"),
                         ("https://elsewhere.example/w/index.php?diff=5", "another wiki"),
                         ("yesterday", "not a revision id or a diff link")):
        refused = client.post("/reports/new", data={**base, "diffs": diffs})
        body = refused.get_data(as_text=True)
        assert refused.status_code == 400 and error in body, diffs
        assert "They did it again &lt;script&gt;" in body, "what was typed stays"
    blank = client.post("/reports/new", data={**base, "diffs": "5", "reporter": "  "})
    assert blank.status_code == 400 and "must name who reported it" in blank.get_data(
        as_text=True)
    assert client.post("/reports/new", data={**base, "diffs": "1", "wiki": "enwiki"}
                       ).status_code == 400

    rejected = client.post("/reports/new", data={**base, "diffs": "999999999"})
    assert rejected.status_code == 302
    page = client.get(rejected.location).get_data(as_text=True)
    assert "not queued" in page and "Rejected: why" in page and "999999999" in page
    listed = client.get("/reports?outcome=rejected").get_data(as_text=True)
    assert "999999999" in listed and "does not exist" in listed

    revid = _revid_of_a_breach(review_env)
    queued = client.post("/reports/new", data={**base, "diffs": f"Special:Diff/{revid}"})
    assert queued.status_code == 302
    page = client.get(queued.location).get_data(as_text=True)
    reference = re.search(r"Report (R-[0-9a-f]+) entered by", page)[1]
    assert "queued" in page and re.search(r'href="/items/\d+"', page)
    assert "They did it again &lt;script&gt;x&lt;/script&gt;" in page
    assert_inert(page)
    entries = [e for e in review_env.app().store.audit(limit=20) if e.action == "report-add"]
    assert entries[0].actor == review_env.reviewer and reference in entries[0].detail


def test_the_bans_page(review_env):
    client = signed_in(review_env)
    html = client.get("/bans").get_data(as_text=True)
    assert review_env.alice in html and review_env.bob in html and "two-way" in html
    assert "Project:Arbitration/*" in html and "in force" in html and "indefinite" in html
    assert '<td class="holes">none</td>' in html  # nothing missed (see the test below)
    assert "see &lt;script&gt;case&lt;/script&gt;" in html
    assert_inert(html)


def _with_bans(review_env, name: str, text: str):
    (review_env.settings.parent / name).write_text(text, encoding="utf-8")
    settings = review_env.settings.with_name(f"settings-{name}")
    settings.write_text(review_env.settings.read_text(encoding="utf-8").replace(
        'file = "bans.toml"', f'file = "{name}"'), encoding="utf-8")
    return settings


def test_the_bans_page_shows_confidential_bans_flagged(review_env):
    settings = _with_bans(review_env, "bans-secret.toml", CONFIDENTIAL)
    client = create_app(App.load(settings), secure_cookies=False).test_client()
    assert sign_in(client, review_env.reviewer).status_code == 302
    html = client.get("/bans").get_data(as_text=True)
    assert "IB-SECRET-9" in html and "<b>yes</b>" in html and "Xavier" in html


def test_bans_and_status_pages_work_with_an_invalid_bans_file(review_env, capsys):
    settings = _with_bans(review_env, "bans-broken.toml",
                          CONFIDENTIAL.replace('protected = ["Yolanda"]\n', ""))
    client = create_app(App.load(settings, need_bans=False), secure_cookies=False
                        ).test_client()
    assert sign_in(client, review_env.reviewer).status_code == 302
    for path in ("/bans", "/status"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert re.search(r'class="error" role="alert">(problem: )?bans file .* is invalid', html)
        assert "IB-SECRET-9" not in html, "a confidential ban's id is never shown"
    refused = client.post("/reports/new", data={
        "csrf": csrf_of(client.get("/reports/new").get_data(as_text=True)), "wiki": "testwiki",
        "diffs": "5", "reporter": "someone"})
    assert refused.status_code == 400 and "cannot be checked" in refused.get_data(as_text=True)


def test_the_status_page(review_env):
    client = signed_in(review_env)
    html = client.get("/status").get_data(as_text=True)
    assert "<td>testwiki</td><td>recentchanges</td>" in html
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>", html), "its last success"
    assert_inert(html)


def test_the_timeline_from_an_item_marks_its_event_and_links_queue_items(review_env):
    client = signed_in(review_env)
    store = review_env.app().store
    reply = next(i for i in store.list_items() if i.page == "Talk:Common ground")
    item_page = client.get(f"/items/{reply.id}").get_data(as_text=True)
    assert f'name="item" value="{reply.id}"' in item_page
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                           item_page.split('action="/timeline"')[1].split("</form>")[0]))
    form["csrf"] = csrf_of(item_page)
    form["start"] = (review_env.clock() - timedelta(days=2)).strftime("%Y-%m-%d")
    html = client.post("/timeline", data=form).get_data(as_text=True)
    assert f"Opened from <a href=\"/items/{reply.id}\">queue item {reply.id}</a>" in html
    own = re.findall(r'<tr class="side-0 own-event">.*?</tr>', html, re.S)
    assert len(own) == 1 and "this item's event" in own[0] and "Alice&#39;s reply" in own[0]
    assert f'<a class="queued" href="/items/{reply.id}">queue item {reply.id}</a>' in own[0]
    assert html.count("this item's event") == 1
    assert_inert(html)
    assert client.post("/timeline", data={**form, "item": "x1"}).status_code == 400
    assert client.post("/timeline", data={**form, "item": "999999"}).status_code == 404
    userspace = next(i for i in store.list_items(kind="userspace"))
    elsewhere = client.post("/timeline", data={**form, "item": str(userspace.id)}).get_data(
        as_text=True)
    assert "not among the rows" in elsewhere


def test_natural_order_of_pages():
    from bot.review.timeline import natural_key

    titles = ["Talk:Archive 10", "Talk:Archive 2", "talk:archive 3", "Banana", "apple",
              "Archive 1a", "Archive 1", "Archive"]
    assert sorted(titles, key=natural_key) == [
        "apple", "Archive", "Archive 1", "Archive 1a", "Banana", "Talk:Archive 2",
        "talk:archive 3", "Talk:Archive 10"]


def test_every_form_needs_the_csrf_token(review_env):
    client = signed_in(review_env)
    flask = review_env.flask()
    posts = [r for r in flask.url_map.iter_rules() if "POST" in (r.methods or ())]
    assert {"web.acknowledge_warning", "web.report_add", "web.timeline", "web.decide"} <= {
        r.endpoint for r in posts}
    for rule in posts:
        path = rule.rule.replace("<int:warning_id>", "1").replace("<int:item_id>", "1")
        path = re.sub(r"<[^>]+>", "testwiki", path)
        assert client.post(path, data={"wiki": "testwiki"}).status_code == 403, path


def test_the_bans_page_lists_each_bans_holes_until_they_are_covered(tmp_path):
    """bot.review.banlist.coverage_holes: the spans the stream was read without the ban (here: a
    bans
    file read half-written between two polls), per wiki and stream, from the store."""
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from bot.review import banlist
    from bot.storage import Store
    from bot.storage.coverage import Covered
    from bot.wiki.cursor import Position
    from detectors.bans import Ban

    t0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    at = lambda minutes: (t0 + timedelta(minutes=minutes), 0)  # noqa: E731
    store = Store(f"sqlite:///{tmp_path}/holes.sqlite3")
    store.upgrade()
    cursor = Position(t0 + timedelta(minutes=30), 0).format()
    for ids, a, b in ((("IB-1", "IB-2"), 0, 10), (("IB-2",), 10, 20), (("IB-1", "IB-2"), 20, 30)):
        store.save_batch("w", "recentchanges", cursor, [], t0,
                         covered=Covered(frozenset(ids), at(a), at(b)))
    bans = tuple(Ban(id=i, banned=("A",), protected=("B",), start=t0)
                 for i in ("IB-1", "IB-2"))
    app = SimpleNamespace(settings=SimpleNamespace(wiki_names=("w",)), store=store)
    holes = banlist.coverage_holes(app, bans)
    assert holes == {"IB-1": ["w (recentchanges): from 2026-12-01 10:10:00 UTC to "
                              "2026-12-01 10:20:00 UTC"], "IB-2": []}
