"""Queue search (issue 16.4): one parse for the CLI and the web, filtering, sorting and paging in
the database. The same cases run through the store (SQLite, PostgreSQL, MariaDB), through
`main(argv)` and through the web queue page: same items, same errors."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.cli.entry import main
from bot.errors import UsageError
from bot.storage import Store
from bot.storage import query as search
from bot.web import create_app
from tests.search_fixtures import T0, fill, labels, queue_folder

PASSWORD = "Correct-horse-battery-9"
SETTINGS = ('[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:9/api.php"\n'
            '[[wikis]]\nname = "otherwiki"\napi = "http://127.0.0.1:9/w/api.php"\n')
BANS = ('[[ban]]\nid = "IB-1"\nbanned = ["Alice"]\nprotected = ["Bob"]\n'
        'start = 2026-11-01T00:00:00Z\nwikis = ["*"]\n'
        '[[ban]]\nid = "IB-2"\nbanned = ["Carol"]\nprotected = ["Dave"]\n'
        'start = 2026-11-01T00:00:00Z\nwikis = ["devwiki"]\nconfidential = true\n')

# (filters, the labels found, in order). Default: every status, newest first.
CASES = [
    ({}, "DFCBAE"),
    ({"status": "new"}, "FBA"),
    ({"status": "any"}, "DFCBAE"),
    ({"status": "dismissed"}, "C"),
    ({"wiki": "otherwiki"}, "E"),
    ({"ban": "IB-2"}, "DC"),
    ({"kind": "reply"}, "B"),
    ({"kind": "thanks"}, ""),
    ({"source": "report"}, "F"),
    ({"source": "detector", "wiki": "devwiki"}, "DCBA"),
    ({"actor": "Alice"}, "BAE"),
    ({"actor": "alice"}, "BAE"),  # the first letter, as MediaWiki
    ({"actor": "Caroline"}, "DC"),  # the current name finds the items made under the old
    ({"actor": "Carol"}, "DC"),  # and the old name the items made under the new
    ({"actor": "Mallory"}, ""),
    ({"target": "David"}, "DC"),  # Dave's current name
    ({"target": "Dave"}, "DC"),
    ({"target": "Bob", "wiki": "devwiki"}, "FBA"),
    ({"title": "Talk:Foo"}, "FB"),
    ({"title": "Talk:Foo_bar"}, "C"),
    ({"title": "Talk:Foo*"}, "DFCB"),
    ({"title": "Talk:Fo%"}, ""),  # % and _ are no wildcards
    ({"title": "Talk:foo*"}, ""),  # case counts, on every database
    ({"title": "Talk:Foo/*"}, "D"),
    ({"revid": "10"}, "AE"),
    ({"logid": "5"}, "D"),
    ({"report": "R-1"}, "FB"),
    ({"report": "R-404"}, ""),
    ({"since": "2026-11-26"}, "DFC"),
    ({"until": "2026-11-25"}, "BAE"),
    ({"since": "2026-11-25", "until": "2026-11-25"}, "B"),
    ({"since": "2026-11-27T12:00:00Z"}, "D"),
    ({"since": "2026-11-27T17:15:42Z", "until": "2026-11-27T17:15:42Z"}, "D"),  # that second
    ({"until": "2026-11-27T17:15:41Z", "since": "2026-11-27"}, "F"),
    ({"min_confidence": "0.9"}, "BAE"),
    ({"min_confidence": "0.8"}, "DBAE"),
    ({"sort": "oldest"}, "EABCFD"),
    ({"sort": "most-confident"}, "AEBDCF"),  # 1.0 (newest first), 0.95, 0.8, 0.3, none
    ({"sort": "least-confident"}, "FCDBEA"),
    ({"limit": "2"}, "DF"),
    ({"limit": "2", "page": "2"}, "CB"),
    ({"limit": "2", "page": "3"}, "AE"),
    ({"limit": "2", "page": "4"}, ""),
    ({"threshold": "below"}, ""),  # no [review.queue_min_confidence] here: nothing is below it
]
# (filters, a fragment of the one-line error)
ERRORS = [
    ({"kind": "replies"}, "filter kind must be one of userspace, reply, mention, revert, "
                          "edit-change, thanks, log-action; not 'replies'"),
    ({"wiki": "enwiki"}, "filter wiki must be one of devwiki, otherwiki; not 'enwiki'"),
    ({"status": "open"}, "filter status must be one of new, confirmed, dismissed, needs-info, "
                         "any; not 'open'"),
    ({"source": "bot"}, "filter source must be one of detector, report; not 'bot'"),
    ({"ban": "IB-9"}, "filter ban must be one of IB-1, "),
    ({"revid": "x"}, "filter revid must be a whole number, not 'x'"),
    ({"logid": "0"}, "filter logid must be from 1 to"),
    ({"revid": "99999999999999999999"}, "filter revid must be from 1 to"),
    ({"since": "yesterday"}, "filter since must be a date (YYYY-MM-DD)"),
    ({"until": "2026-02-30"}, "filter until must be a date"),
    ({"since": "2026-11-27", "until": "2026-11-26"}, "filter until must not be before since"),
    ({"min_confidence": "1.5"}, "filter min_confidence must be a number from 0 to 1, not '1.5'"),
    ({"min_confidence": "nan"}, "filter min_confidence must be a number from 0 to 1"),
    ({"sort": "best"}, "filter sort must be one of newest, oldest, most-confident, "
                       "least-confident; not 'best'"),
    ({"threshold": "none"}, "filter threshold must be one of shown, below, all; not 'none'"),
    ({"limit": "0"}, "filter limit must be from 1 to 10000"),
    ({"limit": "20000"}, "filter limit must be from 1 to 10000"),
    ({"page": "x"}, "filter page must be a whole number"),
    ({"actor": "A" * 300}, "filter actor is longer than 255 characters"),
]
CHOICES = search.Choices(wikis=["devwiki", "otherwiki"], bans=["IB-1", "IB-2"])


def case_id(case: tuple) -> str:
    return ",".join(f"{k}={v[:20]}" for k, v in case[0].items()) or "default"


# -- the store, on every database ----------------------------------------------------------
def test_every_filter_in_the_database(store: Store) -> None:
    ids = fill(store)
    failures = []
    for filters, expected in CASES:
        items, more = store.search(search.parse(filters, CHOICES))
        found = labels(ids, [i.id for i in items])
        if found != expected:
            failures.append(f"{filters}: {found!r}, expected {expected!r}")
    assert failures == []
    _, more = store.search(search.parse({"limit": "5"}, CHOICES))
    assert more and not store.search(search.parse({"limit": "6"}, CHOICES))[1]
    assert sorted(store.queue_values()[0]) == ["devwiki", "otherwiki"]
    assert sorted(store.queue_values()[1]) == ["IB-1", "IB-2"]  # never the empty ban


def test_thresholds_hide_low_findings_but_keep_them(store: Store) -> None:
    ids = fill(store)
    limits = {"edit-change": 0.5, "reply": 0.7, "log-action": 0.8}
    def found(**filters: str) -> str:
        return labels(ids, [i.id for i in store.search(search.parse(filters, CHOICES),
                                                       limits)[0]])
    assert found() == "DFBAE"  # C's only finding (0.3) is under 0.5; D's 0.8 reaches 0.8;
    assert found(threshold="below") == "C"  # B's reply is under 0.7, its mention is not
    assert found(threshold="all") == "DFCBAE"  # F has no finding: never below
    assert found(threshold="below", sort="oldest", status="dismissed") == "C"
    assert store.count_below(search.parse({}, CHOICES), limits) == 1
    assert store.count_below(search.parse({"status": "new"}, CHOICES), limits) == 0
    assert store.count_below(search.parse({}, CHOICES), {}) == 0


def test_previous_and_next_follow_every_order(store: Store) -> None:
    """For each sort and some filters, an item's neighbours are those of the listed page."""
    ids = fill(store)
    failures = []
    for sort in search.SORTS:
        for extra in ({}, {"status": "new"}, {"wiki": "devwiki", "min_confidence": "0.5"}):
            wanted = search.parse({"sort": sort, **extra}, CHOICES)
            order = [i.id for i in store.search(wanted)[0]]
            for n, item_id in enumerate(order):
                expected = (order[n - 1] if n else None,
                            order[n + 1] if n + 1 < len(order) else None)
                if store.adjacent(wanted, {}, item_id) != expected:
                    failures.append((sort, extra, n))
    assert failures == []
    new = search.parse({"status": "new", "sort": "oldest"}, CHOICES)  # A B F
    assert store.adjacent(new, {}, ids["C"]) == (ids["B"], ids["F"])  # C left `new`: still placed
    assert store.adjacent(new, {}, 10**6) == (None, None)


@pytest.mark.parametrize("filters,message", ERRORS, ids=[case_id(e) for e in ERRORS])
def test_bad_filters_are_one_line_usage_errors(filters, message) -> None:
    with pytest.raises(UsageError) as info:
        search.parse(filters, CHOICES)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_many_valid_values_are_cut_short() -> None:
    many = search.Choices(bans=[f"IB-{n:03}" for n in range(50)])
    with pytest.raises(UsageError) as info:
        search.parse({"ban": "IB-X"}, many)
    assert "IB-019, ... (30 more)" in str(info.value)


def test_defaults_of_the_cli_and_of_the_web() -> None:
    assert search.parse({}, CHOICES) == search.Search(status=None, sort="newest", limit=50)
    web = search.parse({}, CHOICES, search.WEB_DEFAULT)
    assert (web.status, web.sort) == ("new", "oldest")
    assert search.parse({"status": "any"}, CHOICES, search.WEB_DEFAULT).status is None
    parsed = search.parse({"until": "2026-11-25", "actor": "carol_x"}, CHOICES)
    assert parsed.before == datetime(2026, 11, 26, tzinfo=UTC)
    assert parsed.actor == "Carol x"
    assert search.parse(parsed.raw(), CHOICES) == parsed  # the paging links' round trip
    for until in ("2026-11-27T17:15:42Z", "2026-11-27T23:59:59Z", "2026-11-27T00:00:00Z"):
        timed = search.parse({"until": until, "since": "2026-11-01T10:00:00+02:00"}, CHOICES)
        assert search.parse(timed.raw(), CHOICES) == timed, until


# -- the CLI and the web, over one SQLite database ----------------------------------------
@pytest.fixture(scope="module")
def queue_config(tmp_path_factory):
    return queue_folder(tmp_path_factory.mktemp("search"), SETTINGS, BANS, PASSWORD)


def cli(config, filters: dict[str, str], capsys, *extra: str):
    argv = ["--config", str(config), "queue", "list", *extra]
    for name, value in filters.items():
        argv += [f"--{name.replace('_', '-')}", value]
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def cli_ids(config, filters, capsys) -> list[int]:
    import json
    code, out, err = cli(config, filters, capsys, "--format", "json")
    assert code == 0, err
    return [i["id"] for i in json.loads(out)]


@pytest.mark.parametrize("filters,expected", CASES, ids=[case_id(c) for c in CASES])
def test_cli_filters(queue_config, capsys, filters, expected) -> None:
    config, ids = queue_config
    assert labels(ids, cli_ids(config, filters, capsys)) == expected


@pytest.mark.parametrize("filters,message", ERRORS, ids=[case_id(e) for e in ERRORS])
def test_cli_refuses_bad_filters_exit_2(queue_config, capsys, filters, message) -> None:
    code, out, err = cli(queue_config[0], filters, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("Error: ") and message in err


def test_cli_table_pages_and_hint(queue_config, capsys) -> None:
    config, ids = queue_config
    code, out, err = cli(config, {"limit": "2"}, capsys)
    assert code == 0 and err == "(more items: add --page 2)\n"
    header, first, second = out.splitlines()
    assert "CONF" in header.split() and f"{ids['D']} " in first and "0.80" in first
    assert "-" in second.split()  # F: a report with no finding has no confidence
    code, out, err = cli(config, {"limit": "2", "page": "3"}, capsys)
    assert code == 0 and err == "" and len(out.splitlines()) == 3
    code, out, err = cli(config, {"sort": "most-confident", "limit": "1"}, capsys)
    assert "1.00" in out.splitlines()[1]


def test_cli_default_limit_is_50(tmp_path, capsys) -> None:
    (tmp_path / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    (tmp_path / "bans.toml").write_text(BANS, encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'ibanbot.sqlite3'}")
    store.upgrade()
    from tests.storage_fixtures import detection
    store.save_batch("devwiki", "recentchanges", None,
                     [detection(f"rev:{n}", ban_id="IB-1") for n in range(1, 56)], T0)
    store.close()
    assert len(cli_ids(tmp_path / "settings.toml", {}, capsys)) == 50
    assert len(cli_ids(tmp_path / "settings.toml", {"page": "2"}, capsys)) == 5


def test_cli_threshold_setting(queue_config, capsys, tmp_path) -> None:
    config, ids = queue_config
    tuned = tmp_path / "settings.toml"
    tuned.write_text(SETTINGS.replace("[[wikis]]", f'[database]\nurl = "sqlite:///'
                                      f'{config.parent / "ibanbot.sqlite3"}"\n[bans]\n'
                                      f'file = "{config.parent / "bans.toml"}"\n[[wikis]]', 1)
                     + '[review.queue_min_confidence]\n"edit-change" = 0.5\n', encoding="utf-8")
    assert labels(ids, cli_ids(tuned, {}, capsys)) == "DFBAE"
    assert labels(ids, cli_ids(tuned, {"threshold": "below"}, capsys)) == "C"
    code, out, err = cli(tuned, {"status": "dismissed"}, capsys)
    assert code == 0 and out == "(no queue items)\n"
    assert err == "(1 more below [review.queue_min_confidence]: add --threshold below)\n"
    assert cli(tuned, {"status": "new"}, capsys)[2] == ""
    web = create_app(App.load(tuned), secure_cookies=False).test_client()
    page = web.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]
    web.post("/login", data={"csrf": csrf, "name": "Rita Reviewer", "password": PASSWORD})
    body = html.unescape(web.get("/?status=dismissed").get_data(as_text=True))
    assert "1 more item(s) below" in body and "threshold=below" in body
    assert web_ids(web, {}) == cli_ids(tuned, {}, capsys)


# -- the web queue page: the same items and the same errors --------------------------------
@pytest.fixture(scope="module")
def web(queue_config):
    client = create_app(App.load(queue_config[0]), secure_cookies=False).test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]
    done = client.post("/login", data={"csrf": csrf, "name": "Rita Reviewer",
                                       "password": PASSWORD})
    assert done.status_code == 302
    return client


def web_ids(client, filters: dict[str, str]) -> list[int]:
    # the CLI's defaults said out loud: the web's own are new items, oldest first
    query = {"status": "any", "sort": "newest", "limit": "50", **filters}
    response = client.get("/", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    return [int(i) for i in re.findall(r'<tr class="item"[^>]*>\s*<td><a href="/items/(\d+)[?"]',
                                       body)]


@pytest.mark.parametrize("filters,expected", CASES, ids=[case_id(c) for c in CASES])
def test_web_finds_what_the_cli_finds(queue_config, web, capsys, filters, expected) -> None:
    config, ids = queue_config
    assert web_ids(web, filters) == cli_ids(config, filters, capsys)
    assert labels(ids, web_ids(web, filters)) == expected


@pytest.mark.parametrize("filters,message", ERRORS, ids=[case_id(e) for e in ERRORS])
def test_web_refuses_what_the_cli_refuses(queue_config, web, capsys, filters, message) -> None:
    response = web.get("/", query_string=filters)
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    err = cli(queue_config[0], filters, capsys)[2]
    assert message in body and err.removeprefix("Error: ").strip() in body


def test_web_default_view_is_new_oldest_first_with_paging(queue_config, web) -> None:
    config, ids = queue_config
    body = web.get("/").get_data(as_text=True)
    found = [int(i) for i in re.findall(r'<tr class="item"[^>]*>\s*<td><a href="/items/(\d+)[?"]',
                                        body)]
    assert labels(ids, found) == "ABF"
    assert 'href="/help/confidence#mention"' in body  # B's highest: its mention
    assert "0.95" in body and "1.00" in body
    first = web.get("/", query_string={"status": "any", "limit": "2"}).get_data(as_text=True)
    nxt = re.search(r'<a href="([^"]+)" rel="next"', first)[1]
    assert "page=2" in html.unescape(nxt) and "status=any" in html.unescape(nxt)
    second = web.get(html.unescape(nxt)).get_data(as_text=True)
    assert 'rel="prev"' in second
    got = [int(i) for i in re.findall(r'<tr class="item"[^>]*>\s*<td><a href="/items/(\d+)[?"]',
                                      second)]
    assert labels(ids, got) == "BC"  # oldest first: E A | B C | F D (status any)


def test_a_confidential_ban_is_valid_but_never_named(queue_config, web, capsys) -> None:
    config, ids = queue_config  # IB-2 is confidential in this bans file
    code, out, err = cli(config, {"ban": "IB-9"}, capsys)
    assert code == 2 and "filter ban must be one of IB-1, 1 not named here; not 'IB-9'" in err
    assert "IB-2" not in err
    body = html.unescape(web.get("/", query_string={"ban": "IB-9"}).get_data(as_text=True))
    assert "filter ban must be one of IB-1, 1 not named here; not 'IB-9'" in body
    assert labels(ids, cli_ids(config, {"ban": "IB-2"}, capsys)) == "DC"
    held_only = search.Choices(bans=["IB-1", "IB-7"], named_bans=["IB-1"])
    with pytest.raises(UsageError, match="one of IB-1, 1 not named here; not 'x'"):
        search.parse({"ban": "x"}, held_only)


def test_the_web_places_an_item_within_the_query_strings_search(queue_config, web) -> None:
    from bot.web import views
    ids = queue_config[1]
    with web.application.test_request_context("/items/1"):  # the web's default: new, oldest
        assert views.queue_neighbours(ids["B"]) == (ids["A"], ids["F"])
    with web.application.test_request_context("/items/1?status=any&sort=most-confident"):
        assert views.queue_neighbours(ids["B"]) == (ids["E"], ids["D"])  # A E B D C F
    with web.application.test_request_context("/items/1?kind=replies"):
        with pytest.raises(UsageError, match="filter kind must be one of"):
            views.queue_neighbours(ids["B"])


@pytest.mark.parametrize("filters,message", [
    ({"wiki": "enwiki"}, "filter wiki must be one of devwiki, otherwiki; not 'enwiki'"),
    ({"ban": "IB-9"}, "filter ban must be one of IB-1, 1 not named here; not 'IB-9'"),
])
def test_cases_check_their_filters_as_the_queue(queue_config, web, capsys, filters, message):
    argv = ["--config", str(queue_config[0]), "queue", "cases"]
    for name, value in filters.items():
        argv += [f"--{name}", value]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and message in err
    page = web.get("/cases", query_string=filters)
    assert page.status_code == 400 and message in html.unescape(page.get_data(as_text=True))
    assert web.get("/cases", query_string={"wiki": "devwiki"}).status_code == 200
