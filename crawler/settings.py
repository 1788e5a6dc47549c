"""What a bare `scrapy crawl NAME` reads (scrapy.cfg: `default = crawler.settings`): the Scrapy settings built
from `config/settings.yaml` (or `$MONITOR_CONFIG`) by `crawler.scrapy_settings`.

This is an entry point, and the one module below the jobs layer that loads configuration files. The crawl
job hands spiders and pipelines what it loaded (a `Source`, the site-watch and impersonation configs, the
监测方案 as `MONITOR_PLANS`); a spider or pipeline started by a bare `scrapy crawl` has nothing handed to it
and loads through the `standalone_*` functions below.
"""

from __future__ import annotations

from pathlib import Path

from config.impersonation import ImpersonationConfig, load_impersonation_config
from config.loader import ConfigError, Plan, Source, load_plans, load_settings, load_sources
from config.sitewatch import SiteWatchConfig, load_sitewatch_config
from crawler.scrapy_settings import scrapy_settings

globals().update(scrapy_settings(load_settings()))


def standalone_source(name: str) -> Source:
    """The configured source called `name` (`scrapy crawl rss -a source=NAME`)."""
    settings = load_settings()
    for s in load_sources(settings.path(settings.sources_file)):
        if s.name == name:
            return s
    raise ConfigError(f"{settings.sources_file}: no source named {name!r}")


def standalone_plans(path: str | Path) -> list[Plan]:
    """The enabled 监测方案 of the plans file named by the `MONITOR_PLANS_FILE` setting."""
    return load_plans(path)


def standalone_sitewatch() -> SiteWatchConfig:
    """The site-watch config (`config/official_sites.yaml` or `$MONITOR_SITEWATCH_FILE`)."""
    return load_sitewatch_config()


def standalone_impersonation() -> ImpersonationConfig:
    """The impersonation scoring config (`config/impersonation.yaml`)."""
    return load_impersonation_config()
