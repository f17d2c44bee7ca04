"""One item view (bot.review.item) under `queue show` and the web item page: both entry points
show what the use case built, for every kind of item (issue 15: parity of the shared use cases).

Six items (tests/search_fixtures.py): A, B, E under IB-1 (confidential here), C and D under
IB-2, which this bans file no longer holds, F reported under no ban. Carol is Caroline now.
"""
from __future__ import annotations

import html
import json
import re

import pytest

from bot.app import App
from bot.cli.entry import main
from bot.review import item as itemview
from bot.web import create_app
from tests.search_fixtures import LABELS, queue_folder

PASSWORD = "Correct-horse-battery-9"
SETTINGS = ('[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:9/api.php"\n'
            '[[wikis]]\nname = "otherwiki"\napi = "http://127.0.0.1:9/w/api.php"\n'
            '[web]\npage_wait_seconds = 0.01\nwiki_timeout_seconds = 0.5\n')
BANS = ('[[ban]]\nid = "IB-1"\nbanned = ["Alice"]\nprotected = ["Bob"]\n'
        'start = 2026-11-01T00:00:00Z\nwikis = ["*"]\nconfidential = true\n')


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return queue_folder(tmp_path_factory.mktemp("itemview"), SETTINGS, BANS, PASSWORD)


@pytest.fixture(scope="module")
def web(env):
    client = create_app(App.load(env[0]), secure_cookies=False).test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]
    client.post("/login", data={"csrf": csrf, "name": "Rita Reviewer", "password": PASSWORD})
    return client


def show(config, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), "queue", "show", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def facts(view: itemview.ItemView) -> list[str]:
    """What both renderings must say of the view."""
    item = view.item
    said = [f"Queue item {item.id}", item.status, item.wiki, item.actor, item.target,
            item.page, *view.notes, *(f.evidence for f in item.findings),
            *(f"{f.confidence:.2f}" for f in item.findings), view.links.diff]
    if view.current_actor and view.current_actor != item.actor:
        said.append(f"now {view.current_actor}")
    for d in item.decisions:
        said += [d.reviewer, d.decision]
    for r in view.reports:
        said += [r.reference, r.reporter, *(r.text or "").splitlines()]
    if len(view.case.item_ids) > 1:
        said.append(f"case {view.case.id}")
    return [s for s in said if s]


@pytest.mark.parametrize("label", LABELS)
def test_cli_and_web_show_the_same_item_view(env, web, capsys, label) -> None:
    config, ids = env
    view = itemview.item_view(App.load(config, need_bans=False), ids[label])
    code, text, err = show(config, capsys, str(ids[label]))
    assert code == 0 and err == ""
    assert text == itemview.render_text(view) + "\n"
    code, out, _ = show(config, capsys, str(ids[label]), "--format", "json")
    assert code == 0 and json.loads(out) == view.to_json()
    page = web.get(f"/items/{ids[label]}")
    assert page.status_code == 200
    body = html.unescape(page.get_data(as_text=True))
    for fact in facts(view):
        assert fact in text, (label, fact)
        assert fact in body, (label, fact)


def test_the_view_says_what_each_ban_state_means(env) -> None:
    config, ids = env
    app = App.load(config, need_bans=False)
    notes = {label: itemview.item_view(app, ids[label]).notes for label in LABELS}
    assert notes["A"] == notes["B"] == notes["E"] == (itemview.CONFIDENTIAL_NOTE,)
    assert notes["C"] == notes["D"] == (itemview.GONE_NOTE,)
    assert notes["F"][0].startswith("reported; no registered ban")
    renamed = itemview.item_view(app, ids["C"])
    assert (renamed.item.actor, renamed.current_actor) == ("Carol", "Caroline")
    reported = itemview.item_view(app, ids["B"])
    assert [r.reference for r in reported.reports] == ["R-1"]
    assert reported.case.item_ids == (ids["A"], ids["B"])  # one actor, one target, 1 day apart


def test_json_is_the_design_item_then_reports_case_and_notes(env, capsys) -> None:
    config, ids = env
    code, out, _ = show(config, capsys, str(ids["B"]), "--format", "json")
    shown = json.loads(out)
    assert list(shown)[:13] == ["id", "wiki", "ban_id", "actor", "target", "page", "revid",
                                "logid", "timestamp", "detected_at", "status", "source",
                                "findings"]
    assert list(shown)[-3:] == ["reports", "case", "notes"]
    assert shown["case"] == {"id": ids["A"], "item_ids": [ids["A"], ids["B"]]}
    assert shown["notes"] == [itemview.CONFIDENTIAL_NOTE]


def test_a_missing_item_is_the_same_error_in_both(env, web, capsys) -> None:
    config, _ = env
    code, out, err = show(config, capsys, "999")
    assert (code, out) == (1, "") and err == "Error: queue item 999 does not exist\n"
    page = web.get("/items/999")
    assert page.status_code == 404
    assert "queue item 999 does not exist" in page.get_data(as_text=True)


def test_an_unreadable_bans_file_is_said_not_taken_for_a_removed_ban(env, tmp_path,
                                                                     capsys) -> None:
    config, ids = env
    broken = tmp_path / "settings.toml"
    broken.write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bans.toml").write_text("[[ban]]\nid = \n", encoding="utf-8")
    (tmp_path / "ibanbot.sqlite3").write_bytes((config.parent / "ibanbot.sqlite3").read_bytes())
    code, out, err = show(broken, capsys, str(ids["A"]))
    assert code == 0 and f"Note: {itemview.UNREAD_NOTE}" in out
    assert itemview.GONE_NOTE not in out and "bans file" in err
    assert "do not mention it on-wiki" in itemview.UNREAD_NOTE  # it may be confidential


def test_the_web_ui_follows_the_bans_file(env, tmp_path) -> None:
    """A web UI serving for weeks shows the bans in force: a ban registered again (here as
    confidential) shows so on its items, an invalid file keeps the last good bans."""
    config, ids = env
    folder = tmp_path
    (folder / "settings.toml").write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "bans.toml").write_text(BANS, encoding="utf-8")
    (folder / "ibanbot.sqlite3").write_bytes((config.parent / "ibanbot.sqlite3").read_bytes())
    flask = create_app(App.load(folder / "settings.toml"), secure_cookies=False)
    client = flask.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]
    client.post("/login", data={"csrf": csrf, "name": "Rita Reviewer", "password": PASSWORD})
    follower, later = flask.extensions["ibanbot.bans"], iter(range(10, 10_000, 10))
    follower.clock, follower.checked = (lambda: next(later)), 0

    def notes(label: str) -> str:
        return html.unescape(client.get(f"/items/{ids[label]}").get_data(as_text=True))

    assert itemview.GONE_NOTE in notes("C")
    (folder / "bans.toml").write_text(BANS + BANS.replace("IB-1", "IB-2").replace(
        '"Alice"', '"Carol"').replace('"Bob"', '"Dave"'), encoding="utf-8")
    shown = notes("C")
    assert itemview.CONFIDENTIAL_NOTE in shown and itemview.GONE_NOTE not in shown
    (folder / "bans.toml").write_text("[[ban]]\nid = \n", encoding="utf-8")
    shown = notes("C")
    assert itemview.CONFIDENTIAL_NOTE in shown  # the last good bans stay in force
