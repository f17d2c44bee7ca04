"""Signature timestamps in the wiki's language and time zone (detectors/wikitext/timestamps.py).

The cases are MediaWiki's own output: tests/data/signature_timestamps.json holds, for 33
languages, what MediaWiki 1.39 writes for `~~~~~` at four moments and each language's month
and weekday names (regenerate it with tests/data/signature_timestamps.php).
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from detectors.model import SiteInfo
from detectors.wikitext.signatures import find_signatures
from detectors.wikitext.timestamps import ENGLISH, LocalNames, TimestampFormat, learn

DATA = json.loads((Path(__file__).parents[2] / "data" / "signature_timestamps.json")
                  .read_text(encoding="utf-8"))
UNSUPPORTED = {"th": "the Thai solar calendar: the year is written as 2569"}


def names(lang: str) -> LocalNames:
    case = DATA[lang]
    return LocalNames(tuple(tuple(n for n in forms if n) for forms in case["months"]),
                      tuple(tuple(n for n in forms if n) for forms in case["weekdays"]))


def utc(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y%m%d%H%M%S").replace(second=0, tzinfo=UTC)


@pytest.mark.parametrize("lang", sorted(set(DATA) - set(UNSUPPORTED)))
def test_every_language_is_learned_from_any_sample_and_reads_the_others(lang):
    case = DATA[lang]
    zones = {case["utc"]: 0}
    for ts, sample in case["samples"]:
        fmt = learn(sample, utc(ts).replace(tzinfo=None), names(lang), zones)
        assert fmt is not None, (lang, sample)
        for other_ts, other in case["samples"]:
            match = fmt.regex.search(f"Texte. [[User:X|X]] {other}\n")
            assert match and fmt.parse(match) == utc(other_ts), (lang, sample, other)
    assert (fmt is ENGLISH) is (lang == "en")


@pytest.mark.parametrize("lang", sorted(UNSUPPORTED))
def test_unsupported_calendars_are_not_learned(lang):
    ts, sample = DATA[lang]["samples"][0]
    assert learn(sample, utc(ts).replace(tzinfo=None), names(lang), {"UTC": 0}) is None


def test_time_zones_with_daylight_saving_and_localized_labels():
    fr, zones = names("fr"), {"CET": 60, "CEST": 120, "UTC": 0}
    fmt = learn("27 novembre 2026 à 22:30 (CET)", datetime(2026, 11, 27, 22, 30), fr, zones)
    assert fmt is not None
    summer = fmt.regex.search("Oui. [[Utilisateur:Léa|Léa]] 3 juillet 2026 à 11:07 (CEST)")
    assert summer and fmt.parse(summer) == datetime(2026, 7, 3, 9, 7, tzinfo=UTC)
    unknown_zone = TimestampFormat(fmt.pattern, fmt.months, (("CET", 60),))
    match = unknown_zone.regex.search("3 juillet 2026 à 11:07 (CEST)")
    assert match and unknown_zone.parse(match) is None  # found, not dated


@pytest.mark.parametrize("sample, when", [
    ("27 novembre 2026 à 22:31 (CET)", datetime(2026, 11, 27, 22, 30)),  # another minute
    ("27 novembre 2026 à 22:30 (XYZ)", datetime(2026, 11, 27, 22, 30)),  # unknown label
    ("27 novembre 2026 à 22:30", datetime(2026, 11, 27, 22, 30)),  # no zone
    ("", datetime(2026, 11, 27, 22, 30)), ("(CET)", datetime(2026, 11, 27, 22, 30)),
    ("27 27 novembre 2026 à 22:30 (CET)", datetime(2026, 11, 27, 22, 30)),  # a number too many
    ("x" * 10_000 + " (CET)", datetime(2026, 11, 27, 22, 30)),
])
def test_samples_that_cannot_be_explained_give_none(sample, when):
    assert learn(sample, when, names("fr"), {"CET": 60}) is None


def test_a_short_name_inside_a_number_is_not_taken_for_the_month():
    # Czech abbreviates January as "1.": in "11. 1. 2026" only the second "1." is the month
    fmt = learn("11. 1. 2026, 21:11 (UTC)", datetime(2026, 1, 11, 21, 11), names("cs"),
                {"UTC": 0})
    assert fmt is not None and fmt.regex.search("5. 10. 2026, 09:07 (UTC)")


def test_signatures_on_a_french_wiki():
    fr = learn("27 novembre 2026 à 22:30 (CET)", datetime(2026, 11, 27, 22, 30), names("fr"),
               {"CET": 60, "CEST": 120})
    site = SiteInfo(timestamps=fr)
    text = ("== Source ==\nLa source est fiable. [[User:Léa|Léa]] ([[User talk:Léa|discuter]]) "
            "27 novembre 2026 à 22:30 (CET)\n: Non. [[User:Marc|Marc]] 28 novembre 2026 à "
            "08:05 (CET)\n")
    sigs = find_signatures(text, site)
    assert [(s.author, s.timestamp) for s in sigs] == [
        ("Léa", datetime(2026, 11, 27, 21, 30, tzinfo=UTC)),
        ("Marc", datetime(2026, 11, 28, 7, 5, tzinfo=UTC))]
    assert find_signatures(text, SiteInfo()) == []  # the English format does not see them


def test_the_samples_own_label_counts_with_the_offset_given():
    sample, when = "27 novembre 2026 à 22:30 (MSK)", datetime(2026, 11, 27, 22, 30)
    assert learn(sample, when, names("fr"), {"CET": 60}) is None  # unknown, no offset
    fmt = learn(sample, when, names("fr"), {"CET": 60}, offset=180)
    match = fmt.regex.search(sample)
    assert fmt.parse(match) == datetime(2026, 11, 27, 19, 30, tzinfo=UTC)
    assert fmt.regex.search("1 mai 2026 à 10:00 (CET)")  # the known labels stay
