"""Issue 5 end to end: community reports on the real local wiki, through the bot's CLI."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.review import operations as health
from bot.wiki.writer import use_password_file
from localwiki.client import WikiClient
from localwiki.testing import admin, client, make_user
from tests.harness import Bot, ban, people, unique

pytestmark = pytest.mark.wiki
PAGE = "Project:Interaction ban reports"
INTRO = "Post reports below, one section each.\n"


@dataclass
class ReportBot(Bot):
    """The harness bot with report intake: a bot account, a report page and a run page."""

    extra: str = ""

    def write(self) -> None:
        super().write()
        with open(self.folder / "settings.toml", "a", encoding="utf-8") as fh:
            fh.write(self.extra)


@pytest.fixture(scope="module")
def account(tmp_path_factory, local_wiki):
    """One bot account (BotPassword) for the module: pywikibot keeps one cookie jar per process."""
    import pywikibot
    import pywikibot.comms.http

    pywikibot.comms.http.cookie_jar.clear()  # sessions of bot accounts other tests logged in
    name = unique("IbanBot")
    make_user(local_wiki, name, groups=["bot"])
    _, password = local_wiki.create_bot_password(name, "ibanbot",
                                                 ("basic", "highvolume", "editpage"))
    pwfile = tmp_path_factory.mktemp("pwb") / "user-password.py"
    pwfile.write_text(f"({name!r}, BotPassword('ibanbot', {password!r}))\n", encoding="utf-8")
    pwfile.chmod(0o600)
    use_password_file(pwfile, put_throttle=0)
    yield name
    cookies = Path(pywikibot.config.datafilepath(f"pywikibot-{name}.lwp"))
    cookies.unlink(missing_ok=True)  # pywikibot's cookie file for this account


@pytest.fixture
def setup(tmp_path, local_wiki, account):
    name = account
    page, run = f"{PAGE} {unique('P')}", f"User:{name}/Run"
    extra = (f'report_page = "{page}"\nrun_page = "{run}"\nuser = "{name}"\n'
             "report_min_edits = 3\nreport_max_per_day = 3\nreceipt_interval_seconds = 0\n")
    bot = ReportBot(tmp_path / "bot", local_wiki, extra=extra)
    sysop = client(local_wiki, admin(local_wiki))
    sysop.edit(page, INTRO, "instructions")
    bot.run_once()  # intake begins: sections added from now on may be reports
    return bot, page, run, sysop, name


def reporter(wiki, prefix: str, edits: int = 2) -> tuple[str, WikiClient]:
    (name, c), = people(wiki, prefix)
    for n in range(edits):
        c.edit(f"User:{name}/sandbox", f"edit {n}")
    return name, c


def post(c: WikiClient, page: str, heading: str, body: str) -> int:
    return c.post("edit", title=page, section="new", sectiontitle=heading,
                  text=body + " ~~~~")["edit"]["newrevid"]


def receipts(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("<!--ibanbot:")]


def neutral(line: str) -> str:
    """A receipt with its reference and date taken out."""
    return re.sub(r"R-[0-9a-f]+", "R-?", re.sub(r"\d{4}-\d\d-\d\d", "D", line.split("~~~~")[0]
                                                 .split("[[User:")[0]))


def test_reports_end_to_end(setup, local_wiki):
    bot, page, run, sysop, botname = setup
    (alice, a), (bob, _), (carol, c), (dave, _), (erin, e) = people(
        local_wiki, "Alice", "Bob", "Carol", "Dave", "Erin")
    bot.add_ban(**ban(alice, bob))
    bot.add_ban(**ban(carol, dave, confidential=True))
    rev_a = a.edit(f"User talk:{bob}", "hello Bob")
    rev_c = c.edit(f"User talk:{dave}", "hello Dave")
    rev_e = e.edit(f"Talk:{erin} topic", "a harmless comment")
    rev_gone = e.edit(f"{erin} scratch", "soon deleted")
    sysop.delete(f"{erin} scratch")
    sysop.edit(run, "yes")
    bot.run_once()  # the detector queues alice's and carol's edits
    assert sorted(i["revid"] for i in bot.queue()) == sorted([rev_a, rev_c])

    rita, r = reporter(local_wiki, "Rita")
    rosa, s = reporter(local_wiki, "Rosa")
    newbie, n = reporter(local_wiki, "Newbie", edits=0)
    host = local_wiki.api_url.split("/")[2]
    post(r, page, "Edit on a talk page", f"{{{{IBAN report|diff={rev_a}|comment=please look}}}}")
    post(r, page, "Another", f"see http://{host}/index.php?diff={rev_c}&oldid=prev")
    post(r, page, "Third", f"[[Special:Diff/{rev_e}]] is odd")
    post(s, page, "No diff", "they were rude, trust me")  # no diff, no template: no report
    post(s, page, "Gone", f"[[Special:Diff/{rev_gone}]] and [[Special:Diff/999999999]]")
    post(s, page, "Elsewhere", "https://en.wikipedia.org/w/index.php?diff=123&oldid=122")
    post(s, page, "Again", f"[[Special:Diff/{rev_a}]] once more")
    post(s, page, "Fourth of the day", f"[[Special:Diff/{rev_a}]]")
    post(r, page, "Lots", " ".join(f"[[Special:Diff/{i}]]" for i in range(1, 23)))
    post(n, page, "New account", f"[[Special:Diff/{rev_a}]]")
    (ted, t), = people(local_wiki, "Ted")
    for k in range(2):
        t.edit(f"User:{ted}/sandbox", f"edit {k}")
    post(t, page, "Long", f"[[Special:Diff/{rev_a}]] " + "x" * 5100)
    no_diff = next(sec for sec in sysop.page_text(page).split("\n== ") if sec.startswith("No diff"))
    bot.run_once()  # takes the reports in
    assert receipts(sysop.page_text(page)) == []  # receipts come at the start of the next pass
    bot.run_once()

    # the page: intro untouched, every report replaced by one neutral receipt, the rest kept
    text = sysop.page_text(page)
    assert text.startswith(INTRO.strip())
    assert "\n== " + no_diff in text  # not a report: byte for byte as it was
    lines = receipts(text)
    assert len(lines) == 10, text
    assert all(f"[[User:{botname}|" in line for line in lines)
    for name in (alice, bob, carol, dave, erin, rita, newbie, ted):
        assert name not in text
    assert "en.wikipedia.org" not in text  # unusable links are named by place, never echoed
    first, second, third = (neutral(x) for x in lines[:3])
    assert first == second == third  # public ban, confidential ban, no ban: the same words
    assert "could not be processed" not in first
    bad = [neutral(x) for x in lines[3:]]
    assert "does not exist, was deleted or is hidden" in bad[0]
    assert "not revisions of this wiki" in bad[1]
    assert "could not be processed" not in bad[2]
    assert "at most 3 reports a day" in bad[3]
    assert "more than 20 diffs" in bad[4]
    assert "at least 3 edits" in bad[5]
    assert "longer than 5000 characters" in bad[6]
    last = sysop.revisions(page, limit=1)[0]
    assert last["user"] == botname
    assert last["comment"] == "Acknowledging 10 report(s)"

    # the queue: reports attach to queued events; no duplicates; no-ban item kept for staff
    items = bot.queue()
    assert sorted(i["revid"] for i in items) == sorted([rev_a, rev_c, rev_e])
    by_rev = {i["revid"]: i for i in items}
    assert by_rev[rev_a]["source"] == "detector"
    no_ban = by_rev[rev_e]
    assert (no_ban["ban_id"], no_ban["source"], no_ban["actor"]) == (None, "report", erin)
    assert "no registered ban" in no_ban["note"]
    assert [i["revid"] for i in bot.queue("--source", "report")] == [rev_e]
    show = bot.cli("queue", "show", str(by_rev[rev_a]["id"]))
    assert show.code == 0, show.err
    assert f"reported by {rita}" in show.out and "please look" in show.out
    shown = bot.cli("queue", "show", str(by_rev[rev_c]["id"]), "--format", "json").json()
    assert [x["reporter"] for x in shown["reports"]] == [rita]
    assert f"diff={rev_c}" in shown["reports"][0]["text"]

    # nothing a reporter wrote is lost: rejected reports keep their full text
    rejected = bot.cli("report", "list", "--outcome", "rejected", "--format", "json").json()
    assert len(rejected) == 6
    assert any("x" * 5100 in x["text"] for x in rejected)
    assert all(x["acknowledged_at"] for x in rejected)
    everything = bot.cli("report", "list", "--format", "json").json()
    assert not any("they were rude" in x["text"] for x in everything)  # never a report

    # another pass changes nothing
    revid = sysop.revisions(page, limit=1)[0]["revid"]
    bot.run_once()
    assert sysop.revisions(page, limit=1)[0]["revid"] == revid
    assert len(bot.queue()) == 3


def test_kill_switch_and_edit_conflict(setup, local_wiki, monkeypatch, caplog):
    bot, page, run, sysop, _ = setup
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    rev_a = a.edit(f"User talk:{bob}", "hello")
    rita, r = reporter(local_wiki, "Rita")
    post(r, page, "A report", f"[[Special:Diff/{rev_a}]]")
    sysop.edit(run, "no")
    before = sysop.revisions(page, limit=1)[0]["revid"]
    bot.run_once()
    bot.run_once()  # the pass that would acknowledge it
    assert sysop.revisions(page, limit=1)[0]["revid"] == before  # no edit at all
    assert "does not say 'yes'" in caplog.text
    (item,) = bot.queue()  # ... yet the report is queued
    reports = bot.cli("report", "list", "--format", "json").json()
    assert [(x["reporter"], x["acknowledged_at"]) for x in reports] == [(rita, None)]

    # switched on; someone edits the page between the bot's read and its save
    sysop.edit(run, "yes")
    import bot.pipeline.reportintake as intake

    reads = []
    real_read = intake.wiki_reports.read_page

    def read_then_edit(gateway, title):
        snapshot = real_read(gateway, title)
        if title == page and not reads:
            reads.append(title)
            sysop.edit(page, snapshot.text.replace(INTRO.strip(), "Intro, edited meanwhile")
                       + "\nmore evidence", "concurrent edit")
        return snapshot

    monkeypatch.setattr(intake.wiki_reports, "read_page", read_then_edit)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="bot.pipeline.reportintake")
    bot.run_once()
    assert "changed meanwhile" in caplog.text
    text = sysop.page_text(page)
    assert text.startswith("Intro, edited meanwhile")  # the other edit survives
    assert len(receipts(text)) == 1 and "more evidence" not in text
    (report,) = bot.cli("report", "list", "--format", "json").json()
    assert report["acknowledged_at"] and report["reporter"] == rita
    assert report["reference"] == reports[0]["reference"]
    assert "more evidence" not in report["text"]  # someone else's words: never the reporter's
    shown = bot.cli("report", "show", report["reference"], "--format", "json").json()
    (_, other) = shown["versions"]
    assert other["by_other"] and "more evidence" in other["text"]  # ... but kept
    warnings = bot.cli("warnings", "list", "--format", "json").json()
    assert [w["kind"] for w in warnings] == ["report-edited"]
    assert len(bot.queue()) == 1 and bot.queue()[0]["id"] == item["id"]


def test_staff_intake(setup, local_wiki):
    bot, page, _, sysop, _ = setup
    (alice, a), (bob, _), (erin, e) = people(local_wiki, "Alice", "Bob", "Erin")
    bot.add_ban(**ban(alice, bob))
    rev_a = a.edit(f"Talk:{bob} stuff", f"[[User:{bob}]] is wrong")
    rev_e = e.edit(f"Talk:{erin} stuff", "fine")
    before = sysop.revisions(page, limit=1)[0]["revid"]
    assert bot.cli("db", "upgrade").code == 0
    added = bot.cli("report", "add", "--wiki", local_wiki.name, "--diff", str(rev_a),
                    "--diff", f"Special:Diff/{rev_e}", "--reporter", "someone@example.org",
                    "--note", "Sent by e-mail:\nplease check")
    assert added.code == 0, added.err
    items = {i["revid"]: i for i in bot.queue()}
    assert set(items) == {rev_a, rev_e}
    assert items[rev_a]["ban_id"] and items[rev_a]["findings"][0]["kind"] == "mention"
    assert items[rev_e]["ban_id"] is None
    show = bot.cli("queue", "show", str(items[rev_a]["id"]))
    assert "reported by someone@example.org (staff" in show.out and "please check" in show.out
    bad = bot.cli("report", "add", "--wiki", local_wiki.name, "--diff", "999999999",
                  "--reporter", "x@example.org")
    assert bad.code == 1 and "kept but not queued" in bad.err and bad.err.count("\n") == 1
    assert len(bot.cli("report", "list", "--format", "json").json()) == 2
    foreign = bot.cli("report", "add", "--wiki", local_wiki.name, "--diff",
                      "https://other.example.org/w/index.php?diff=5", "--reporter", "x")
    assert foreign.code == 2 and "another wiki" in foreign.err
    assert sysop.revisions(page, limit=1)[0]["revid"] == before  # staff intake never edits


def test_a_purged_report_still_on_the_page_is_not_taken_in_again(setup, local_wiki):
    bot, page, run, sysop, _ = setup
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    rev_a = a.edit(f"User talk:{bob}", "hello again")
    _, r = reporter(local_wiki, "Rita")
    post(r, page, "Alice and Bob", f"[[Special:Diff/{rev_a}]] is a breach")
    sysop.edit(run, "no")  # never acknowledged: the report stays on the page
    bot.run_once()
    (item,) = bot.queue()
    decided = bot.cli("queue", "decide", str(item["id"]), "--decision", "dismissed",
                      "--reviewer", "Rev A")
    assert decided.code == 0, decided.err
    later = datetime.now(UTC) + timedelta(days=91)
    result = health.purge_decided(App.load(bot.folder / "settings.toml", now=lambda: later))
    assert (result.items, result.reports) == (1, 1)
    bot.run_once()  # reads the same section again
    assert bot.queue() == []  # not queued a second time
    (report,) = bot.cli("report", "list", "--format", "json").json()
    assert report["purged_at"] and report["text"] == "" and report["reporter"] == ""
    shown = bot.cli("report", "show", report["reference"]).out
    assert "purged:" in shown and "is a breach" not in shown


def test_nested_report_templates_neither_stall_nor_block_later_reports(setup, local_wiki):
    """Security issue, finding 1: a section of 30 nested `{{IBAN report|diff=` (429 characters
    at depth 20 took 54 s; depth 26 never ended and blocked every later report) is read in one
    pass; the report after it is queued and both are acknowledged in the same run."""
    bot, page, run, sysop, _ = setup
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    rev_a = a.edit(f"User talk:{bob}", "hello Bob")
    sysop.edit(run, "yes")
    _, m = reporter(local_wiki, "Mallory", edits=3)
    _, r = reporter(local_wiki, "Rita", edits=3)
    post(m, page, "Nested", "{{IBAN report|diff=" * 30 + "1" + "}}" * 30)
    post(r, page, "After it", f"[[Special:Diff/{rev_a}]]")
    bot.run_once()
    bot.run_once()  # receipts: at the start of the next pass
    lines = receipts(sysop.page_text(page))
    assert len(lines) == 2
    assert "could not be processed" not in lines[1]
    assert rev_a in [i["revid"] for i in bot.queue()]
    reports = bot.cli("report", "list", "--format", "json").json()
    assert sorted(x["section"] for x in reports) == ["After it", "Nested"]
    assert all(x["acknowledged_at"] for x in reports)


def test_a_report_page_that_cannot_be_read_in_bounds_is_left_alone_and_staff_told(
        setup, local_wiki, monkeypatch):
    """The whole intake pass is under the analysis bounds: a page whose parsing runs away is
    not edited, nothing is taken in, one staff warning (not one per pass) says so."""
    bot, page, run, sysop, _ = setup
    bot.extra += "\n[operations]\nanalysis_seconds = 1\n"
    bot.write()
    sysop.edit(run, "yes")
    _, r = reporter(local_wiki, "Rita", edits=3)
    post(r, page, "Big", "[[Special:Diff/1]] " + "x" * 300_000)
    from detectors import reportpage

    def runaway(*_args):
        while True:
            pass

    monkeypatch.setattr(reportpage, "read_reports", runaway)
    before = sysop.revisions(page, limit=1)[0]["revid"]
    bot.run_once()
    bot.run_once()
    assert sysop.revisions(page, limit=1)[0]["revid"] == before
    assert bot.cli("report", "list", "--format", "json").json() == []
    warnings = bot.cli("warnings", "list", "--format", "json").json()
    assert [w["kind"] for w in warnings] == ["unanalysed"]
    assert "report page" in warnings[0]["message"]
