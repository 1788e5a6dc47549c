"""Structural behaviour of the extractor on small hand-written pages: how the two bodies are reconciled,
which dates may date a page, and the benchmark's out-of-domain helpers (sites, tuning choice)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bench.extraction import _choose_tuning, registrable_domain, site_of
from crawler.extract import extract_article
from crawler.extract.body import _choose
from crawler.extract.dates import SHANGHAI
from crawler.extract.tuning import DEFAULT, MARGIN, grid

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages" / "structure"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=SHANGHAI)

ARTICLE = "\n".join(
    [
        "会议要求，各被审计单位要切实扛起整改主体责任，对审计发现的问题逐项建立台账。",
        "会议强调，要把审计整改与完善制度结合起来，举一反三，堵塞漏洞，防止同类问题反复出现。",
        "会议还通报了上半年审计整改情况，对整改不力的单位提出批评，并部署了下一阶段重点工作。",
    ]
)
COMMENTS = "\n".join(
    [
        "网友甲：希望整改真正落到实处，不要走过场，群众都在看着呢。",
        "网友乙：审计做得好，问题查出来了，关键是后续的问责要跟上，不能一罚了之。",
        "网友丙：支持，建议把整改结果向社会公开，接受大家的监督和检验。",
    ]
)


def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


# --- the body: two extractors reconciled by how their texts nest ----------------------------------------


def test_choose_keeps_trafilatura_when_it_nests_inside_ours_and_is_tighter():
    body, extractor = _choose(ARTICLE + "\n" + COMMENTS, ARTICLE)
    assert extractor == "trafilatura" and body == ARTICLE


def test_choose_keeps_ours_when_trafilatura_adds_text_around_it():
    body, extractor = _choose(ARTICLE, ARTICLE + "\n" + COMMENTS)
    assert extractor == "density" and body == ARTICLE


def test_choose_keeps_ours_when_the_two_disagree_on_the_core():
    assert _choose(ARTICLE, COMMENTS)[1] == "density"


def test_choose_keeps_ours_when_the_difference_is_small():
    """Trafilatura dropping one short line of ours is not 'clearly tighter': ours stays."""
    extra = "审计组进驻以来，共走访单位十二家。"
    assert _choose(ARTICLE + "\n" + extra, ARTICLE)[1] == "density"


def test_choose_falls_back_to_whichever_found_text():
    assert _choose("", ARTICLE) == (ARTICLE, "trafilatura")
    assert _choose(ARTICLE, "") == (ARTICLE, "density")


# --- dates: only where a dateline can be --------------------------------------------------------------


def test_dates_in_archive_link_lists_do_not_date_the_page():
    """An archive list of links full of dates sits before the article; the article's own date follows it."""
    out = extract_article(_page("archive_links.html"), "http://x.test/a.html", now=NOW)
    assert out["published_at"].isoformat() == "2023-05-12T00:00:00+08:00"
    assert "归档" not in out["body"]


def test_bare_today_in_a_headline_line_does_not_date_the_page():
    """ "今天起施行…" under the headline is running text, not a dateline ("今天 10:20" would be)."""
    out = extract_article(_page("headline_today.html"), "http://x.test/a.html", now=NOW)
    assert out["published_at"] is None and "no_date" in out["problems"]


def test_today_with_a_clock_time_under_the_headline_dates_the_page():
    html = _page("headline_today.html").replace("今天起施行新版审计整改办法", "今天 10:20 来源：审计署")
    out = extract_article(html, "http://x.test/a.html", now=NOW)
    assert out["published_at"].isoformat() == "2024-06-01T10:20:00+08:00"


# --- the benchmark's out-of-domain helpers ------------------------------------------------------------


def test_registrable_domain_keeps_chinese_second_level_suffixes():
    assert registrable_domain("book.news.sina.com.cn") == "sina.com.cn"
    assert registrable_domain("cn.rd.yahoo.com") == "yahoo.com"
    assert registrable_domain("www.audit.gov.cn") == "audit.gov.cn"


def test_site_of_prefers_manifest_then_url_then_links():
    links = (
        '<a href="http://a.sohu.com/1">x</a><a href="http://b.sohu.com/2">y</a><a href="http://qq.com/">z</a>'
    )
    assert site_of({"id": "p", "site": "163"}, links) == "163"
    assert site_of({"id": "p", "url": "http://news.qq.com/a/1.htm"}, links) == "qq.com"
    assert site_of({"id": "p"}, links) == "sohu.com"
    assert site_of({"id": "p"}, "<title>显示</title>") == "title:显示"
    assert site_of({"id": "p"}, "") == "page:p"


def test_tuning_grid_starts_with_the_default():
    configs = grid()
    assert configs[0] == DEFAULT and len(set(configs)) == len(configs)


def test_tuner_keeps_the_default_unless_clearly_beaten():
    near_tie = [[{"body_f1": 0.90, "date_acc": 1.0}], [{"body_f1": 0.90 + MARGIN / 2, "date_acc": 1.0}]]
    assert _choose_tuning(near_tie) == 0
    clear = [[{"body_f1": 0.90, "date_acc": 1.0}], [{"body_f1": 0.90 + 2 * MARGIN, "date_acc": 1.0}]]
    assert _choose_tuning(clear) == 1
