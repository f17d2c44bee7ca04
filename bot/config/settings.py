"""The settings file: read once, validated with pydantic, frozen.

`load_settings(path)` returns a `Settings`; callers keep it (there is no global). Every bad input
is a `ConfigError` whose message is one line naming the file, the wiki (when the problem is inside a
`[[wikis]]` table) and the key. The bans file is read by `bot.config.bansfile.load_bans` with the
same
helpers (bot.config.tomlfile).
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.config.tomlfile import WIKI_NAME, Invalid, config_error, first_error, read_toml
from bot.errors import ConfigError
from detectors.base import DetectorLimits
from detectors.model import DEFAULT_PING_TEMPLATES

if TYPE_CHECKING:
    from detectors.bans import Ban

DATABASE_URL_ENV = "IBANBOT_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///ibanbot.sqlite3"
DEFAULT_BANS_FILE = "bans.toml"
_DEFAULT_LIMITS = DetectorLimits()


# ----------------------------------------------------------------------------- validators

def _nonblank(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("must not be empty")
    return value


def _base(info: ValidationInfo) -> Path:
    context = info.context if isinstance(info.context, dict) else {}
    return Path(context.get("base") or Path.cwd())


# ----------------------------------------------------------------------------- the schema

class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


PositiveInt = Annotated[int, Field(strict=True, ge=1)]
NonNegativeInt = Annotated[int, Field(strict=True, ge=0)]
Seconds = Annotated[float, Field(strict=True, ge=0)]


def check_database_url(url: str, base: Path) -> str:
    """The URL with a relative SQLite path made absolute (relative to `base`)."""
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", url) or any(c.isspace() for c in url):
        raise ValueError("must be a database URL such as sqlite:///ibanbot.sqlite3 or "
                         "postgresql+psycopg://user@host/ibanbot")
    match = re.fullmatch(r"(sqlite(?:\+\w+)?:///)([^?]*)(\?.*)?", url)
    if not match or not match[2] or match[2] == ":memory:" or match[2].startswith("file:"):
        return url
    file = Path(match[2])
    if not file.is_absolute():
        file = (base / file).resolve()
    return f"{match[1]}{file.as_posix()}{match[3] or ''}"


class DatabaseSettings(_Frozen):
    url: StrictStr = Field(DEFAULT_DATABASE_URL, repr=False, validate_default=True)  # secret?
    toolsdb: StrictStr | None = None  # Toolforge: url from toolsdb_credentials
    # (bot.config.toolforge)
    toolsdb_credentials: StrictStr = "~/replica.my.cnf"

    @field_validator("url")
    @classmethod
    def _url(cls, url: str, info: ValidationInfo) -> str:
        return check_database_url(url, _base(info))

    @property
    def redacted_url(self) -> str:
        """The URL with any password replaced by ***, for logs and messages."""
        return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:).*@", r"\1***@", self.url,
                      flags=re.DOTALL)  # to the last @: a password may hold an unencoded @


class BansSettings(_Frozen):
    file: Path = Field(Path(DEFAULT_BANS_FILE), validate_default=True)

    @field_validator("file", mode="before")
    @classmethod
    def _file(cls, value: Any, info: ValidationInfo) -> Path:
        if not isinstance(value, (str, Path)):
            raise ValueError("must be a quoted string (a file path)")
        if not str(value).strip():
            raise ValueError("must not be empty")
        return (_base(info) / Path(value).expanduser()).resolve()


class StreamsSettings(_Frozen):
    """Where events come from: polling each wiki (default) or one EventStreams connection."""

    source: Literal["poll", "eventstreams"] = "poll"
    eventstreams_url: StrictStr = "https://stream.wikimedia.org/v2/stream/recentchange"
    timeout_seconds: Annotated[float, Field(strict=True, gt=0)] = 60.0  # idle -> reconnect
    batch_seconds: Seconds = 1.0  # save the position at least this often
    reconnect_seconds: Seconds = 5.0

    @field_validator("eventstreams_url")
    @classmethod
    def _url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(
                c.isspace() for c in url):
            raise ValueError("must be an http(s) URL, e.g. "
                             "https://stream.wikimedia.org/v2/stream/recentchange")
        return url


class OperationsSettings(_Frozen):
    """Reliability: retention, the status check, polling leases and outage backoff."""

    retention_days: PositiveInt = 90  # decided items are purged this long after the decision
    stale_after_seconds: PositiveInt = 900  # `ibanbot status` exits 1 past this without a poll
    lease_seconds: PositiveInt = 120  # a polling lease row's expiry, renewed while its holder
    #                 lives (status warns past it); takeover never waits for it (the lock dies)
    lock_retry_seconds: PositiveInt = 2  # how often a process tries to take unheld wikis
    max_backoff_seconds: PositiveInt = 300  # longest wait between tries during an outage
    analysis_seconds: PositiveInt = 60  # one event's analysis on a large page is stopped past this
    analysis_memory_mb: PositiveInt = 1024  # ... or past this much memory (then staff are told)
    stop_seconds: PositiveInt = 10  # on SIGTERM, jobs still running after this are abandoned


class BotSettings(_Frozen):
    contact: StrictStr | None = None  # goes into the User-Agent

    _contact = field_validator("contact")(_nonblank)


class LimitsSettings(_Frozen):
    """`detectors.base.DetectorLimits`, settable per installation."""

    revert_radius: PositiveInt = _DEFAULT_LIMITS.revert_radius
    history_revisions: PositiveInt = _DEFAULT_LIMITS.history_revisions
    history_bytes: PositiveInt = _DEFAULT_LIMITS.history_bytes
    max_parse_bytes: PositiveInt = _DEFAULT_LIMITS.max_parse_bytes

    def detector_limits(self) -> DetectorLimits:
        return DetectorLimits(**self.model_dump())


def check_url(url: str, ending: str, example: str) -> str:
    """An http(s) URL without query or fragment whose path ends in `ending` ("" for any)."""
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.netloc or parts.query
            or parts.fragment or not parts.path.endswith(ending)
            or any(c.isspace() for c in url)):
        what = f"ending in {ending}" if ending else "without query"
        raise ValueError(f"must be an http(s) URL {what}, e.g. {example}")
    return url


def check_api_url(url: str) -> str:
    return check_url(url, "api.php", "https://en.wikipedia.org/w/api.php")


class WikiSettings(_Frozen):
    name: StrictStr  # our name for the wiki: in the bans file, the queue and the CLI
    api: StrictStr
    poll_seconds: PositiveInt = 30
    ping_templates: tuple[StrictStr, ...] | None = None  # None: DEFAULT_PING_TEMPLATES
    maxlag: NonNegativeInt = 5
    max_retries: NonNegativeInt = 3
    retry_wait: Seconds = 5.0
    report_page: StrictStr | None = None
    run_page: StrictStr | None = None
    report_min_edits: NonNegativeInt = 10  # reporters need at least this many edits
    report_max_per_day: PositiveInt = 5  # reports per reporter per 24 hours
    receipt_interval_seconds: NonNegativeInt = 10  # at most one receipt edit this often
    user: StrictStr | None = None  # the pywikibot account; None: anonymous read
    stream_wiki: StrictStr | None = None  # EventStreams `wiki` (db name), e.g. "enwiki"
    # review UI sign-in through the wiki's OAuth 2 (Extension:OAuth): the client's key; its
    # secret comes from $IBANBOT_OAUTH_SECRET_<NAME> or oauth_secret_file, never from here
    oauth_client_id: StrictStr | None = None
    oauth_url: StrictStr | None = None  # the provider's rest.php; None: beside `api`
    oauth_secret_file: Path | None = None

    _blank = field_validator("report_page", "run_page", "user", "stream_wiki",
                             "oauth_client_id", "oauth_url")(_nonblank)
    _api = field_validator("api")(check_api_url)

    @field_validator("oauth_url")
    @classmethod
    def _oauth_url(cls, url: str | None) -> str | None:
        return check_url(url, "rest.php", "https://meta.wikimedia.org/w/rest.php") \
            if url else url

    @field_validator("oauth_secret_file", mode="before")
    @classmethod
    def _secret_file(cls, value: Any, info: ValidationInfo) -> Any:
        return _base(info) / value if isinstance(value, str) and value.strip() else value

    @property
    def oauth_rest_url(self) -> str:
        """The OAuth provider's rest.php: `oauth_url`, or the one beside the wiki's api.php."""
        return self.oauth_url or self.api[: -len("api.php")] + "rest.php"

    @property
    def oauth_secret_env(self) -> str:
        return "IBANBOT_OAUTH_SECRET_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not WIKI_NAME.fullmatch(name):
            raise ValueError("must be letters, digits, '_', '.' or '-' only (e.g. devwiki)")
        return name

    @field_validator("ping_templates")
    @classmethod
    def _templates(cls, names: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for i, name in enumerate(names or ()):
            if not name.strip():
                raise Invalid("must not be empty", i)
        return names

    @property
    def effective_ping_templates(self) -> tuple[str, ...]:
        return DEFAULT_PING_TEMPLATES if self.ping_templates is None else self.ping_templates


class WebSettings(_Frozen):
    """The staff review web UI (`ibanbot web`, bot.web.wsgi:app)."""

    session_minutes: PositiveInt = 480  # a sign-in lasts this long
    login_attempts: PositiveInt = 5  # failed sign-ins per name (or per address x4) in the window
    login_window_minutes: PositiveInt = 15
    secure_cookies: bool = True  # cookies only over HTTPS; `ibanbot web` on 127.0.0.1 turns it off
    page_size: PositiveInt = 50
    # the address reviewers open (behind a proxy: the public one); the OAuth callback,
    # {public_url}/oauth/<wiki>/callback, is built on it. None: the request's own address
    public_url: StrictStr | None = None
    # reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Prefix are
    # trusted (werkzeug's ProxyFix); 0: none, the client's address is the connection's
    trusted_proxies: NonNegativeInt = 0
    # reads from a wiki (a diff, a timeline's contributions): each request's timeout, and how
    # long a page waits for them before it renders without (saying what it could not fetch;
    # the read goes on, and a diff it brings is kept with its item)
    wiki_timeout_seconds: Annotated[float, Field(strict=True, gt=0, le=120)] = 5.0
    page_wait_seconds: Annotated[float, Field(strict=True, gt=0, le=120)] = 0.5

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        example = "https://ibanbot.example.org/review"
        return check_url(url, "", example).rstrip("/") if url is not None else None


Confidence = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class QueueMinConfidence(_Frozen):
    """Per finding kind, the confidence below which a finding stays out of the default queue
    view (kept in the database; the `below` threshold filter shows it). 0: every finding."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    userspace: Confidence = 0.0
    reply: Confidence = 0.0
    mention: Confidence = 0.0
    revert: Confidence = 0.0
    edit_change: Confidence = Field(0.0, alias="edit-change")
    thanks: Confidence = 0.0
    log_action: Confidence = Field(0.0, alias="log-action")

    def by_kind(self) -> dict[str, float]:
        """kind value (`edit-change`) -> minimum."""
        return {k: float(v) for k, v in self.model_dump(by_alias=True).items()}


class ReviewSettings(_Frozen):
    """Reviewing, in the CLI and the web UI alike."""

    # a case: one ban's items with one actor and one target, from the first one's time
    # to this many hours later (bot.review.cases)
    case_window_hours: PositiveInt = 24
    # per finding kind, the confidence below which findings wait out of the default queue view
    queue_min_confidence: QueueMinConfidence = Field(
        default_factory=lambda: QueueMinConfidence.model_validate({}))


class MetricsSettings(_Frozen):
    """The Prometheus endpoint of `ibanbot run` (bot.pipeline.metrics; needs the `metrics`
    extra)."""

    port: Annotated[int, Field(strict=True, ge=0, le=65535)] = 0  # 0: no endpoint
    host: StrictStr = "127.0.0.1"  # the address to listen on ("0.0.0.0": every interface)

    _host = field_validator("host")(_nonblank)


class Settings(_Frozen):
    path: Path  # the settings file (absolute)
    database: DatabaseSettings = Field(default_factory=dict, validate_default=True)
    bans: BansSettings = Field(default_factory=dict, validate_default=True)
    bot: BotSettings = Field(default_factory=BotSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    streams: StreamsSettings = Field(default_factory=StreamsSettings)
    operations: OperationsSettings = Field(default_factory=OperationsSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    wikis: tuple[WikiSettings, ...] = Field((), validate_default=True)

    @field_validator("wikis", mode="before")
    @classmethod
    def _some_wikis(cls, value: Any) -> Any:
        if isinstance(value, dict):
            raise ValueError("must be an array of tables: write [[wikis]] above each wiki")
        if value is None or (isinstance(value, (list, tuple)) and not value):
            raise ValueError("at least one [[wikis]] table (name and api) is required")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: dict[str, int] = {}
        for i, wiki in enumerate(self.wikis):
            if wiki.name in seen:
                raise Invalid(f"duplicate wiki name (also wiki #{seen[wiki.name] + 1})",
                              "wikis", i, "name")
            seen[wiki.name] = i
        streams: dict[str, int] = {}
        for i, wiki in enumerate(self.wikis):
            if wiki.stream_wiki in streams:
                raise Invalid(f"another wiki has the same stream_wiki (wiki "
                              f"#{streams[wiki.stream_wiki] + 1})", "wikis", i, "stream_wiki")
            if wiki.stream_wiki:
                streams[wiki.stream_wiki] = i
        return self

    @property
    def wiki_names(self) -> tuple[str, ...]:
        return tuple(w.name for w in self.wikis)

    def wiki(self, name: str) -> WikiSettings:
        found = next((w for w in self.wikis if w.name == name), None)
        if found is None:
            raise ConfigError(f"{self.path}: no wiki named '{name}' "
                              f"(configured: {', '.join(self.wiki_names)})")
        return found

    def detector_limits(self) -> DetectorLimits:
        return self.limits.detector_limits()

    def load_bans(self) -> tuple[Ban, ...]:
        """The bans file these settings name, checked against these wikis."""
        return load_bans(self.bans.file, self.wiki_names)


_SETTINGS_KEYS = frozenset().union(*(m.model_fields for m in (
    Settings, DatabaseSettings, BansSettings, BotSettings, LimitsSettings, WikiSettings,
    StreamsSettings, OperationsSettings, WebSettings, MetricsSettings)))


# ----------------------------------------------------------------------------- loading

def load_settings(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, validate and freeze the settings file. `IBANBOT_DATABASE_URL` overrides database.url.

    Relative paths (the SQLite file, the bans file) are relative to the settings file's folder.
    """
    raw = read_toml(path)
    base = Path(path).resolve().parent
    if "path" in raw:
        raise config_error(path, ("path",), "unknown key")
    env_url = (os.environ if environ is None else environ).get(DATABASE_URL_ENV, "")
    if env_url:
        try:
            check_database_url(env_url, base)
        except ValueError as exc:
            raise ConfigError(f"{DATABASE_URL_ENV}: {exc}") from None
        database = raw.get("database", {})
        raw["database"] = {**database, "url": env_url} if isinstance(database, dict) else database
    elif isinstance(raw.get("database"), dict) and "toolsdb" in raw["database"]:
        from bot.config.toolforge import apply_toolsdb
        raw["database"] = apply_toolsdb(path, raw["database"], base)
    try:
        return Settings.model_validate({**raw, "path": Path(path).resolve()},
                                       context={"base": base})
    except ValidationError as exc:
        raise first_error(path, exc, raw, section="wikis", noun="wiki",
                          known_keys=_SETTINGS_KEYS) from None


def load_bans(path: str | Path, wiki_names: Iterable[str], data: bytes | None = None
              ) -> tuple[Ban, ...]:
    """See `bot.config.bansfile.load_bans` (re-exported here for callers of the settings API)."""
    from bot.config.bansfile import load_bans as _load_bans

    return _load_bans(path, wiki_names, data)
