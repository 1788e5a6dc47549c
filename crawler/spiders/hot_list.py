"""Hot-list spider: national hot lists (Weibo 热搜, Baidu 热榜, or a plain JSON list) as documents whose
presence on the list feeds event heat. Each entry is kept under its search URL, so re-crawls refresh its
hotness instead of duplicating it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import Response

from analysis.numerals import parse_engagement
from crawler.items import ArticleItem
from crawler.spiders._base import BaseMonitorSpider

logger = logging.getLogger(__name__)


def _int(value: Any) -> int | None:
    """A hot value or rank as given ("1,234", "30亿", 3000000000); None when malformed (counted by the
    normaliser, stored as 0)."""
    return parse_engagement(value)


def hot_entries(payload: Any, base_url: str) -> list[dict]:
    """Entries (rank, title, url, hot, note) of a hot-list JSON payload in one of the known shapes:
    Weibo `data.realtime[]` (word, num, note), Baidu board `data.cards[].content[]` (word / query, hotScore,
    desc, url), or a plain list / `items[]` of {title, url, hot}."""
    rows: list[dict] = []
    data = payload.get("data") if isinstance(payload, dict) else None
    if isinstance(data, dict) and isinstance(data.get("realtime"), list):
        host = urlsplit(base_url).netloc
        search = "https://s.weibo.com/weibo?q=" if host.endswith("weibo.com") else f"{base_url}/weibo?q="
        for i, e in enumerate(data["realtime"]):
            word = str(e.get("word") or e.get("note") or "").strip()
            if word:
                rows.append({"rank": _int(e.get("realpos")) or i + 1, "title": word, "hot": _int(e.get("num")),
                             "note": str(e.get("note") or ""), "url": search + quote(f"#{word}#")})  # fmt: skip
    elif isinstance(data, dict) and isinstance(data.get("cards"), list):
        for card in data["cards"]:
            for i, e in enumerate(card.get("content") or []):
                word = str(e.get("word") or e.get("query") or "").strip()
                url = e.get("url") or e.get("rawUrl") or f"https://www.baidu.com/s?wd={quote(word)}"
                if word:
                    rows.append({"rank": (_int(e.get("index", i)) or 0) + 1, "title": word, "hot": _int(e.get("hotScore")),
                                 "note": str(e.get("desc") or ""), "url": url})  # fmt: skip
    else:
        items = payload if isinstance(payload, list) else (payload or {}).get("items") or []
        for i, e in enumerate(items):
            if isinstance(e, dict) and e.get("title") and e.get("url"):
                rows.append({"rank": i + 1, "title": str(e["title"]).strip(), "hot": _int(e.get("hot")),
                             "note": str(e.get("note") or ""), "url": str(e["url"])})  # fmt: skip
    return rows


class HotListSpider(BaseMonitorSpider):
    name = "hot_list"
    kinds = ("hotlist",)

    async def start(self):
        yield scrapy.Request(self.source.url, callback=self.parse, errback=self.errback)

    def parse(self, response: Response):
        now = datetime.now(UTC)
        if self.binary(response):
            return
        try:
            payload = json.loads(response.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            self.crawler.stats.inc_value("monitor/problems/bad_json")
            logger.warning("hot list %s is not JSON: %s", response.url, exc)
            return
        parts = urlsplit(response.url)
        entries = hot_entries(payload, f"{parts.scheme}://{parts.netloc}")
        if not entries:
            self.crawler.stats.inc_value("monitor/problems/empty_hot_list")
        for e in entries:
            note = f"（{e['note']}）" if e["note"] and e["note"] != e["title"] else ""
            yield ArticleItem(
                url=e["url"], source=self.source.name, platform="hotlist", level=self.source.level,
                region=self.source.region, title=e["title"], body=f"{e['title']}{note}", media=f"热榜第{e['rank']}位",
                published_at=now, fetched_at=now, reads=e["hot"],
            )  # fmt: skip
