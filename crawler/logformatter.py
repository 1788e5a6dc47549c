"""Log formatter that reports dropped items by their reason only (not the whole item with its body)."""

from __future__ import annotations

import logging

from scrapy import logformatter


class MonitorLogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        return {"level": logging.INFO, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}

    def scraped(self, item, response, spider=None):
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": getattr(item, "url", "?")}}
