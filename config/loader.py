"""Typed, validated configuration: settings (YAML + environment), sources and 监测方案 (topic plans).

Precedence for settings: explicit kwargs, then `MONITOR_*` environment variables (nested with `__`), then
`config/settings.yaml`, then defaults. Any typo, wrong type or invalid regex raises `ConfigError` with one
message naming the file, the key and the problem (`config.errors.format_validation_error`).

The other files have their own modules: site watch in `config.sitewatch`, impersonation scoring in
`config.impersonation`, response rules in `config.response_rules`, the dictionary and stopwords in
`config.resources`. Entry points (the CLI, the dashboard, benchmarks, `crawler.settings` for a bare
`scrapy crawl`) load them; everything below receives what they loaded.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, YamlConfigSettingsSource

from config.errors import ConfigError, format_validation_error
from config.files import CONFIG_DIR, ROOT, read_yaml

logger = logging.getLogger(__name__)

SETTINGS_FILE_ENV = "MONITOR_CONFIG"

LEVELS = ("central", "provincial", "municipal", "county", "self-media", "official")
KINDS = ("rss", "list", "search", "weibo", "wechat", "hotlist", "official", "site_check")
PLATFORMS = ("news", "weibo", "wechat", "official", "forum", "video", "hotlist")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- shared field checks
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str) -> int:
    """'08:30' (or '8:30') -> minutes after midnight; ValueError naming the value otherwise. The one time-of-day
    check: settings (report.daily_time) and the alerts file (windows, quiet hours) both use it."""
    m = _HHMM.match(str(value).strip())
    if not m:
        raise ValueError(f"{value!r} is not a time of day HH:MM like 08:30")
    return int(m.group(1)) * 60 + int(m.group(2))


def check_cidrs(value: list[str]) -> list[str]:
    """Every item a network in CIDR form (127.0.0.0/8, ::1/128); ValueError naming the bad item."""
    for i, net in enumerate(value):
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError as exc:
            raise ValueError(f"item [{i}] {net!r}: {exc}") from None
    return value


def check_timezone(value: str) -> str:
    """An IANA timezone name the system knows (Asia/Shanghai); ValueError otherwise."""
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r} (an IANA name like Asia/Shanghai)") from None
    return str(value)


# --------------------------------------------------------------------------- settings.yaml
class CrawlSettings(Strict):
    user_agent: str = Field(
        "ShenjiYuqingSentinel/0.1 (+https://github.com/yuqing-sentinel; public-opinion monitoring for audit offices)",
        description="User-Agent sent by every spider: say who you are and where to read about the crawler",
    )
    robots_txt_obey: bool = Field(True, description="obey robots.txt")
    download_delay: float = Field(
        1.0, ge=0, description="seconds between requests to one site (AutoThrottle start delay)"
    )
    concurrent_requests: int = Field(16, ge=1, description="requests in flight over all sites")
    concurrent_requests_per_domain: int = Field(1, ge=1, description="requests in flight to one site")
    autothrottle: bool = Field(True, description="adapt the delay to each site's response time")
    download_timeout: int = Field(30, ge=1, description="seconds before a request is abandoned")
    max_page_bytes: int = Field(
        8 * 1024 * 1024, ge=1024, description="larger responses are dropped and counted"
    )
    store_batch_size: int = Field(100, ge=1, description="documents written per database transaction")
    allow_private_networks: list[str] = Field(
        default_factory=list,
        description="private networks (CIDR) that may be crawled, e.g. 127.0.0.0/8 for tests and the demo",
    )

    @field_validator("allow_private_networks")
    @classmethod
    def _cidrs_valid(cls, value: list[str]) -> list[str]:
        return check_cidrs(value)

    default_depth: int = Field(
        10, ge=0, description="list pages at most this many links away from the start page"
    )


class AnalysisSettings(Strict):
    sentiment_model: str = Field("project", description="sentiment model: project (default) or snownlp")
    batch_size: int = Field(500, ge=1, description="documents per analysis batch")
    keywords_per_document: int = Field(8, ge=1, le=50, description="keywords kept per document")


class DashboardSettings(Strict):
    host: str = Field("127.0.0.1", description="address the dashboard listens on")
    port: int = Field(8501, ge=1, le=65535, description="dashboard port")
    timezone: str = Field("Asia/Shanghai", description="timezone used to display times and to cut days")
    base_url: str = Field(
        "http://127.0.0.1:8501",
        description="address people open the dashboard at; alerts link to events there",
    )
    session_minutes: int = Field(
        30, ge=1, le=1440, description="a login ends after this many minutes without a click"
    )
    max_failed_logins: int = Field(
        5, ge=1, le=100, description="failed logins (per account, and per client address) before a lock"
    )
    lockout_minutes: int = Field(15, ge=1, le=1440, description="how long such a lock lasts")

    @field_validator("timezone")
    @classmethod
    def _timezone_known(cls, value: str) -> str:
        return check_timezone(value)


class ReportSettings(Strict):
    unit_name: str = Field(
        "审计机关新闻宣传部门", min_length=1, description="unit named in the report header and masthead"
    )
    mark: str = Field("内部资料 注意保存", description="classification mark printed on every report")
    daily_time: str = Field(
        "08:30", description="HH:MM (dashboard.timezone) at which a 日报 is cut and due; weekly reports too"
    )
    recipients: list[str] = Field(
        default_factory=list,
        description="e-mail addresses the scheduler sends the 日报 to (via the first smtp channel "
        "of the alerts file; 值班领导 recipients there get it too)",
    )
    top_events: int = Field(5, ge=1, le=100, description="重点舆情 listed at most per report")

    @field_validator("daily_time")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        minutes = parse_hhmm(value)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ServeSettings(Strict):
    """`yuqing serve`: how often each job runs (minutes; 0 switches a job off) and how it stops."""

    analysis_after_crawl: bool = Field(
        True, description="analyse right after a crawl that stored or updated documents"
    )
    analysis_minutes: int = Field(10, ge=1, description="analyse new documents at least this often")
    alerts_minutes: int = Field(
        5, ge=0, description="evaluate alert rules and send due messages this often (0: off)"
    )
    digest_minutes: int = Field(
        5, ge=0, description="check this often whether the 日报 is due and send it once (0: off)"
    )
    site_check_minutes: int = Field(
        1440, ge=0, description="check impersonation candidates that are due this often (0: off)"
    )
    site_watch_minutes: int = Field(360, ge=0, description="watch the office's own pages this often (0: off)")
    heartbeat_seconds: int = Field(
        30, ge=1, description="the scheduler writes its heartbeat this often; status shows 运行中 within 2x"
    )
    crawl_timeout_minutes: int = Field(
        60, ge=1, description="a crawl, site check or watch running longer is stopped and counted as failed"
    )
    job_timeout_minutes: int = Field(
        30, ge=1, description="analysis and alerts running longer are stopped and counted as failed"
    )
    stop_grace_seconds: float = Field(
        5.0, ge=0, le=8, description="on SIGTERM/SIGINT, child processes get this long before SIGKILL"
    )
    worker_idle_seconds: int = Field(
        30, ge=1, description="yuqing worker: a source's crawl idle this long ends (and records its run)"
    )


class Settings(BaseSettings):
    """All application settings. Secrets (DB passwords, tokens) come only from the environment."""

    model_config = SettingsConfigDict(
        env_prefix="MONITOR_",
        env_nested_delimiter="__",
        extra="forbid",
        yaml_file=None,
        validate_default=True,
    )
    db_url: str = Field(
        "sqlite:///data/monitor.db", description="database URL; SQLite file or postgresql+psycopg://"
    )
    redis_url: str | None = Field(
        None, description="Redis URL; set it to share one crawl queue between machines"
    )
    data_dir: str = Field("data", description="folder for the SQLite file, exports and demo files")
    sources_file: str = Field("config/sources.yaml", description="file listing the sources to crawl")
    plans_file: str = Field("config/keywords.yaml", description="file with the 监测方案 (topic plans)")
    alerts_file: str = Field(
        "config/alerts.yaml", description="file with the alert rules, recipients and channels"
    )
    crawl: CrawlSettings = CrawlSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    dashboard: DashboardSettings = DashboardSettings()
    report: ReportSettings = ReportSettings()
    serve: ServeSettings = ServeSettings()

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        yaml_file = settings_cls.model_config.get("yaml_file")
        sources = [init_settings, env_settings]
        if yaml_file:
            sources.append(
                YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file, yaml_file_encoding="utf-8")
            )
        return tuple(sources)

    def path(self, value: str) -> Path:
        """Resolve a configured path relative to the project root."""
        p = Path(value)
        return p if p.is_absolute() else ROOT / p

    @property
    def resolved_db_url(self) -> str:
        """The DB URL with a relative SQLite path made absolute against the project root."""
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and not self.db_url.startswith(prefix + "/"):
            rel = self.db_url[len(prefix) :]
            if rel and rel != ":memory:":
                return prefix + str(ROOT / rel)
        return self.db_url


def settings_file() -> Path:
    return Path(os.environ.get(SETTINGS_FILE_ENV) or CONFIG_DIR / "settings.yaml")


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Load settings from YAML + environment (+ overrides); raise ConfigError with one clear message."""
    file = Path(path) if path else settings_file()
    if not file.exists() and (path is not None or os.environ.get(SETTINGS_FILE_ENV)):
        named = "" if path is not None else f" (named by {SETTINGS_FILE_ENV})"
        raise ConfigError(f"{file}: file not found{named}")
    try:
        if file.exists():
            read_yaml(file)  # syntax errors get a clear message before pydantic sees the file

        class _FileSettings(Settings):
            model_config = SettingsConfigDict(yaml_file=str(file) if file.exists() else None)

        return _FileSettings(**overrides)
    except ValidationError as exc:
        raise ConfigError(
            format_validation_error(file, exc) + " (environment MONITOR_* variables override the file)"
        ) from None


# --------------------------------------------------------------------------- sources.yaml
_CADENCE = re.compile(r"^\s*(\d+)\s*(m|min|h|d)?\s*$")


class Source(Strict):
    name: str = Field(min_length=1, description="unique name shown to users")
    kind: Literal["rss", "list", "search", "weibo", "wechat", "hotlist", "official", "site_check"]
    url: str = Field(min_length=1, description="start URL, or a template with {query} for search kinds")
    level: Literal["central", "provincial", "municipal", "county", "self-media", "official"]
    platform: Literal["news", "weibo", "wechat", "official", "forum", "video", "hotlist"] = "news"
    region: str | None = None
    cadence: str = Field("60m", description="how often to crawl: 30m, 2h, 1d")
    enabled: bool = True
    queries: list[str] = Field(default_factory=list, description="search kinds: queries filled into {query}")
    link_allow: list[str] = Field(
        default_factory=list, description="list kinds: regexes an article URL must match"
    )
    link_deny: list[str] = Field(default_factory=list, description="list kinds: regexes that exclude a URL")
    list_allow: list[str] = Field(
        default_factory=list, description="list kinds: regexes for further list pages"
    )
    next_page: str | None = Field(None, description="list kinds: CSS selector of the next-page link")
    max_pages: int = Field(5, ge=1, description="list and search kinds: list pages followed at most")
    depth: int | None = Field(None, ge=0, description="link depth limit (default crawl.default_depth)")
    encoding: str | None = Field(None, description="force a page encoding when the site lies about it")

    @field_validator("link_allow", "link_deny", "list_allow")
    @classmethod
    def _regexes_compile(cls, value: list[str]) -> list[str]:
        for i, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"item [{i}] {pattern!r} is not a valid regex: {exc}") from None
        return value

    @field_validator("cadence")
    @classmethod
    def _cadence_valid(cls, value: str) -> str:
        if not _CADENCE.match(str(value)):
            raise ValueError(f"cadence {value!r} must look like 30m, 2h or 1d")
        return str(value)

    @model_validator(mode="after")
    def _search_has_query(self) -> Source:
        if self.kind in ("search", "wechat") and "{query}" in self.url and not self.queries:
            raise ValueError("a search source with {query} in its url needs queries")
        return self

    @property
    def cadence_minutes(self) -> int:
        num, unit = _CADENCE.match(self.cadence).groups()
        return int(num) * {"m": 1, "min": 1, None: 1, "h": 60, "d": 1440}[unit]

    def as_row(self) -> dict[str, Any]:
        return {**self.model_dump(), "cadence_minutes": self.cadence_minutes}


class SourcesFile(Strict):
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesFile:
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"source name {s.name!r} is used twice")
            seen.add(s.name)
        return self


def load_sources(path: str | Path) -> list[Source]:
    file = Path(path)
    data = read_yaml(file)
    try:
        return SourcesFile.model_validate(data or {"sources": []}).sources
    except ValidationError as exc:
        raise ConfigError(format_validation_error(file, exc)) from None


# --------------------------------------------------------------------------- keywords.yaml (监测方案)
class Term(BaseModel):
    """One rule term: plain word (any-of), `+must`, `!exclude`, `/regex/` (combinable: `+/re/`, `!/re/`)."""

    model_config = ConfigDict(frozen=True)
    raw: str
    mode: Literal["any", "must", "exclude"]
    text: str
    is_regex: bool

    @classmethod
    def parse(cls, raw: str) -> Term:
        s = str(raw).strip()
        if not s:
            raise ValueError("empty term")
        mode = "any"
        if s[0] in "+!":
            mode = "must" if s[0] == "+" else "exclude"
            s = s[1:].strip()
        is_regex = len(s) >= 2 and s.startswith("/") and s.endswith("/")
        if is_regex:
            s = s[1:-1]
            try:
                re.compile(s)
            except re.error as exc:
                raise ValueError(f"term {raw!r}: invalid regex: {exc}") from None
        if not s:
            raise ValueError(f"term {raw!r} is empty after its prefix")
        return cls(raw=str(raw), mode=mode, text=s, is_regex=is_regex)


def _parse_terms(value: Any) -> list[Term]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError("must be a list of terms")
    out = []
    for i, raw in enumerate(value):
        if not isinstance(raw, str | int | float):
            raise ValueError(f"item [{i}] must be a string term")
        try:
            out.append(Term.parse(str(raw)))
        except ValueError as exc:
            raise ValueError(f"item [{i}]: {exc}") from None
    return out


class Plan(Strict):
    """A 监测方案: 主体词 (subject), 地域词 (region), 事件词 (event), 屏蔽词 (exclude)."""

    name: str = Field(min_length=1)
    description: str = ""
    enabled: bool = True
    subject: list[Term] = Field(description="主体词: the plan's subject; at least one must match")
    region: list[Term] = Field(default_factory=list, description="地域词: if given, at least one must match")
    event: list[Term] = Field(default_factory=list, description="事件词: if given, at least one must match")
    exclude: list[Term] = Field(default_factory=list, description="屏蔽词: any match drops the document")

    @field_validator("subject", "region", "event", "exclude", mode="before")
    @classmethod
    def _terms(cls, value: Any) -> list[Term]:
        return _parse_terms(value)

    @field_validator("subject")
    @classmethod
    def _subject_not_empty(cls, value: list[Term]) -> list[Term]:
        if not any(t.mode in ("any", "must") for t in value):
            raise ValueError("主体词 needs at least one term that is not an exclusion")
        return value


class PlansFile(Strict):
    plans: list[Plan]

    @model_validator(mode="after")
    def _unique(self) -> PlansFile:
        names = [p.name for p in self.plans]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"plan names used twice: {sorted(dup)}")
        return self


def load_plans(path: str | Path) -> list[Plan]:
    file = Path(path)
    data = read_yaml(file)
    try:
        return [p for p in PlansFile.model_validate(data or {"plans": []}).plans if p.enabled]
    except ValidationError as exc:
        raise ConfigError(format_validation_error(file, exc)) from None


class AppConfig(BaseModel):
    """Settings plus the files they point to, loaded and validated together."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    settings: Settings
    sources: list[Source]
    plans: list[Plan]


def load_config(path: str | Path | None = None, **overrides: Any) -> AppConfig:
    settings = load_settings(path, **overrides)
    return AppConfig(
        settings=settings,
        sources=load_sources(settings.path(settings.sources_file)),
        plans=load_plans(settings.path(settings.plans_file)),
    )
