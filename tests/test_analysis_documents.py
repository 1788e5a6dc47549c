"""Stage 1 per document (analysis.opinion.documents): what the sentiment model reads."""

from __future__ import annotations

import pytest

from analysis.opinion.documents import sentiment_input


def test_articles_are_read_by_headline_with_the_news_head_and_posts_whole_with_the_social_head():
    assert sentiment_input("审计署发布审计结果公告", "正文很长" * 50, "news") == (
        "审计署发布审计结果公告",
        "news",
    )
    assert sentiment_input("", "审计局又通报了，整改到底落实没有？", "weibo") == (
        "审计局又通报了，整改到底落实没有？",
        "social",
    )
    text, domain = sentiment_input("通报", "某县审计局通报专项审计发现的问题", "news")
    assert domain == "news" and text.startswith("通报。某县审计局")


def test_keywords_need_the_resources_the_entry_point_hands_over(monkeypatch, text_resources):
    from analysis import text

    assert text.extract_keywords("审计署发布审计结果公告，审计发现问题已整改。", 3)
    monkeypatch.setattr(text, "_resources", None)
    with pytest.raises(RuntimeError, match="not configured"):
        text.resources()
    monkeypatch.undo()
    text.configure(text_resources)  # the same files again: nothing changes
    assert text.resources() == text_resources
