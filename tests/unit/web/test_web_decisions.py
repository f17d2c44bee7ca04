"""The web item page and its decide form: no decision silently replaces another (issue 13.5),
the triage loop (issue 16.2). Flask's test client over the real queue of tests/web_fixtures.py."""
from __future__ import annotations

import re

import pytest

from bot.review import accounts
from bot.web.passwords import hash_password
from tests.unit.web.test_web import first_item_id, sign_in, signed_in
from tests.web_fixtures import PASSWORD

pytestmark = pytest.mark.wiki


def _form(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action`."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>',
                     html, re.S)[1]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _second_reviewer(env, name: str):
    accounts.add(env.app().store, name, hash_password(PASSWORD), env.clock())
    client = env.flask().test_client()
    assert sign_in(client, name).status_code == 302
    return client


def test_a_decision_made_meanwhile_is_not_overwritten(review_env):
    rita, sam = signed_in(review_env), _second_reviewer(review_env, "Sam Second")
    item_id = first_item_id(rita, status="new")
    action = f"/items/{item_id}/decide"
    rita_form = _form(rita.get(f"/items/{item_id}").get_data(as_text=True), action)
    assert rita_form["seen"] == "new"
    sam_form = _form(sam.get(f"/items/{item_id}").get_data(as_text=True), action)
    assert sam.post(action, data={**sam_form, "decision": "confirmed"}).status_code == 302
    late = rita.post(action, data={**rita_form, "decision": "dismissed", "note": "mine"})
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "confirmed</b> by Sam Second" in html and "nothing was recorded" in html
    item = review_env.app().store.get_item(item_id)
    assert item.status == "confirmed" and [d.reviewer for d in item.decisions] == ["Sam Second"]
    anyway = _form(html, action)
    assert (anyway["seen"], anyway["force"], anyway["decision"], anyway["note"]) == (
        "confirmed", "1", "dismissed", "mine")
    assert "Change it anyway" in html
    assert rita.post(action, data=anyway).status_code == 302
    item = review_env.app().store.get_item(item_id)
    assert item.status == "dismissed"
    assert [(d.reviewer, d.decision) for d in item.decisions] == [
        ("Sam Second", "confirmed"), (review_env.reviewer, "dismissed")]


def test_changing_a_decided_item_needs_the_confirmation(review_env):
    client = signed_in(review_env)
    item_id = first_item_id(client, status="new")
    action = f"/items/{item_id}/decide"
    form = _form(client.get(f"/items/{item_id}").get_data(as_text=True), action)
    assert client.post(action, data={**form, "decision": "confirmed"}).status_code == 302
    form = _form(client.get(f"/items/{item_id}").get_data(as_text=True), action)
    assert form["seen"] == "confirmed"
    again = client.post(action, data={**form, "decision": "needs-info"})
    assert again.status_code == 409 and "already confirmed" in again.get_data(as_text=True)
    without_seen = client.post(action, data={"csrf": form["csrf"], "decision": "dismissed"})
    assert without_seen.status_code == 409
    assert review_env.app().store.get_item(item_id).status == "confirmed"
    assert len(review_env.app().store.get_item(item_id).decisions) == 1


def test_record_and_next_follows_the_filter_and_says_what_was_recorded(review_env):
    client = signed_in(review_env)
    store = review_env.app().store
    # the web queue's order: oldest first (list_items gives newest first)
    listed = [i.id for i in reversed(store.list_items(status="new", wiki=None))]
    assert len(listed) >= 2
    first, second = listed[0], listed[1]
    page = client.get(f"/items/{first}?status=new").get_data(as_text=True)
    assert page.index('<section class="decide">') < page.index('<section class="diff">')
    for key in "cdisnq":
        assert f'accesskey="{key}"' in page
    assert f'href="/items/{second}?status=new" accesskey="n"' in page
    action = f"/items/{first}/decide?status=new"
    done = client.post(action, data={**_form(page, action), "decision": "needs-info"})
    assert done.status_code == 302
    assert done.location == f"/items/{second}?recorded={first}&status=new"
    shown = client.get(done.location).get_data(as_text=True)
    assert (f"Recorded: <b>needs-info</b> by {review_env.reviewer} on "
            f'<a href="/items/{first}?status=new">item {first}</a>') in shown
    assert f'href="/items/{first}?status=new" accesskey="p"' not in shown  # not `new` now
    stay = client.post(f"/items/{second}/decide?status=new",
                       data={**_form(shown, f"/items/{second}/decide?status=new"),
                             "decision": "needs-info", "stay": "1"})
    assert stay.location == f"/items/{second}?recorded={second}&status=new"
    last = listed[-1]
    page = client.get(f"/items/{last}?status=new").get_data(as_text=True)
    done = client.post(f"/items/{last}/decide?status=new",
                       data={**_form(page, f"/items/{last}/decide?status=new"),
                             "decision": "needs-info"})
    assert done.location == f"/items/{last}?recorded={last}&last=1&status=new"
    assert "that was the last item of this list" in client.get(done.location).get_data(
        as_text=True)
    assert client.get(f"/items/{first}?status=bogus").status_code == 400


def test_queue_rows_carry_the_filter_to_the_item(review_env):
    client = signed_in(review_env)
    html = client.get("/?kind=mention&status=any").get_data(as_text=True)  # decided ones too
    assert re.search(r'href="/items/\d+\?status=any&amp;kind=mention"', html)
