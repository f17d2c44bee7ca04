"""Case pages of the review web UI (issue 16 part 3), Flask's test client over the real queue
of tests/web_fixtures.py (one ban, one actor, one target: one case)."""
from __future__ import annotations

import re

import pytest

from tests.unit.web.test_web import assert_inert, csrf_of, signed_in
from tests.unit.web.test_web_decisions import _second_reviewer

pytestmark = pytest.mark.wiki


def _seen(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="seen" value="([^"]+)">', html)


def test_case_page_lists_items_in_order_and_decides_them_all(review_env):
    client, store = signed_in(review_env), review_env.app().store
    mine = sorted((i for i in store.list_items() if i.ban_id),
                  key=lambda i: (i.timestamp, i.id))
    assert len(mine) >= 3
    listing = client.get("/cases").get_data(as_text=True)
    case_id = mine[0].id
    assert f'href="/cases/{case_id}"' in listing and f"new {len(mine)}" in listing
    item_page = client.get(f"/items/{mine[-1].id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}#item-{mine[-1].id}"' in item_page
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert_inert(page)
    assert [int(m) for m in re.findall(r'<article class="case-item" id="item-(\d+)"', page)] == [
        i.id for i in mine]
    assert page.index('<section class="decide">') < page.index('<section class="case-items">')
    assert 'class="diff-addedline' in page and "userspace" in page
    assert _seen(page) == [f"{i.id}:new" for i in mine]
    assert client.get(f"/cases/{mine[1].id}").status_code == 404  # not a case's first item
    done = client.post(f"/cases/{case_id}/decide", data={
        "csrf": csrf_of(page), "seen": _seen(page), "decision": "confirmed", "note": "all"})
    assert done.status_code == 302 and done.location == f"/cases/{case_id}?recorded={len(mine)}"
    shown = client.get(done.location).get_data(as_text=True)
    assert f"Recorded: <b>confirmed</b> by {review_env.reviewer} on {len(mine)} items" in shown
    for i in mine:
        item = store.get_item(i.id)
        assert item.status == "confirmed" and item.decisions[-1].note == "all"
        assert store.audit(item_id=i.id)[0].detail == f"status new -> confirmed (case {case_id})"
    decided = client.get("/cases?status=confirmed").get_data(as_text=True)
    assert f'href="/cases/{case_id}"' in decided and f"confirmed {len(mine)}" in decided


def test_a_case_decided_meanwhile_is_not_overwritten(review_env):
    rita, sam = signed_in(review_env), _second_reviewer(review_env, "Sam Cases")
    store = review_env.app().store
    case_id = min(i.id for i in store.list_items() if i.ban_id)
    page = rita.get(f"/cases/{case_id}").get_data(as_text=True)
    sam_page = sam.get(f"/cases/{case_id}").get_data(as_text=True)
    assert sam.post(f"/cases/{case_id}/decide", data={
        "csrf": csrf_of(sam_page), "seen": _seen(sam_page), "decision": "dismissed",
        "force": "1"}).status_code == 302
    before = [(e.id) for e in store.audit(limit=None)]
    late = rita.post(f"/cases/{case_id}/decide", data={
        "csrf": csrf_of(page), "seen": _seen(page), "decision": "needs-info"})
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "nothing was recorded on any item" in html
    assert "dismissed</b> by Sam Cases" in html and "Change them anyway" in html
    assert [(e.id) for e in store.audit(limit=None)] == before
    anyway = dict(re.findall(r'<input type="hidden" name="(force|decision)" value="([^"]*)"',
                             html))
    assert rita.post(f"/cases/{case_id}/decide", data={
        "csrf": csrf_of(html), "seen": _seen(html), **anyway}).status_code == 302
    assert {i.status for i in store.list_items() if i.ban_id} == {"needs-info"}
    assert rita.post(f"/cases/{case_id}/decide", data={
        "csrf": csrf_of(html), "seen": ["1:bogus"], "decision": "confirmed"}).status_code == 400


def test_cases_need_sign_in_and_csrf(review_env):
    anonymous = review_env.flask().test_client()
    for path in ("/cases", "/cases/1"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.location.endswith("/login"), path
    assert anonymous.post("/cases/1/decide", data={"decision": "confirmed"}).status_code == 403
    client = signed_in(review_env)
    forged = client.post("/cases/1/decide", data={"decision": "confirmed", "csrf": "x" * 43})
    assert forged.status_code == 403
    assert client.get("/cases?status=bogus").status_code == 400
    assert client.get(f"/cases/{2**64}").status_code == 404


def test_the_case_page_opens_the_timeline_of_its_actor_and_target(review_env):
    client, store = signed_in(review_env), review_env.app().store
    case_id = min(i.id for i in store.list_items() if i.ban_id)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    form = dict(re.findall(r'<input type="hidden" name="(wiki|first|second|start|end)" '
                           r'value="([^"]*)"', page))
    assert (form["first"], form["second"]) == (review_env.alice, review_env.bob)
    timeline = client.post("/timeline", data={**form, "csrf": csrf_of(page)})
    assert timeline.status_code == 200 and "Talk:Common ground" in timeline.get_data(
        as_text=True)
