"""Typed, validated form of ``config/official_sites.yaml``: the office's own pages to watch, its names,
hand-added candidate hosts, and the settings of the candidate check and of discovery (dnstwist + DNS,
search queries).

``load_sitewatch_config(path)`` raises :class:`config.errors.ConfigError` naming the file and the key
(unknown keys are errors: every model sets ``extra="forbid"``). The file defaults to
``config/official_sites.yaml``; ``$MONITOR_SITEWATCH_FILE`` or an explicit path replaces it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.errors import ConfigError, format_validation_error
from config.files import CONFIG_DIR, read_yaml

logger = logging.getLogger(__name__)

SITEWATCH_FILE_ENV = "MONITOR_SITEWATCH_FILE"
DEFAULT_SITEWATCH_FILE = CONFIG_DIR / "official_sites.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _http_url(value: str) -> str:
    v = value.strip()
    if not re.match(r"^https?://[^/\s]+", v, re.I):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return v


class Official(_Strict):
    name: str = Field(min_length=2, description="the office's full official name")
    names: list[str] = Field(default_factory=list, description="other names it is known by (search queries)")
    homepage: str = Field(description="official homepage fetched first: candidates are compared with it")

    @field_validator("homepage")
    @classmethod
    def _url_ok(cls, v: str) -> str:
        return _http_url(v)


class Column(_Strict):
    name: str = Field(min_length=1, description="column name shown in findings, e.g. 审计要闻")
    selector: str = Field(min_length=1, description="CSS selector of the column's list items")
    max_days: int = Field(14, ge=1, description="newest item may be at most this many days old")


class WatchedPage(_Strict):
    url: str = Field(description="page of the office's own site to watch")
    site: str = Field("", description="site name shown on the dashboard")
    columns: list[Column] = Field(default_factory=list, description="columns checked for updates and blanks")
    regions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="fixed regions (header/nav/footer) → CSS selectors; defaults otherwise",
    )
    links_selector: str = Field("a", description="links checked for breakage (same site only)")
    max_links: int = Field(20, ge=0, description="same-site links fetched per check")
    allowed_script_hosts: list[str] = Field(
        default_factory=list, description="external script hosts that are fine"
    )

    @field_validator("url")
    @classmethod
    def _url_ok(cls, v: str) -> str:
        return _http_url(v)


class ManualCandidate(_Strict):
    url: str = Field(description="a candidate site a press officer added")
    note: str = ""

    @field_validator("url")
    @classmethod
    def _url_ok(cls, v: str) -> str:
        v = v.strip()
        if "://" not in v:
            v = "http://" + v
        return _http_url(v)


class CheckSettings(_Strict):
    max_pages: int = Field(
        3, ge=0, description="linked same-site pages fetched per candidate besides the homepage"
    )
    max_page_bytes: int = Field(2_000_000, ge=1024, description="larger responses are abandoned")
    timeout: int = Field(20, ge=1, description="seconds per request")
    recheck_days: int = Field(
        7, ge=0, description="candidates checked longer ago than this are checked again"
    )
    link_words: list[str] = Field(
        default_factory=lambda: ["关于", "简介", "概况", "联系", "证书", "培训", "合作", "授权", "about"],
        description="anchor words that pick the linked pages worth reading",
    )


class Resolver(_Strict):
    nameservers: list[str] = Field(default_factory=lambda: ["223.5.5.5", "119.29.29.29"])
    port: int = Field(53, ge=1, le=65535)
    timeout: float = Field(2.0, gt=0, description="seconds per name")
    workers: int = Field(8, ge=1, le=64, description="names resolved in parallel")

    @field_validator("nameservers")
    @classmethod
    def _ips(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one nameserver")
        for i, ns in enumerate(value):
            try:
                ipaddress.ip_address(ns)
            except ValueError:
                raise ValueError(f"item [{i}] {ns!r} is not an IP address") from None
        return value


class SearchEngine(_Strict):
    name: str = Field(min_length=1, description="source name for the search_results spider")
    url: str = Field(description="results URL template with {query}")

    @field_validator("url")
    @classmethod
    def _template(cls, v: str) -> str:
        if "{query}" not in v:
            raise ValueError("search url needs {query}")
        return _http_url(v)


class SearchDiscovery(_Strict):
    engines: list[SearchEngine] = Field(default_factory=list)
    claim_words: list[str] = Field(default_factory=lambda: ["合作", "授权", "指定", "培训", "证书", "认证"])
    extra_queries: list[str] = Field(default_factory=list)
    max_pages: int = Field(2, ge=1, description="result pages per query")


class Discovery(_Strict):
    domains: list[str] = Field(
        default_factory=list, description="official domains whose look-alikes are sought"
    )
    suffixes: list[str] = Field(
        default_factory=lambda: ["cn", "com.cn", "org.cn", "net.cn", "com", "net", "org"],
        description="suffixes anyone can register; labels are moved under them",
    )
    forms: list[str] = Field(
        default_factory=lambda: ["{label}", "{label}gov", "{label}-gov"],
        description="how a label is moved: {label}, {label}gov, {label}-gov …",
    )
    fuzzers: list[str] = Field(
        default_factory=lambda: [
            "omission",
            "repetition",
            "transposition",
            "hyphenation",
            "vowel-swap",
            "addition",
        ],
        description="dnstwist fuzzers applied to each moved name",
    )
    fuzz_suffixes: list[str] = Field(
        default_factory=lambda: ["cn", "com"], description="suffixes that get fuzzed"
    )
    max_names: int = Field(3000, ge=1, description="look-alike names resolved at most per run")
    resolver: Resolver = Resolver()
    search: SearchDiscovery = SearchDiscovery()
    ignore_hosts: list[str] = Field(
        default_factory=list, description="hosts (and their subdomains) never made candidates: portals, media"
    )

    @field_validator("forms")
    @classmethod
    def _forms(cls, value: list[str]) -> list[str]:
        for i, f in enumerate(value):
            if "{label}" not in f:
                raise ValueError(f"item [{i}] {f!r} needs {{label}}")
        return value


class SiteWatchConfig(_Strict):
    official: Official
    watch: list[WatchedPage] = Field(default_factory=list)
    candidates: list[ManualCandidate] = Field(default_factory=list)
    check: CheckSettings = CheckSettings()
    discovery: Discovery = Discovery()


def sitewatch_file(path: str | Path | None = None) -> Path:
    """The config file in use: explicit path, else $MONITOR_SITEWATCH_FILE, else config/official_sites.yaml."""
    if path:
        return Path(path)
    env = os.environ.get(SITEWATCH_FILE_ENV)
    return Path(env) if env else DEFAULT_SITEWATCH_FILE


def load_sitewatch_config(path: str | Path | None = None) -> SiteWatchConfig:
    """Load and validate the site-watch config; ConfigError names the file and key on any problem."""
    file = sitewatch_file(path)
    data = read_yaml(file)
    try:
        cfg = SiteWatchConfig.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(file, exc)) from None
    logger.debug("loaded site-watch config from %s", file)
    return cfg
