"""The web item page and its decide form: no decision silently replaces another (issue 13.5),
the triage loop (issue 16.2). Flask's test client over the real queue of tests/web_fixtures.py."""
from __future__ import annotations

import re

import pytest

from bot.web import accounts
from tests.test_web import csrf_of, first_item_id, sign_in, signed_in
from tests.web_fixtures import PASSWORD, review_env  # noqa: F401

pytestmark = pytest.mark.wiki


def _form(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action`."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>',
                     html, re.S)[1]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _second_reviewer(env, name: str):
    accounts.add(env.app().store, name, PASSWORD, env.clock())
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
