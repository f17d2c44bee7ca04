"""Precision from decisions (issue 16.6): the counts in the database (three backends), `ibanbot
stats` through main(argv), the web /stats page and the confidence legend page."""
from __future__ import annotations

import json

import pytest

from bot.cli.entry import main
from bot.review import stats
from bot.storage import Store
from tests.search_fixtures import T0, fill
from tests.unit.review.test_search import queue_config, web  # noqa: F401

WIKIS = ("devwiki", "otherwiki")
# (wiki, kind, band) -> (new, confirmed, dismissed, needs-info, precision)
EXPECTED = {
    ("*", "userspace", "0.90-1.00"): (1, 0, 0, 1, None),
    ("*", "reply", "0.50-0.69"): (1, 0, 0, 0, None),
    ("*", "mention", "0.90-1.00"): (1, 0, 0, 0, None),
    ("*", "edit-change", "0.00-0.49"): (0, 0, 1, 0, 0.0),
    ("*", "log-action", "0.70-0.89"): (0, 1, 0, 0, 1.0),
    ("devwiki", "userspace", "0.90-1.00"): (1, 0, 0, 0, None),
    ("devwiki", "reply", "0.50-0.69"): (1, 0, 0, 0, None),
    ("devwiki", "mention", "0.90-1.00"): (1, 0, 0, 0, None),
    ("devwiki", "edit-change", "0.00-0.49"): (0, 0, 1, 0, 0.0),
    ("devwiki", "log-action", "0.70-0.89"): (0, 1, 0, 0, 1.0),
    ("otherwiki", "userspace", "0.90-1.00"): (0, 0, 0, 1, None),
}


def table(figures: stats.Stats) -> dict:
    return {(r.wiki, r.kind, r.band): (r.new, r.confirmed, r.dismissed, r.needs_info,
                                       r.precision) for r in figures.rows}


def test_counts_per_kind_band_and_wiki(store: Store) -> None:
    ids = fill(store)
    assert table(stats.precision(store, WIKIS)) == EXPECTED
    only = table(stats.precision(store, WIKIS, wiki="otherwiki"))
    assert only == {("otherwiki", "userspace", "0.90-1.00"): (0, 0, 0, 1, None)}
    recent = table(stats.precision(store, WIKIS, since=T0.replace(hour=0)))
    assert recent == {k: v for k, v in EXPECTED.items() if k[1] == "log-action"}
    store.decide(ids["B"], "confirmed", "Rita", "", T0)
    store.decide(ids["A"], "dismissed", "Rita", "", T0)
    figures = table(stats.precision(store, WIKIS))
    assert figures[("*", "mention", "0.90-1.00")] == (0, 1, 0, 0, 1.0)
    assert figures[("*", "userspace", "0.90-1.00")] == (0, 0, 1, 1, 0.0)


def test_an_unknown_wiki_is_a_usage_error(store: Store) -> None:
    with pytest.raises(Exception) as info:
        stats.precision(store, WIKIS, wiki="enwiki")
    assert "no wiki named 'enwiki'; use one of devwiki, otherwiki" in str(info.value)


def run(config, capsys, *argv):
    code = main(["--config", str(config), "stats", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_stats_table_and_json_hold_no_names(queue_config, capsys) -> None:
    config, _ = queue_config
    code, out, err = run(config, capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["WIKI", "KIND", "CONFIDENCE", "NEW", "CONFIRMED", "DISMISSED",
                                "NEEDS-INFO", "PRECISION"]
    assert lines[1].split()[:3] == ["all", "userspace", "0.90-1.00"]
    assert any(line.split() == ["all", "log-action", "0.70-0.89", "0", "1", "0", "0", "100%"]
               for line in lines)
    code, out, err = run(config, capsys, "--format", "json", "--wiki", "devwiki",
                         "--since", "2026-11-20")
    figures = json.loads(out)
    assert code == 0 and figures["wiki"] == "devwiki" and figures["since"] == "2026-11-20T00:00:00Z"
    assert {r["wiki"] for r in figures["rows"]} == {"devwiki"}
    assert {"kind": "edit-change", "band": "0.00-0.49", "dismissed": 1,
            "precision": 0.0}.items() <= next(r for r in figures["rows"]
                                                if r["kind"] == "edit-change").items()
    for text in (out, run(config, capsys)[1]):
        for secret in ("Alice", "Bob", "Carol", "Caroline", "Dave", "Eve", "IB-1", "IB-2",
                       "Rita"):
            assert secret not in text


@pytest.mark.parametrize("argv,message", [
    (["--wiki", "enwiki"], "stats: no wiki named 'enwiki'; use one of devwiki, otherwiki"),
    (["--since", "last week"], "stats: --since must be a date (YYYY-MM-DD)"),
    (["--format", "csv"], "invalid choice"),
])
def test_cli_stats_errors(queue_config, capsys, argv, message) -> None:
    code, out, err = run(queue_config[0], capsys, *argv)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_web_stats_and_legend_pages(web) -> None:
    page = web.get("/stats")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<td class="precision">100%</td>' in body and '<td class="precision">0%</td>' in body
    assert 'href="/help/confidence#log-action"' in body
    for secret in ("Alice", "Bob", "Carol", "Dave", "IB-1", "IB-2"):
        assert secret not in body
    only = web.get("/stats", query_string={"wiki": "otherwiki"}).get_data(as_text=True)
    assert only.count('<tr class="">') == 1
    assert web.get("/stats", query_string={"wiki": "enwiki"}).status_code == 400
    assert web.get("/stats", query_string={"since": "soon"}).status_code == 400
    legend = web.get("/help/confidence").get_data(as_text=True)
    for kind in ("userspace", "reply", "mention", "revert", "edit-change", "thanks",
                 "log-action"):
        assert f'id="{kind}"' in legend
    assert "0.40-0.90" in legend and "0.45" in legend


def test_pages_need_sign_in(queue_config) -> None:
    from bot.app import App
    from bot.web import create_app
    client = create_app(App.load(queue_config[0]), secure_cookies=False).test_client()
    for path in ("/stats", "/help/confidence", "/?kind=reply"):
        assert client.get(path).status_code == 302
