"""Items the spiders yield: news articles and social posts, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ArticleItem:
    """A news article, official announcement or search-result page, extracted from HTML."""

    url: str
    source: str  # configured source name
    title: str = ""
    body: str = ""
    platform: str = "news"
    level: str | None = None
    region: str | None = None
    author: str | None = None
    media: str | None = None
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    reads: int = 0
    encoding: str | None = None
    problems: list[str] = field(default_factory=list)  # non-fatal extraction problems, counted in stats
    # filled by pipelines
    plans: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    content_hash: str = ""


@dataclass
class PostItem(ArticleItem):
    """A social-media post (Weibo-style): short text, engagement counts, an author handle."""

    platform: str = "weibo"
    post_id: str = ""
