"""Weibo-style social posts from a JSON search API (m.weibo.cn container format), with engagement counts."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import quote, urlsplit

import scrapy
from scrapy.http import Response

from analysis.numerals import parse_engagement
from crawler.extract import parse_datetime
from crawler.items import PostItem
from crawler.spiders._base import BaseMonitorSpider

logger = logging.getLogger(__name__)

_TAGS = re.compile(r"<[^>]+>")
WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"


def html_to_text(html: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", html or "", flags=re.I)
    text = _TAGS.sub("", text)
    return unescape(text).strip()


def parse_weibo_time(text: str, now: datetime) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), WEIBO_TIME)
    except (ValueError, AttributeError):
        return parse_datetime(text or "", now)


def _int(value) -> int | None:
    """A count as given ("1.2万", "30亿", 1234); None when malformed (the normaliser counts it and stores 0)."""
    return parse_engagement(value)


def posts_from_payload(payload: dict, base_url: str, now: datetime) -> tuple[list[dict], int | None]:
    """Posts (dicts) and the next page number from one m.weibo.cn-style JSON page."""
    if not isinstance(payload, dict) or payload.get("ok") != 1:
        return [], None
    data = payload.get("data") or {}
    cards = data.get("cards") or []
    posts = []
    for card in cards:
        groups = card.get("card_group") or [card]
        for c in groups:
            blog = c.get("mblog")
            if not blog:
                continue
            user = blog.get("user") or {}
            pid = str(blog.get("id") or blog.get("mid") or "")
            if not pid:
                continue
            posts.append(
                {
                    "post_id": pid,
                    "url": f"{base_url}/detail/{pid}",
                    "text": html_to_text(blog.get("text", "")),
                    "author": user.get("screen_name"),
                    "published_at": parse_weibo_time(blog.get("created_at", ""), now),
                    "reposts": _int(blog.get("reposts_count")),
                    "comments": _int(blog.get("comments_count")),
                    "likes": _int(blog.get("attitudes_count")),
                }
            )
    next_page = (data.get("cardlistInfo") or {}).get("page")
    return posts, (int(next_page) if next_page else None)


class SocialPostsSpider(BaseMonitorSpider):
    name = "social_posts"
    kinds = ("weibo",)

    async def start(self):
        for q in self.source.queries or [""]:
            url = self.source.url.replace("{query}", quote(q))
            yield scrapy.Request(self._page_url(url, 1), callback=self.parse, errback=self.errback,
                                 cb_kwargs={"base": url, "page": 1})  # fmt: skip

    @staticmethod
    def _page_url(url: str, page: int) -> str:
        return f"{url}{'&' if '?' in url else '?'}page={page}"

    def parse(self, response: Response, base: str, page: int):
        now = datetime.now(UTC)
        if self.binary(response):
            return
        try:
            payload = json.loads(
                response.body.decode(response.encoding if hasattr(response, "encoding") else "utf-8")
            )
        except (ValueError, UnicodeDecodeError) as exc:
            self.crawler.stats.inc_value("monitor/problems/bad_json")
            logger.warning("bad JSON from %s: %s", response.url, exc)
            return
        parts = urlsplit(response.url)
        posts, next_page = posts_from_payload(payload, f"{parts.scheme}://{parts.netloc}", now)
        for p in posts:
            yield PostItem(
                url=p["url"], source=self.source.name, platform=self.source.platform, level=self.source.level,
                region=self.source.region, title="", body=p["text"], author=p["author"],
                published_at=p["published_at"], fetched_at=now, reposts=p["reposts"], comments=p["comments"],
                likes=p["likes"], post_id=p["post_id"],
            )  # fmt: skip
        if next_page and next_page > page and next_page <= self.source.max_pages:
            yield scrapy.Request(self._page_url(base, next_page), callback=self.parse, errback=self.errback,
                                 cb_kwargs={"base": base, "page": next_page})  # fmt: skip
