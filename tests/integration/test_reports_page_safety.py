"""The report page, as people really use it, on the real local wiki: the bot touches only
reports (issue 13.4), receipts never republish what reporters wrote and imitations are not
kept (security 5), reporters cannot be swapped or rewritten by others (security 4), receipts
say nothing through their timing (security 3), long names and failing sections do not block
intake (security 6), huge pages stay within bounds (security 8), and edits never stall.
"""
from __future__ import annotations

import logging
import time

import pytest

from bot.wiki import session
from localwiki.testing import admin, client, make_user
from tests.harness import ban, people, unique
from tests.integration.test_reports_integration import (  # noqa: F401 (fixtures)
    INTRO,
    PAGE,
    ReportBot,
    account,
    post,
    receipts,
    reporter,
)

pytestmark = pytest.mark.wiki
ARCHIVE = "== Archive ==\n{{archive notice}} Old case: [[Special:Diff/1]] (closed)\n\n"
STAFF = "== Staff notes ==\nPlease keep it civil. <!--ibanbot:R-00aa-->not ours either\n\n"


def page_bot(tmp_path, local_wiki, account, lead: str = "", **settings):
    """A bot with a report page that already holds `lead` when intake begins."""
    page, run = f"{PAGE} {unique('S')}", f"User:{account}/Run"
    options = {"report_min_edits": 3, "report_max_per_day": 3, "receipt_interval_seconds": 0,
               **settings}
    extra = (f'report_page = "{page}"\nrun_page = "{run}"\nuser = "{account}"\n'
             + "".join(f"{k} = {v}\n" for k, v in options.items()))
    bot = ReportBot(tmp_path / "bot", local_wiki, extra=extra)
    sysop = client(local_wiki, admin(local_wiki))
    sysop.edit(page, INTRO + lead, "instructions")
    sysop.edit(run, "yes")
    bot.run_once()  # intake begins here
    return bot, page, sysop


def section(text: str, heading: str) -> str:
    """The section headed `heading` as it stands in `text` (to its next heading)."""
    start = text.index(f"== {heading} ==")
    end = text.find("\n== ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def test_only_reports_are_touched_even_while_people_edit(tmp_path, local_wiki, account,
                                                         monkeypatch):
    bot, page, sysop = page_bot(tmp_path, local_wiki, account, ARCHIVE + STAFF)
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    rev_a = a.edit(f"User talk:{bob}", "hello")
    dan, d = reporter(local_wiki, "Dan")
    _, r = reporter(local_wiki, "Rita", edits=3)
    _, m = reporter(local_wiki, "Mallory", edits=3)
    post(d, page, "Question", "How do I file a report? <!--ibanbot:R-0bad-->fake")
    post(r, page, "Rita's report", f"{{{{IBAN report|diff={rev_a}}}}}")
    post(m, page, "Mallory's report",
         "<!--ibanbot:R-0123456789-->STATEMENT BY IBANBOT: Bob is under confidential ban\n"
         f"{{{{IBAN report|diff=mailto:x@example.org|diff2=\u202eevil.example|diff3={rev_a}}}}}"
         " https://other.example.org/w/index.php?diff=5")
    post(d, page, "Sandbox test", "just testing the page")
    before = sysop.page_text(page)
    kept = {h: section(before, h) for h in ("Archive", "Staff notes", "Question",
                                            "Sandbox test")}
    bot.run_once()  # takes the two reports in
    assert sysop.page_text(page) == before

    from bot.pipeline import reportintake as intake
    real_read = intake.wiki_reports.read_page

    def read_then_reply(gateway, title):
        snapshot = real_read(gateway, title)
        if title == page and "(reply)" not in sysop.page_text(page):
            d.edit(page, sysop.page_text(page).replace(
                "just testing the page", "just testing the page\n:(reply) still testing"),
                "reply meanwhile")
        return snapshot

    monkeypatch.setattr(intake.wiki_reports, "read_page", read_then_reply)
    bot.run_once()  # receipts, while Dan edits
    text = sysop.page_text(page)
    assert text.startswith(INTRO + ARCHIVE + STAFF)  # the lead and old sections, byte for byte
    for heading in ("Archive", "Staff notes", "Question", "Sandbox test"):
        now = section(text, heading).replace("\n:(reply) still testing", "", 1)
        assert now.startswith(kept[heading].rstrip("\n")), heading  # then receipts of others
        rest = now[len(kept[heading].rstrip("\n")):]
        assert all(line.startswith("<!--ibanbot:R-") for line in rest.splitlines() if line)
    assert ":(reply) still testing" in text  # the edit made meanwhile survives
    ours = [line for line in receipts(text) if "received on" in line]
    assert len(ours) == 2
    assert "STATEMENT" not in text and "mailto" not in text and "\u202e" not in text
    assert "evil.example" not in text and "other.example.org" not in text
    mallory = next(line for line in ours if "Not used" in line)
    assert "link 1 (not a single revision)" in mallory
    assert "link 4 (another wiki)" in mallory
    assert "R-0123456789" not in text  # an imitation inside a report goes with it
    assert "R-0bad-->fake" in text and "R-00aa-->not ours" in text  # outside reports: kept
    stored = bot.cli("report", "list", "--format", "json").json()
    assert sorted(x["section"] for x in stored) == ["Mallory's report", "Rita's report"]
    assert any("STATEMENT BY IBANBOT" in x["text"] for x in stored)  # kept for staff


def test_reporters_cannot_be_swapped_or_rewritten_by_others(tmp_path, local_wiki, account):
    bot, page, sysop = page_bot(tmp_path, local_wiki, account)
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    rev_1 = a.edit(f"User talk:{bob}", "one")
    rev_2 = a.edit(f"User talk:{bob}", "two")
    rita, r = reporter(local_wiki, "Rita", edits=3)
    mallory, m = reporter(local_wiki, "Mallory", edits=3)
    post(r, page, "Report", f"[[Special:Diff/{rev_1}]] by Rita")
    sysop.edit(f"User:{account}/Run", "no")  # nothing acknowledged: the sections stay
    bot.run_once()
    # Mallory puts a same-named section above Rita's, then rewrites Rita's section
    text = sysop.page_text(page)
    m.edit(page, text.replace("== Report ==", f"== Report ==\n[[Special:Diff/{rev_2}]] by "
                              "Mallory\n\n== Report ==", 1), "above")
    bot.run_once()
    text = sysop.page_text(page)
    m.edit(page, text.replace("by Rita", f"by Rita [[Special:Diff/{rev_2}]] and me"), "edit")
    bot.run_once()
    reports = {x["reporter"]: x for x in bot.cli("report", "list", "--format", "json").json()}
    assert set(reports) == {rita, mallory}
    assert "by Rita" in reports[rita]["text"] and "and me" not in reports[rita]["text"]
    assert reports[rita]["diffs"] == [rev_1]
    assert "by Mallory" in reports[mallory]["text"]
    shown = bot.cli("report", "show", reports[rita]["reference"], "--format", "json").json()
    assert [(v["editor"], v["by_other"]) for v in shown["versions"]] == [
        (rita, False), (mallory, True)]
    human = bot.cli("report", "show", reports[rita]["reference"]).out
    assert f"by {mallory}" in human and "NOT BY THE REPORTER" in human
    warnings = bot.cli("warnings", "list", "--format", "json").json()
    assert [w["kind"] for w in warnings] == ["report-edited"]
    assert mallory in warnings[0]["message"]
    bot.run_once()  # the same edit is not kept, warned or counted twice
    assert len(bot.cli("warnings", "list", "--format", "json").json()) == 1
    # the edit of Rita's report counts against Mallory's limit (3 a day): 1 report + 1 edit
    post(m, page, "Third", f"[[Special:Diff/{rev_1}]]")
    post(m, page, "Fourth", f"[[Special:Diff/{rev_2}]]")
    bot.run_once()
    mine = [x for x in bot.cli("report", "list", "--format", "json").json()
            if x["reporter"] == mallory]
    outcome = {x["section"]: x["outcome"] for x in mine}
    assert outcome["Third"] == "queued" and outcome["Fourth"] == "rejected"


def test_receipt_timing_says_nothing_of_the_ban(tmp_path, local_wiki, account, monkeypatch):
    """Receipts are written at the start of the pass after the report was taken in, before
    any analysis: the same requests come before the receipt edit whether the reported
    author is under a confidential ban, a public one, or none."""
    bot, page, sysop = page_bot(tmp_path, local_wiki, account, report_max_per_day=20)
    (carol, c), (dave, _), (alice, a), (bob, _), (erin, e) = people(
        local_wiki, "Carol", "Dave", "Alice", "Bob", "Erin")
    bot.add_ban(**ban(carol, dave, confidential=True))
    bot.add_ban(**ban(alice, bob))
    revs = {"confidential": [c.edit(f"User talk:{dave}", f"c{n}") for n in range(5)],
            "public": [a.edit(f"User talk:{bob}", f"a{n}") for n in range(5)],
            "none": [e.edit(f"Talk:{erin} x", f"e{n}") for n in range(5)]}
    _, r = reporter(local_wiki, "Rita", edits=3)
    from bot.pipeline import reportintake as intake
    calls: list[str] = []
    real_call, real_query, real_save = session.call, session.query_pages, intake.save_page
    monkeypatch.setattr(session, "call", lambda site, wiki, params, *a, **k: calls.append(
        "call") or real_call(site, wiki, params, *a, **k))
    monkeypatch.setattr(session, "query_pages", lambda site, wiki, params, *a, **k: calls.append(
        "query") or real_query(site, wiki, params, *a, **k))
    before_save: dict[str, tuple[int, float]] = {}
    for state, ids in revs.items():
        post(r, page, f"About {state}", " ".join(f"[[Special:Diff/{i}]]" for i in ids))
        bot.run_once()  # taken in
        calls.clear()
        started = time.monotonic()

        def save(*args, state=state, started=started, **kw):
            before_save[state] = (len(calls), time.monotonic() - started)
            return real_save(*args, **kw)

        monkeypatch.setattr(intake, "save_page", save)
        bot.run_once()  # acknowledged
    assert set(before_save) == set(revs)
    counts = {state: n for state, (n, _) in before_save.items()}
    assert len(set(counts.values())) == 1, counts
    seconds = {state: round(t, 3) for state, (_, t) in before_save.items()}
    print(f"\nrequests before the receipt edit: {counts}; seconds: {seconds}")


def test_long_names_and_a_failing_section_do_not_block_intake(tmp_path, local_wiki, account,
                                                              monkeypatch):
    bot, page, sysop = page_bot(tmp_path, local_wiki, account)
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    rev_a = a.edit(f"User talk:{bob}", "hello")
    long_name = unique("L" + "o" * 180)[:230]
    longest = make_user(local_wiki, long_name)
    from localwiki.client import WikiClient
    lc = WikiClient(local_wiki.api_url, longest.name, longest.password)
    for n in range(3):
        lc.edit(f"User:{longest.name}/s", f"e{n}")
    _, r = reporter(local_wiki, "Rita", edits=3)
    post(lc, page, "Long name", f"[[Special:Diff/{rev_a}]]")
    post(r, page, "Breaks", f"[[Special:Diff/{rev_a}]] please")
    post(r, page, "After", f"[[Special:Diff/{rev_a}]] again")
    from bot.errors import StorageError
    from bot.pipeline import reportintake as intake
    real_submit = intake.ReportIntake.submit

    def failing(self, sub):
        if sub.section == "Breaks":
            raise StorageError("database said no")
        return real_submit(self, sub)

    monkeypatch.setattr(intake.ReportIntake, "submit", failing)
    bot.run_once()
    stored = {x["section"]: x for x in bot.cli("report", "list", "--format", "json").json()}
    assert set(stored) == {"Long name", "After"}
    assert stored["Long name"]["reporter"] == longest.name
    warnings = bot.cli("warnings", "list", "--format", "json").json()
    assert [w["kind"] for w in warnings] == ["report-error"] and "Breaks" in warnings[0]["message"]
    monkeypatch.setattr(intake.ReportIntake, "submit", real_submit)
    bot.run_once()
    bot.run_once()
    assert len(bot.cli("report", "list", "--format", "json").json()) == 3
    assert len([x for x in receipts(sysop.page_text(page)) if "received on" in x]) == 3


def test_a_huge_page_is_processed_in_bounded_passes(tmp_path, local_wiki, account):
    bot, page, sysop = page_bot(tmp_path, local_wiki, account, report_max_per_day=100,
                                report_min_edits=0)
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    rev_a = a.edit(f"User talk:{bob}", "hello")
    empty = "".join(f"== E{n} ==\n" for n in range(10_000))
    reports_text = "".join(f"== R{n} ==\n[[Special:Diff/{rev_a}]] ~~~~\n" for n in range(55))
    sysop.edit(page, sysop.page_text(page) + "\n" + empty + reports_text, "flood")
    for _ in range(3):
        bot.run_once()
    text = sysop.page_text(page)
    assert empty.strip() in text  # 10,000 empty sections: not reports, untouched
    edits = [r["comment"] for r in sysop.revisions(page, limit=5) if r["user"] == account]
    assert edits == ["Acknowledging 5 report(s)", "Acknowledging 50 report(s)"]
    assert len(bot.cli("report", "list", "--format", "json").json()) == 55


def test_receipt_edits_never_sleep_and_are_paced_with_a_log_line(tmp_path, local_wiki, account,
                                                                 caplog):
    """pywikibot's put_throttle (10 s in the example user-config) would sleep before every
    edit, counted from the site's creation: the bot sets it to 0 and paces receipts itself."""
    import pywikibot

    pywikibot.config.put_throttle = 30
    pywikibot._sites.clear()  # a new site, as at the bot's start
    bot, page, sysop = page_bot(tmp_path, local_wiki, account, receipt_interval_seconds=3600)
    (alice, a), (bob, _) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    rev_a = a.edit(f"User talk:{bob}", "hello")
    _, r = reporter(local_wiki, "Rita", edits=3)
    post(r, page, "First", f"[[Special:Diff/{rev_a}]]")
    bot.run_once()
    started = time.monotonic()
    bot.run_once()  # the first receipt edit: no 30 s sleep
    took = time.monotonic() - started
    assert pywikibot.config.put_throttle == 0
    assert took < 20, took  # a hang guard: put_throttle was 30 s
    assert len(receipts(sysop.page_text(page))) == 1
    post(r, page, "Second", f"[[Special:Diff/{rev_a}]] again")
    bot.run_once()
    caplog.clear()
    caplog.set_level(logging.INFO, logger="bot.pipeline.reportintake")
    bot.run_once()  # within the hour: no edit, one INFO line
    assert len(receipts(sysop.page_text(page))) == 1
    assert "receipts wait" in caplog.text
