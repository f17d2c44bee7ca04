"""The settings file: defaults, path resolution, the environment override, one-line errors."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config.settings import DATABASE_URL_ENV, Settings, WikiSettings, load_settings
from bot.errors import ConfigError
from detectors.base import DetectorLimits
from detectors.model import DEFAULT_PING_TEMPLATES

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "settings.example.toml"
WIKI = '[[wikis]]\nname = "devwiki"\napi = "http://127.0.0.1:8080/api.php"\n'
NO_ENV: dict[str, str] = {}


def write(tmp_path: Path, text: str | bytes, name: str = "settings.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def wiki(**keys: str | None) -> str:
    """One [[wikis]] table: devwiki with `keys` replaced (None-valued keys dropped)."""
    fields = {"name": '"devwiki"', "api": '"http://127.0.0.1:8080/api.php"', **keys}
    return "[[wikis]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)


def error_of(tmp_path: Path, text: str | bytes, environ: dict[str, str] = NO_ENV) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ)
    message = str(info.value)
    assert "\n" not in message and info.value.exit_code == 2
    return message


# (case id, file text, fragments the one-line message must contain after "<file>: ")
BAD = [
    ("toml-syntax", WIKI + "poll_seconds = = 3\n[bot]\n", ["TOML syntax error", "line 4"]),
    ("no-wikis", '[bans]\nfile = "b.toml"\n', ["key 'wikis': at least one [[wikis]] table"]),
    ("wikis-empty", "wikis = []\n", ["key 'wikis': at least one [[wikis]] table"]),
    ("wikis-single-table", '[wikis]\nname = "devwiki"\n', ["key 'wikis': must be an array"]),
    ("missing-name", wiki(name=None), ["wiki #1: key 'name': required key is missing"]),
    ("missing-api", wiki(api=None), ["wiki devwiki: key 'api': required key is missing"]),
    ("api-not-url", wiki(api='"localhost"'), ["wiki devwiki: key 'api': must be an http(s) URL"]),
    ("api-ftp", wiki(api='"ftp://example.org/w/api.php"'), ["key 'api': must be an http(s) URL"]),
    ("api-not-api-php", wiki(api='"https://example.org/w/index.php"'), ["ending in api.php"]),
    ("api-query", wiki(api='"https://example.org/w/api.php?action=query"'), ["key 'api'"]),
    ("api-not-string", wiki(api="8080"), ["wiki devwiki: key 'api': must be a quoted string"]),
    ("name-bad-chars", wiki(name='"dev wiki"'), ["wiki #1: key 'name': must be letters, digits"]),
    ("name-star", wiki(name='"*"'), ["wiki #1: key 'name': must be letters"]),
    ("name-not-string", wiki(name="1"), ["wiki #1: key 'name': must be a quoted string"]),
    ("duplicate-names", WIKI + wiki(api='"https://example.org/w/api.php"'),
     ["wiki devwiki: key 'name': duplicate wiki name (also wiki #1)"]),
    ("second-wiki-labelled", WIKI + wiki(name='"testwiki"', api=None),
     ["wiki testwiki: key 'api': required key is missing"]),
    ("poll-zero", wiki(poll_seconds="0"), ["wiki devwiki: key 'poll_seconds': must be at least 1"]),
    ("poll-string", wiki(poll_seconds='"30"'), ["key 'poll_seconds': must be a whole number"]),
    ("poll-bool", wiki(poll_seconds="true"), ["key 'poll_seconds': must be a whole number"]),
    ("maxlag-negative", wiki(maxlag="-1"), ["wiki devwiki: key 'maxlag': must be at least 0"]),
    ("retries-float", wiki(max_retries="2.5"), ["key 'max_retries': must be a whole number"]),
    ("retry-wait-string", wiki(retry_wait='"5"'), ["key 'retry_wait': must be a number"]),
    ("ping-templates-string", wiki(ping_templates='"ping"'), ["key 'ping_templates': must be a"]),
    ("ping-templates-blank", wiki(ping_templates='["ping", " "]'),
     ["wiki devwiki: key 'ping_templates', entry 2: must not be empty"]),
    ("user-empty", wiki(user='""'), ["wiki devwiki: key 'user': must not be empty"]),
    ("report-page-int", wiki(report_page="3"), ["key 'report_page': must be a quoted string"]),
    ("run-page-blank", wiki(run_page='"  "'), ["key 'run_page': must not be empty"]),
    ("unknown-wiki-key", wiki(pol_seconds="3"),
     ["wiki devwiki: key 'pol_seconds': unknown key (did you mean 'poll_seconds'?)"]),
    ("unknown-top-key", "[databse]\nurl = 'x'\n" + WIKI,
     ["key 'databse': unknown key (did you mean 'database'?)"]),
    ("unknown-section-key", "[database]\nuri = 'sqlite://'\n" + WIKI,
     ["key 'database.uri': unknown key (did you mean 'url'?)"]),
    ("path-key-not-allowed", 'path = "/etc"\n' + WIKI, ["key 'path': unknown key"]),
    ("database-not-table", 'database = "sqlite://"\n' + WIKI, ["key 'database': must be a table"]),
    ("database-url-bad", "[database]\nurl = 'ibanbot.sqlite3'\n" + WIKI,
     ["key 'database.url': must be a database URL"]),
    ("bans-file-int", "[bans]\nfile = 3\n" + WIKI, ["key 'bans.file': must be a quoted string"]),
    ("bans-file-empty", "[bans]\nfile = ''\n" + WIKI, ["key 'bans.file': must not be empty"]),
    ("contact-empty", "[bot]\ncontact = ''\n" + WIKI, ["key 'bot.contact': must not be empty"]),
    ("limits-zero", "[limits]\nrevert_radius = 0\n" + WIKI,
     ["key 'limits.revert_radius': must be at least 1"]),
    ("limits-unknown", "[limits]\nradius = 3\n" + WIKI, ["key 'limits.radius': unknown key"]),
    ("not-utf8", b"[bot]\ncontact = '\xff'\n" + WIKI.encode(), ["not UTF-8 text"]),
]


@pytest.mark.parametrize("text,fragments", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_settings_file_is_one_line_error(tmp_path: Path, text: str,
                                             fragments: list[str]) -> None:
    message = error_of(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'settings.toml'}: ")
    for fragment in fragments:
        assert fragment in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"settings\.toml: file not found$"):
        load_settings(tmp_path / "settings.toml", NO_ENV)


def test_minimal_file_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, WIKI)
    settings = load_settings(path, NO_ENV)
    assert settings.path == path.resolve()
    assert settings.database.url == f"sqlite:///{(tmp_path / 'ibanbot.sqlite3').resolve()}"
    assert settings.bans.file == (tmp_path / "bans.toml").resolve()
    assert settings.bot.contact is None
    assert settings.detector_limits() == DetectorLimits()
    (devwiki,) = settings.wikis
    assert devwiki == WikiSettings(name="devwiki", api="http://127.0.0.1:8080/api.php")
    assert (devwiki.poll_seconds, devwiki.ping_templates, devwiki.maxlag, devwiki.max_retries,
            devwiki.retry_wait, devwiki.report_page, devwiki.run_page, devwiki.user) == (
        30, None, 5, 3, 5.0, None, None, None)
    assert devwiki.effective_ping_templates == DEFAULT_PING_TEMPLATES


def test_every_key_set(tmp_path: Path) -> None:
    path = write(tmp_path, """
[database]
url = "postgresql://ibanbot@db.example.org/ibanbot"
[bans]
file = "/srv/ibanbot/bans.toml"
[bot]
contact = "safety@example.org"
[limits]
revert_radius = 10
history_revisions = 20
history_bytes = 1000
max_parse_bytes = 500
""" + wiki(poll_seconds="60", ping_templates='["ping", "u"]', maxlag="0", max_retries="0",
           retry_wait="2.5", report_page='"Project:Reports"', run_page='"User:Bot/Run"',
           user='"IbanBot"') + wiki(name='"testwiki"', api='"https://test.example.org/api.php"'))
    settings = load_settings(path, NO_ENV)
    assert settings.database.url == "postgresql://ibanbot@db.example.org/ibanbot"
    assert settings.bans.file == Path("/srv/ibanbot/bans.toml")
    assert settings.bot.contact == "safety@example.org"
    assert settings.detector_limits() == DetectorLimits(10, 20, 1000, 500)
    assert settings.wiki_names == ("devwiki", "testwiki")
    assert settings.wiki("devwiki") == WikiSettings(
        name="devwiki", api="http://127.0.0.1:8080/api.php", poll_seconds=60,
        ping_templates=("ping", "u"), maxlag=0, max_retries=0, retry_wait=2.5,
        report_page="Project:Reports", run_page="User:Bot/Run", user="IbanBot")
    assert settings.wiki("devwiki").effective_ping_templates == ("ping", "u")
    assert settings.wiki("testwiki").api == "https://test.example.org/api.php"


@pytest.mark.parametrize("url,expected", [
    ("sqlite:///data/bot.db", "sqlite:///{base}/data/bot.db"),
    ("sqlite:///../bot.db", "sqlite:///{parent}/bot.db"),
    ("sqlite+pysqlite:///bot.db?timeout=5", "sqlite+pysqlite:///{base}/bot.db?timeout=5"),
    ("sqlite:////abs/bot.db", "sqlite:////abs/bot.db"),
    ("sqlite://", "sqlite://"),
    ("sqlite:///:memory:", "sqlite:///:memory:"),
    ("mysql+pymysql://bot@db/ibanbot", "mysql+pymysql://bot@db/ibanbot"),
])
def test_database_url_relative_to_settings_file(tmp_path: Path, url: str, expected: str) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    settings = load_settings(write(folder, f'[database]\nurl = "{url}"\n' + WIKI), NO_ENV)
    base = folder.resolve()
    assert settings.database.url == expected.format(base=base, parent=base.parent)


def test_bans_file_relative_to_settings_file(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "conf").mkdir()
    monkeypatch.chdir(ROOT)
    settings = load_settings(write(tmp_path / "conf", '[bans]\nfile = "../b/bans.toml"\n' + WIKI),
                             NO_ENV)
    assert settings.bans.file == (tmp_path / "b" / "bans.toml").resolve()
    assert settings.bans.file.is_absolute()


def test_environment_overrides_database_url(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///x.db"\n' + WIKI)
    url = "postgresql://ibanbot:s3cret@db/ibanbot"
    settings = load_settings(path, {DATABASE_URL_ENV: url})
    assert settings.database.url == url
    assert "s3cret" not in repr(settings) and "s3cret" not in settings.database.redacted_url
    assert settings.database.redacted_url == "postgresql://ibanbot:***@db/ibanbot"
    assert load_settings(path, {DATABASE_URL_ENV: ""}).database.url.endswith("/x.db")


def test_environment_override_without_database_table(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "sqlite:////var/lib/ibanbot.db")
    assert load_settings(write(tmp_path, WIKI)).database.url == "sqlite:////var/lib/ibanbot.db"


def test_bad_environment_url_names_the_variable_not_the_value(tmp_path: Path) -> None:
    message = error_of(tmp_path, WIKI, {DATABASE_URL_ENV: "p@ssw0rd-not-a-url"})
    assert message.startswith(f"{DATABASE_URL_ENV}: must be a database URL")
    assert "p@ssw0rd" not in message


def test_bad_url_in_file_does_not_echo_it(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[database]\nurl = 'pw-s3cret'\n" + WIKI)
    assert "s3cret" not in message


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, WIKI), NO_ENV)
    with pytest.raises(ValidationError):
        settings.bot = None  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        settings.wikis[0].poll_seconds = 1  # type: ignore[misc]
    assert isinstance(settings.wikis, tuple)


def test_unknown_wiki_lookup(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, WIKI), NO_ENV)
    with pytest.raises(ConfigError, match=r"no wiki named 'enwiki' \(configured: devwiki\)"):
        settings.wiki("enwiki")


def test_loaded_twice_gives_equal_independent_objects(tmp_path: Path) -> None:
    path = write(tmp_path, WIKI)
    first, second = load_settings(path, NO_ENV), load_settings(path, NO_ENV)
    assert first == second and first is not second


def test_example_settings_file_is_valid() -> None:
    settings = load_settings(EXAMPLE, NO_ENV)
    assert settings.wiki_names == ("devwiki",)
    assert settings.wiki("devwiki").api == "http://127.0.0.1:8080/api.php"
    assert settings.bans.file == EXAMPLE.parent / "bans.toml"


def test_example_settings_file_shows_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    models = [Settings.model_fields["database"].annotation, WikiSettings]
    keys = {k for m in models for k in m.model_fields}  # type: ignore[union-attr]
    keys |= {"file", "contact", "revert_radius", "history_revisions", "history_bytes",
             "max_parse_bytes"}
    keys |= set(Settings.model_fields["metrics"].annotation.model_fields)  # type: ignore
    keys |= set(Settings.model_fields["review"].annotation.model_fields)  # type: ignore
    missing = {k for k in keys if not re.search(rf"^#? ?{k} = ", text, re.M)}
    assert not missing


def test_settings_load_their_bans_file(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "settings.toml")
    shutil.copy(ROOT / "config" / "bans.example.toml", tmp_path / "bans.toml")
    bans = load_settings(tmp_path / "settings.toml", NO_ENV).load_bans()
    assert [b.id for b in bans] == ["IB-2026-001", "IB-2026-002"]


def test_missing_bans_file_named_by_settings(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, WIKI), NO_ENV)
    with pytest.raises(ConfigError, match=r"bans\.toml: file not found"):
        settings.load_bans()


def test_user_config_example_holds_the_account_keys_and_no_secret() -> None:
    text = (ROOT / "user-config.py.example").read_text(encoding="utf-8")
    namespace: dict = {"usernames": __import__("collections").defaultdict(dict)}
    exec(compile(text, "user-config.py.example", "exec"), namespace)
    assert namespace["password_file"] == "user-password.py"
    assert namespace["usernames"]["*"]["*"]
    for key in ("put_throttle", "max_retries", "retry_wait"):
        assert key in namespace
    assert "maxlag" in text and "BotPassword(" in text
    assert "family =" not in text and "mylang" not in text.replace("`mylang`", "")


def test_queue_min_confidence_per_kind(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, WIKI + '[review.queue_min_confidence]\nmention = 0.5\n'
                                              '"edit-change" = 0.4\n'), NO_ENV)
    limits = settings.review.queue_min_confidence.by_kind()
    assert limits["mention"] == 0.5 and limits["edit-change"] == 0.4 and limits["reply"] == 0
    assert set(limits) == {"userspace", "reply", "mention", "revert", "edit-change", "thanks",
                           "log-action"}
    assert "key 'review.queue_min_confidence.replies': unknown key" in error_of(
        tmp_path, WIKI + "[review.queue_min_confidence]\nreplies = 0.5\n")
    assert "key 'review.queue_min_confidence.mention': must be at most 1" in error_of(
        tmp_path, WIKI + "[review.queue_min_confidence]\nmention = 1.5\n")
    inline = load_settings(write(tmp_path, WIKI + "[review]\ncase_window_hours = 12\n"
                                              "queue_min_confidence = { reply = 0.6 }\n"), NO_ENV)
    assert inline.review.queue_min_confidence.by_kind()["reply"] == 0.6
    text = EXAMPLE.read_text(encoding="utf-8")
    for kind in limits:
        assert re.search(rf'^# "?{kind}"? = 0.0', text, re.M), kind
