"""Issue 17 classes 1 and 2 end to end on the real local MediaWiki: replies without a
timestamp, and changes to how a protected user's comment appears."""
from __future__ import annotations

import pytest

from localwiki.client import WikiClient
from tests.harness import Bot, ban, people, unique

pytestmark = pytest.mark.wiki


@pytest.fixture
def bot(tmp_path, local_wiki):
    return Bot(tmp_path / "bot", local_wiki)


def items(bot: Bot) -> dict[str, list[tuple[str, float, str]]]:
    out: dict[str, list[tuple[str, float, str]]] = {}
    for item in bot.queue():
        out.setdefault(item["page"], []).extend(
            (f["kind"], f["confidence"], f["evidence"]) for f in item["findings"])
    return out


def thread(b: WikiClient, title: str, words: str = "I think the source is reliable.") -> None:
    b.edit(title, f"== Sources ==\n{words} ~~~~")  # the wiki signs and dates it


def test_undated_replies_are_found_and_a_later_signature_adds_no_item(bot, local_wiki):
    (alice, a), (bob, b), (_, c) = people(local_wiki, "Alice", "Bob", "Carol")
    bot.add_ban(**ban(alice, bob))
    unsigned, tilde3, bare, signed_later, to_carol = (f"Talk:{unique('Undated')}"
                                                      for _ in range(5))
    for title in (unsigned, tilde3, bare, signed_later, to_carol):
        thread(b, title)
    a.append_reply(unsigned, ": No, it is not.")
    # a signing bot's {{unsigned}} minutes later, in another revision, by someone else
    c.edit(unsigned, c.page_text(unsigned) + f" {{{{unsigned|{alice}}}}}", "signing")
    a.append_reply(tilde3, ": No, it is not. ~~~")
    a.append_reply(bare, f": No, it is not. -- {alice}")
    a.append_reply(signed_later, ": No, it is not.")
    a.edit(signed_later, a.page_text(signed_later) + " ~~~~", "forgot to sign")
    c.append_reply(to_carol, ": It is not, see the review. ~~~~")
    a.append_reply(to_carol, ":: Good point, Carol.")  # answers Carol: no reply to Bob
    bot.run_once()
    found = items(bot)
    assert set(found) == {unsigned, tilde3, bare, signed_later}
    expected = {unsigned: "unsigned", tilde3: "signed without a date",
                bare: "signed with a bare name", signed_later: "unsigned"}
    for title, form in expected.items():
        (finding,) = found[title]  # one item, one finding: the signature later adds none
        kind, confidence, evidence = finding
        assert (kind, confidence) == ("reply", 0.8), (title, finding)
        assert f"replied to {bob}'s comment of " in evidence and form in evidence, evidence
    assert len([i for i in bot.queue() if i["page"] == signed_later]) == 1


def test_a_dated_reply_to_a_comment_signed_without_a_date(bot, local_wiki):
    (alice, a), (bob, b) = people(local_wiki, "Alice", "Bob")
    bot.add_ban(**ban(alice, bob))
    title = f"Talk:{unique('UndatedParent')}"
    b.edit(title, "== Sources ==\nI think the source is reliable. ~~~")  # name, no date
    a.append_reply(title, ": No, it is not. ~~~~")
    bot.run_once()
    ((kind, confidence, evidence),) = items(bot)[title]
    assert (kind, confidence) == ("reply", 0.5)
    assert evidence.startswith(f"replied to {bob}'s undated comment"), evidence


def test_changes_to_how_their_comment_appears(bot, local_wiki):
    (alice, a), (bob, b), (_, c) = people(local_wiki, "Alice", "Bob", "Carol")
    bot.add_ban(**ban(alice, bob))
    pages = {form: f"Talk:{unique('Look')}" for form in
             ("struck", "hatted", "small", "moved", "re-indented", "own", "other thread")}
    for form, title in pages.items():
        c.edit(title, "== Sources ==\nIs the source reliable? ~~~~")
        b.append_reply(title, ": It is peer reviewed. ~~~~")
        c.append_reply(title, ":: Which journal? ~~~~")
        if form == "moved":
            c.append(title, "\n\n== Other ==\nSomething else. ~~~~")
        if form == "own":
            a.append_reply(title, "::: I doubt it. ~~~~")
        if form == "other thread":
            c.append(title, "\n\n== Other ==\nSomething else. ~~~~")
            a.append_reply(title, ": Not here. ~~~~")

    def change(form: str, how) -> None:
        title = pages[form]
        a.edit(title, how(a.page_text(title)), form)

    def line_of(text: str, who: str) -> str:
        return next(line for line in text.split("\n") if f"[[User:{who}|" in line)

    change("struck", lambda t: t.replace(": It is", ": <s>It is").replace(
        line_of(t, bob), line_of(t, bob).replace(": It is", ": <s>It is") + "</s>"))
    change("hatted", lambda t: t.replace("== Sources ==\n", "== Sources ==\n{{hat|Off topic}}\n")
           + "\n{{hab}}")
    change("small", lambda t: t.replace(line_of(t, bob), ": <small>" + line_of(t, bob)[2:]
                                        + "</small>"))
    change("moved", lambda t: t.replace(line_of(t, bob) + "\n", "") + "\n" + line_of(t, bob))
    change("re-indented", lambda t: t.replace(line_of(t, bob), ":" + line_of(t, bob)))
    change("own", lambda t: t.replace("::: I doubt it.", "::: <s>I doubt it.</s>"))
    change("other thread", lambda t: t.replace("== Other ==\n", "== Other ==\n{{hat}}\n")
           + "\n{{hab}}")
    bot.run_once()
    found = items(bot)
    expected = {"struck": ("struck", 0.8), "hatted": ("hatted", 0.7), "small": ("made small", 0.6),
                "moved": ('to section "Other"', 0.7), "re-indented": ("re-indented", 0.6)}
    for form, (words, confidence) in expected.items():
        changes = [(conf, e) for k, conf, e in found.get(pages[form], []) if k == "edit-change"]
        assert len(changes) == 1, (form, found.get(pages[form]))
        assert changes[0][0] == confidence and words in changes[0][1], (form, changes)
        assert f"{bob}'s comment of " in changes[0][1], changes
    assert pages["own"] not in found and pages["other thread"] not in found, found
