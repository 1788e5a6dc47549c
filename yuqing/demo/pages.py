"""Render what each demo site serves (HTML, RSS, JSON, robots.txt) from the corpus, as (status, headers, bytes).

One class per site, each modelled on the structure of a kind of real Chinese site: a national news site
with RSS, a provincial portal with boilerplate, a GBK municipal portal that lies about its encoding, the
audit office's own TRS-style site, a county news site with relative dates, a Baidu-news-like search page
and an m.weibo.cn-like JSON API. Rendering is lazy and cached; nothing here opens a socket.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import math
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, quote

from yuqing.demo.corpus import (
    PAGE_SIZE,
    SITE_MEDIA,
    SITE_NAMES,
    Corpus,
    DemoDoc,
    search_hits,
    url_day,
    weibo_hits,
)

logger = logging.getLogger(__name__)

ROBOTS = "User-agent: *\nDisallow: /admin/\n\nSitemap: {base}/sitemap.xml\n"
# a 1x1 transparent PNG, served for the 党政机关 badge and logos
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
HUGE_BYTES = 2_500_000


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def not_found(path: str) -> Response:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>404 页面不存在</title></head>"
        f"<body><h1>404</h1><p>您访问的页面不存在或已被删除：{esc(path)}</p><p><a href='/'>返回首页</a></p></body></html>"
    )
    return Response(404, body.encode("utf-8"))


def server_error() -> Response:
    body = "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>"
    return Response(500, body.encode("utf-8"))


def _paragraphs_html(doc: DemoDoc, indent: bool = True) -> str:
    style = ' style="text-indent:2em;"' if indent else ""
    return "\n".join(f"<p{style}>{esc(p)}</p>" for p in doc.paragraphs)


def _relative(now: datetime, dt: datetime) -> str:
    """Relative publication time as county sites and search engines write it."""
    delta = now - dt
    if delta < timedelta(hours=1):
        return f"{max(1, int(delta.total_seconds() // 60))}分钟前"
    if dt.date() == now.date():
        return f"{int(delta.total_seconds() // 3600)}小时前"
    if dt.date() == (now - timedelta(days=1)).date():
        return f"昨天 {dt:%H:%M}"
    if dt.date() == (now - timedelta(days=2)).date():
        return f"前天 {dt:%H:%M}"
    if dt.year == now.year:
        return f"{dt.month}月{dt.day}日 {dt:%H:%M}"
    return f"{dt.year}年{dt.month}月{dt.day}日 {dt:%H:%M}"


def _cn_datetime(dt: datetime) -> str:
    return f"{dt.year}年{dt.month:02d}月{dt.day:02d}日 {dt:%H:%M}"


class SiteApp:
    """Base: routing, robots.txt, favicon, the admin trap and list pagination helpers."""

    key = ""
    index_paths: tuple[str, ...] = ("/", "/index.html")

    def __init__(self, corpus: Corpus, urls: dict[str, str]) -> None:
        self.corpus = corpus
        self.urls = urls  # filled in by DemoSites once every port is bound
        self.now = corpus.now
        self.docs = [d for d in corpus.docs if d.site == self.key]
        self.by_path = {d.path: d for d in self.docs}
        self._cache: dict[str, Response] = {}

    @property
    def base(self) -> str:
        return self.urls[self.key]

    def respond(self, path: str, query: dict[str, list[str]]) -> Response:
        if path == "/robots.txt":
            return Response(200, ROBOTS.format(base=self.base).encode(), "text/plain; charset=utf-8")
        if path in ("/favicon.ico",) or path.startswith("/images/") or path.startswith("/img/"):
            return Response(200, PNG, "image/png")
        if path.startswith("/admin/"):
            return self.admin(path)
        return self.route(path, query)

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        raise NotImplementedError

    def admin(self, path: str) -> Response:
        """A back-office preview page; robots.txt forbids it, so a polite crawler never sees it."""
        body = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>稿件预览（内部）审计局通报</title></head>"
            "<body><h1>【内部预览】审计局通报审计整改情况（未发布稿件）</h1><div class='content'>"
            "<p>本稿件尚未审核发布，仅供内部预览。审计整改情况通报正在起草中，请勿转载。</p></div></body></html>"
        )
        return Response(200, body.encode("utf-8"))

    def listed(self, column: str = "") -> list[DemoDoc]:
        docs = [d for d in self.docs if (not column or d.column == column)]
        return sorted(
            docs,
            key=lambda d: (
                d.published_at is None,
                -(d.published_at.timestamp() if d.published_at else 0),
                d.doc_id,
            ),
        )

    def good_neighbours(self, doc: DemoDoc, k: int = 8) -> list[DemoDoc]:
        """Related links: other intact documents of the same relevance, picked deterministically."""
        pool = [
            d
            for d in self.docs
            if d.kind != "broken" and d is not doc and d.relevant == doc.relevant and d.quirk != "huge"
        ]
        if not pool:
            return []
        r = random.Random(doc.doc_id)
        return r.sample(pool, min(k, len(pool)))

    def cached(self, key: str, make: Any) -> Response:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def page_count(n: int, size: int) -> int:
    return max(1, math.ceil(n / size))


# ================================================================================================ 1
class CnauditNews(SiteApp):
    """National audit newspaper site: RSS 2.0 feed plus article pages with ISO time in meta."""

    key = "cnaudit_news"

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        if path in self.index_paths:
            return self.cached("index", self.home)
        if path == "/rss.xml":
            return self.cached("rss", self.rss)
        doc = self.by_path.get(path)
        if doc is None or doc.drop_reason == "broken_http_404":
            return not_found(path)
        return Response(200, self.article(doc).encode("utf-8"))

    def header(self) -> str:
        nav = "".join(
            f'<li><a href="/{p}/">{n}</a></li>'
            for p, n in [
                ("yw", "要闻"),
                ("sjdt", "审计动态"),
                ("zcfg", "政策法规"),
                ("dfsj", "地方审计"),
                ("llyj", "理论研究"),
                ("sp", "视频"),
            ]
        )
        return (
            '<div class="top-bar"><span>欢迎访问审计时报网</span> <a href="/rss.xml">RSS订阅</a> <a href="/app.html">客户端下载</a></div>'
            f'<div class="header"><a href="/" class="logo"><img src="/img/logo.png" alt="审计时报网"></a>'
            f'<ul class="nav"><li><a href="/">首页</a></li>{nav}</ul></div>'
        )

    def footer(self) -> str:
        return (
            '<div class="footer"><p><a href="/about.html">关于我们</a> | <a href="/contact.html">联系我们</a> | '
            '<a href="/tg.html">投稿须知</a></p><p>审计时报网 版权所有 未经授权禁止转载 京ICP备18000001号-1</p></div>'
        )

    def home(self) -> Response:
        items = "".join(
            f'<li><a href="{d.path}">{esc(d.title)}</a><span>{d.published_at:%m-%d}</span></li>'
            for d in self.listed()[:40]
            if d.published_at
        )
        body = (
            "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>审计时报网</title>"
            f"<link rel='alternate' type='application/rss+xml' href='/rss.xml'></head><body>{self.header()}"
            f"<div class='main'><h2>最新报道</h2><ul class='list'>{items}</ul></div>{self.footer()}</body></html>"
        )
        return Response(200, body.encode("utf-8"))

    def rss(self) -> Response:
        items = []
        for d in self.listed():
            link = self.base + d.path
            desc = d.paragraphs[0][:120] + "……" if d.paragraphs else ""
            items.append(
                "<item>"
                f"<title>{esc(d.title)}</title><link>{esc(link)}</link>"
                f"<description>{esc(desc)}</description>"
                f"<pubDate>{format_datetime(d.published_at) if d.published_at else ''}</pubDate>"
                f'<guid isPermaLink="true">{esc(link)}</guid>'
                f"<author>{esc(d.author or '')}</author><category>{esc(d.media or '')}</category>"
                "</item>"
            )
        xml = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>审计时报网 - 要闻</title><link>{self.base}/</link><description>审计时报网最新报道</description>"
            f"<language>zh-cn</language><lastBuildDate>{format_datetime(self.now)}</lastBuildDate>"
            + "".join(items)
            + "</channel></rss>"
        )
        return Response(200, xml.encode("utf-8"), "application/rss+xml; charset=utf-8")

    def article(self, d: DemoDoc) -> str:
        iso = d.published_at.isoformat() if d.published_at else ""
        src = f"来源：{esc(d.media)}"
        byline = (
            ""
            if not d.author
            else f"本报记者 {esc(d.author)}"
            if not d.extra.get("reprint_of")
            else f"作者：{esc(d.author)}"
        )
        related = "".join(
            f'<li><a href="{n.path}">{esc(n.title)}</a></li>' for n in self.good_neighbours(d, 6)
        )
        return (
            "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{esc(d.title)}_审计时报网</title>"
            f"<meta name='keywords' content='审计,{esc(d.topic)}'><meta name='description' content='{esc(d.paragraphs[0][:80] if d.paragraphs else '')}'>"
            f"<meta property='og:title' content='{esc(d.title)}'><meta property='og:site_name' content='审计时报网'>"
            f"<meta property='article:published_time' content='{iso}'></head><body>{self.header()}"
            "<div class='crumb'>当前位置：<a href='/'>首页</a> &gt; <a href='/yw/'>要闻</a></div>"
            f"<div class='main'><div class='article'><h1 class='article-title'>{esc(d.title)}</h1>"
            f"<div class='info'><span class='time'>{_cn_datetime(d.published_at) if d.published_at else ''}</span> "
            f"<span class='source'>{src}</span> <span class='author'>{byline}</span></div>"
            f"<div class='article-content' id='content'>{_paragraphs_html(d)}</div>"
            f"<div class='editor'>责任编辑：{esc(d.editor)}</div>"
            "<div class='share'>分享到：<a href='#'>微信</a> <a href='#'>微博</a> <a href='javascript:window.print()'>打印</a></div></div>"
            f"<div class='sidebar'><h3>热点推荐</h3><ul>{related}</ul></div></div>{self.footer()}</body></html>"
        )


# ================================================================================================ 2
class ProvincePortal(SiteApp):
    """Provincial news portal: paginated lists, article pages thick with boilerplate, broken pages."""

    key = "province_portal"
    size = PAGE_SIZE["province_portal"]

    def __init__(self, corpus: Corpus, urls: dict[str, str]) -> None:
        super().__init__(corpus, urls)
        self.pages = page_count(len(self.listed()), self.size)

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        if path in self.index_paths:
            return Response(301, b"", headers={"Location": "/news/index.html"})
        m = re.fullmatch(r"/news/index(?:_(\d+))?\.html", path)
        if m:
            n = int(m.group(1) or 1)
            if n < 1 or n > self.pages or m.group(1) == "1":
                return not_found(path)
            return self.cached(f"list{n}", lambda: self.list_page(n))
        doc = self.by_path.get(path)
        if doc is None:
            return not_found(path)
        if doc.drop_reason == "broken_http_500":
            return server_error()
        if doc.quirk == "huge":
            return self.cached(path, lambda: Response(200, self.article(doc, huge=True).encode("utf-8")))
        page = self.article(doc).encode("utf-8")
        if doc.quirk == "truncated":
            page = page[: page.index(b'<p class="text cut"') + len(b'<p class="te')]
        return Response(200, page)

    def chrome(self, title: str, main: str) -> str:
        nav = "".join(
            f'<a href="/{p}/index.html">{n}</a>'
            for p, n in [
                ("news", "要闻"),
                ("sz", "时政"),
                ("sh", "社会"),
                ("cj", "财经"),
                ("ty", "体育"),
                ("wy", "文娱"),
                ("qx", "气象"),
                ("zt", "专题"),
            ]
        )
        return (
            "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><meta name='viewport' content='width=device-width'>"
            "<link rel='stylesheet' href='/css/main.css'><script src='/js/jquery.min.js'></script></head><body>"
            "<div class='topbar'><a href='/'>齐鲁要闻网首页</a> | <a href='/m/'>手机版</a> | <a href='/admin/login.html'>后台登录</a></div>"
            f"<div class='header'><img src='/img/logo.png' alt='齐鲁要闻网'><div class='nav'>{nav}</div>"
            "<form class='search' action='/search'><input name='q'><button>搜索</button></form></div>"
            "<div class='ad banner'><a href='/ad/2026.html'><img src='/img/ad-banner.jpg' alt='广告'></a></div>"
            f"{main}"
            "<div class='footer'><p><a href='/about.html'>关于我们</a> | <a href='/jubao.html'>违法和不良信息举报</a> | "
            "<a href='/map.html'>网站地图</a></p><p>齐鲁要闻网 版权所有 Copyright © 2010-2026 鲁ICP备10000002号</p>"
            "<p>互联网新闻信息服务许可证 37120170001</p></div></body></html>"
        )

    def list_page(self, n: int) -> Response:
        docs = self.listed()
        chunk = docs[(n - 1) * self.size : n * self.size]
        items = [
            f'<li><a href="{d.path}" target="_blank">{esc(d.title)}</a><span class="date">{d.published_at:%Y-%m-%d}</span></li>'
            for d in chunk
            if d.published_at
        ]
        if n == 2:  # a preview link into the back office: robots.txt forbids /admin/
            items.insert(
                4,
                '<li><a href="/admin/news/2026-11/19/content_99002.html">【待审】审计局通报审计整改情况</a><span class="date">2026-11-19</span></li>',
            )
        if n == 3:  # an intranet link that must never be followed
            items.insert(
                7,
                '<li><a href="http://10.0.0.5/x.html">内网：办公系统升级维护通知</a><span class="date">2026-11-18</span></li>',
            )
        nav = ['<a href="index.html">首页</a>']
        if n > 1:
            prev = "index.html" if n == 2 else f"index_{n - 1}.html"
            nav.append(f'<a href="{prev}" class="prev">上一页</a>')
        nav += [
            f'<a href="{"index.html" if i == 1 else f"index_{i}.html"}">{i}</a>'
            for i in range(max(1, n - 3), min(self.pages, n + 3) + 1)
        ]
        if n < self.pages:
            nav.append(f'<a href="index_{n + 1}.html" class="next">下一页</a>')
        nav.append(f'<a href="index_{self.pages}.html">尾页</a>' if self.pages > 1 else "")
        main = (
            "<div class='crumb'>您的位置：<a href='/'>首页</a> &gt; 要闻</div><div class='main'>"
            f"<ul class='news-list'>{''.join(items)}</ul><div class='pages'>{' '.join(nav)}</div></div>"
            "<div class='sidebar'><div class='ad'><img src='/img/ad-side.jpg' alt='广告'></div></div>"
        )
        return Response(200, self.chrome("要闻_齐鲁要闻网", main).encode("utf-8"))

    def article(self, d: DemoDoc, huge: bool = False) -> str:
        paras = d.paragraphs
        if d.quirk == "truncated":
            body = _paragraphs_html(d) + f'\n<p class="text cut">{esc(d.extra.get("cut_paragraph", ""))}</p>'
        elif d.drop_reason == "broken_empty_body":
            body = "<p><a href='/files/2026/sxqd.pdf'>附件下载</a></p>"
        else:
            body = _paragraphs_html(d)
        neighbours = self.good_neighbours(d, 10)
        hot = "".join(f'<li><a href="{n.path}">{esc(n.title)}</a></li>' for n in neighbours[:6])
        related = "".join(f'<li><a href="{n.path}">{esc(n.title)}</a></li>' for n in neighbours[6:])
        sitemap = self.sitemap() if huge else ""
        when = f"{d.published_at:%Y-%m-%d %H:%M}" if d.published_at else ""
        main = (
            "<div class='crumb'>您的位置：<a href='/'>首页</a> &gt; <a href='/news/index.html'>要闻</a> &gt; 正文</div>"
            f"<div class='main'><div class='article'><h1>{esc(d.title)}</h1>"
            f"<div class='article-info'><span class='time'>{when}</span> <span class='source'>来源：{esc(d.media)}</span> "
            f"<span class='author'>{'作者：' + esc(d.author) if d.author else ''}</span> <span class='fontsize'>字号：<a>大</a> <a>中</a> <a>小</a></span></div>"
            f"<div class='article-body' id='artibody'>{body}</div>"
            f"<div class='editor'>【责任编辑：{esc(d.editor)}】</div>"
            "<div class='share'>分享到：<a href='#'>微信</a> <a href='#'>微博</a> <a href='#'>QQ空间</a></div>"
            f"<div class='related'><h3>相关新闻</h3><ul>{related}</ul></div></div></div>"
            f"<div class='sidebar'><div class='hot-news'><h3>热点排行</h3><ol>{hot}</ol></div>"
            "<div class='ad'><a href='/ad/side.html'><img src='/img/ad-side.jpg' alt='广告'></a></div></div>"
            f"{sitemap}"
        )
        if len(paras) == 0 and d.drop_reason != "broken_empty_body":
            logger.debug("article %s has no paragraphs", d.doc_id)
        return self.chrome(f"{d.title}_齐鲁要闻网", main)

    def sitemap(self) -> str:
        """About 2.5 MB of valid boilerplate: an enormous site map of topic pages."""
        parts = ["<div class='sitemap'><h3>网站地图</h3><ul>"]
        size, i = 0, 0
        while size < HUGE_BYTES:
            item = f'<li><a href="/zt/zt{i}/index.html">专题{i}：乡村振兴 · 基层治理 · 民生实事 · 营商环境</a></li>'
            parts.append(item)
            size += len(item.encode("utf-8"))
            i += 1
        parts.append("</ul></div>")
        return "".join(parts)


# ================================================================================================ 3
class CityGbkPortal(SiteApp):
    """Municipal portal in GBK; some pages declare the wrong charset, some none, some headers lie."""

    key = "city_gbk_portal"
    size = PAGE_SIZE["city_gbk_portal"]
    META = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'

    def __init__(self, corpus: Corpus, urls: dict[str, str]) -> None:
        super().__init__(corpus, urls)
        self.pages = page_count(len(self.docs), self.size)

    @staticmethod
    def list_name(n: int) -> str:  # TRS numbering: index.html, index_1.html, index_2.html ...
        return "index.html" if n == 1 else f"index_{n - 1}.html"

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        if path in self.index_paths:
            return Response(302, b"", headers={"Location": "/xwzx/index.html"})
        m = re.fullmatch(r"/xwzx/index(?:_(\d+))?\.html", path)
        if m:
            n = int(m.group(1)) + 1 if m.group(1) else 1
            if n > self.pages or m.group(1) == "0":
                return not_found(path)
            return self.cached(f"list{n}", lambda: self.list_page(n))
        doc = self.by_path.get(path)
        if doc is None or doc.drop_reason == "broken_http_404":
            return not_found(path)
        if doc.drop_reason == "broken_garbage":
            junk = random.Random(doc.doc_id).randbytes(9000)
            return Response(200, junk, "text/html")
        meta = {"charset_meta_lie": '<meta charset="utf-8">', "charset_none": ""}.get(
            doc.quirk or "", self.META
        )
        ctype = "text/html; charset=utf-8" if doc.quirk == "charset_header_wrong" else "text/html"
        return Response(200, self.page(self.article(doc), meta), ctype)

    @staticmethod
    def page(text: str, meta: str) -> bytes:
        return text.replace("<!--META-->", meta).encode("gbk", errors="xmlcharrefreplace")

    def chrome(self, title: str, main: str) -> str:
        nav = "".join(
            f'<li><a href="/{p}/index.html">{n}</a></li>'
            for p, n in [
                ("xwzx", "新闻中心"),
                ("zwgk", "政务公开"),
                ("zwfw", "政务服务"),
                ("hdjl", "互动交流"),
                ("zjly", "走进临沂"),
            ]
        )
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
            f"<html><head><!--META--><title>{esc(title)}</title></head><body>"
            "<div class='top'><span>临沂新闻网</span> <a href='http://192.168.10.8/oa/login.html'>内网办公</a> <a href='/wza/'>无障碍</a></div>"
            f"<div class='banner'><img src='/images/banner.jpg' alt='临沂新闻网'></div><ul class='menu'>{nav}</ul>"
            f"{main}"
            "<div class='bottom'><p>主办：临沂新闻网 地址：山东省临沂市兰山区 联系电话：0539-0000000</p>"
            "<p>版权所有：临沂新闻网 鲁ICP备20000003号</p></div></body></html>"
        )

    def list_page(self, n: int) -> Response:
        chunk = self.listed()[(n - 1) * self.size : n * self.size]
        items = "".join(
            f'<li><a href="{d.path}" title="{esc(d.title)}">{esc(d.title)}</a><span>{d.published_at:%Y-%m-%d}</span></li>'
            if d.published_at
            else f'<li><a href="{d.path}" title="{esc(d.title)}">{esc(d.title)}</a></li>'
            for d in chunk
        )
        pager = [f"<span>共{self.pages}页 当前第{n}页</span>", f'<a href="{self.list_name(1)}">首页</a>']
        if n > 1:
            pager.append(f'<a href="{self.list_name(n - 1)}">上一页</a>')
        if n < self.pages:
            pager.append(f'<a href="{self.list_name(n + 1)}" class="next">下一页</a>')
        pager.append(f'<a href="{self.list_name(self.pages)}">尾页</a>')
        main = f"<div class='location'>当前位置：首页 &gt; 新闻中心</div><div class='list'><ul>{items}</ul><div class='page'>{' '.join(pager)}</div></div>"
        text = self.chrome("新闻中心", main)
        # list pages lie too: page 2 claims UTF-8, page 3 declares nothing, page 4's HTTP header is wrong
        meta = {2: '<meta charset="utf-8">', 3: ""}.get(n, self.META)
        ctype = {4: "text/html; charset=ISO-8859-1"}.get(n, "text/html")
        return Response(200, self.page(text, meta), ctype)

    def article(self, d: DemoDoc) -> str:
        when = (
            f"发布时间：{d.published_at.year}年{d.published_at.month:02d}月{d.published_at.day:02d}日 {d.published_at:%H:%M}"
            if d.published_at
            else ""
        )
        main = (
            "<div class='location'>当前位置：<a href='/'>首页</a> &gt; <a href='/xwzx/index.html'>新闻中心</a></div>"
            f"<div class='xl'><div class='xl_title'><h2>{esc(d.title)}</h2></div>"
            f"<div class='xl_info'>{when}　　信息来源：{esc(d.media)}{'　　作者：' + esc(d.author) if d.author else ''}　　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>"
            f"<div class='xl_con' id='zoom'>{_paragraphs_html(d)}</div>"
            f"<div class='xl_bj'>责任编辑：{esc(d.editor)}</div>"
            "<div class='xl_tools'><a href='javascript:window.print()'>【打印本页】</a> <a href='javascript:window.close()'>【关闭窗口】</a></div></div>"
        )
        return self.chrome(d.title, main)


# ================================================================================================ 4
class AuditOffice(SiteApp):
    """The audit office's own site: homepage with 标识码/ICP/党政机关 badge, 审计结果公告 and 工作动态 columns."""

    key = "audit_office"
    size = PAGE_SIZE["audit_sjgg"]
    COLUMNS = {"sjgg": ("/gkml/sjgg/", "审计结果公告"), "xwfb": ("/xwfb/gzdt/", "工作动态")}

    def __init__(self, corpus: Corpus, urls: dict[str, str]) -> None:
        super().__init__(corpus, urls)
        self.pages = {
            c: page_count(len([d for d in self.docs if d.column == c]), self.size) for c in self.COLUMNS
        }

    @staticmethod
    def list_name(n: int) -> str:
        return "index.html" if n == 1 else f"index_{n - 1}.html"

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        if path in self.index_paths:
            return self.cached("home", self.home)
        for col, (prefix, _) in self.COLUMNS.items():
            m = re.fullmatch(re.escape(prefix) + r"index(?:_(\d+))?\.html", path)
            if m:
                n = int(m.group(1)) + 1 if m.group(1) else 1
                if n > self.pages[col] or m.group(1) == "0":
                    return not_found(path)
                return self.cached(f"{col}{n}", lambda col=col, n=n: self.list_page(col, n))
        doc = self.by_path.get(path)
        if doc is None or doc.drop_reason == "broken_http_404":
            return not_found(path)
        return Response(200, self.article(doc).encode("utf-8"))

    def chrome(self, title: str, main: str, pubdate: str = "", source: str = "", column: str = "") -> str:
        meta = ""
        if pubdate:
            meta = (
                f'<meta name="PubDate" content="{pubdate}"><meta name="ContentSource" content="{esc(source)}">'
                f'<meta name="ColumnName" content="{column}"><meta name="SiteName" content="中华人民共和国审计署">'
            )
        return (
            "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title>{meta}<meta name='SiteDomain' content='www.audit.gov.cn'>"
            "<meta name='SiteIDCode' content='bm56000001'></head><body>"
            "<div class='header'><img src='/images/guohui.png' alt='国徽'><span class='sitename'>中华人民共和国审计署</span>"
            "<span class='en'>National Audit Office of the People's Republic of China</span></div>"
            "<div class='nav'><a href='/index.html'>首页</a><a href='/jgsz/index.html'>机构概况</a>"
            "<a href='/xwfb/gzdt/index.html'>新闻发布</a><a href='/gkml/index.html'>政务公开</a>"
            "<a href='/gkml/sjgg/index.html'>审计结果公告</a><a href='/hdjl/index.html'>互动交流</a></div>"
            f"{main}"
            "<div class='footer'><p>主办单位：中华人民共和国审计署　地址：北京市海淀区展览路北露园1号　邮编：100830</p>"
            "<p>版权所有：中华人民共和国审计署　网站标识码bm56000001　<a href='https://beian.miit.gov.cn/'>京ICP备05042830号</a>"
            "　京公网安备11010802000001号</p>"
            "<p><a href='http://bszs.conac.cn/sitename?method=show&amp;id=000000000000'><img src='/images/dzjg.png' alt='党政机关' "
            "class='dzjg'></a> <a href='/jiucuo/'><img src='/images/jiucuo.png' alt='政府网站找错'></a></p></div></body></html>"
        )

    def home(self) -> Response:
        blocks = []
        for col, (prefix, label) in self.COLUMNS.items():
            items = "".join(
                f'<li><a href="{d.path}">{esc(d.title)}</a><span>{d.published_at:%Y-%m-%d}</span></li>'
                for d in self.listed(col)[:8]
                if d.published_at
            )
            blocks.append(
                f"<div class='col'><h3><a href='{prefix}index.html'>{label}</a></h3><ul>{items}</ul></div>"
            )
        main = (
            "<div class='focus'><img src='/images/focus.jpg' alt='要闻'></div><div class='columns'>"
            + "".join(blocks)
            + "</div>"
        )
        return Response(200, self.chrome("中华人民共和国审计署", main).encode("utf-8"))

    def list_page(self, col: str, n: int) -> Response:
        prefix, label = self.COLUMNS[col]
        chunk = self.listed(col)[(n - 1) * self.size : n * self.size]
        items = "".join(
            f'<li><a href=".{d.path[len(prefix) - 1 :]}" target="_blank" title="{esc(d.title)}">{esc(d.title)}</a>'
            f"<span>{d.published_at:%Y-%m-%d}</span></li>"
            for d in chunk
            if d.published_at
        )
        pages = self.pages[col]
        pager = [f'<a href="{self.list_name(1)}">首页</a>']
        if n > 1:
            pager.append(f'<a href="{self.list_name(n - 1)}">上一页</a>')
        if n < pages:
            pager.append(f'<a href="{self.list_name(n + 1)}" class="next">下一页</a>')
        pager.append(f'<a href="{self.list_name(pages)}">末页</a>')
        main = (
            f"<div class='crumb'>当前位置：<a href='/index.html'>首页</a> &gt; {label}</div>"
            f"<div class='list'><h2>{label}</h2><ul>{items}</ul><div class='page'>{' '.join(pager)}</div></div>"
        )
        return Response(200, self.chrome(f"{label}_中华人民共和国审计署", main).encode("utf-8"))

    def article(self, d: DemoDoc) -> str:
        _, label = self.COLUMNS.get(d.column or "xwfb", self.COLUMNS["xwfb"])
        pub = d.published_at
        main = (
            f"<div class='crumb'>当前位置：<a href='/index.html'>首页</a> &gt; {label}</div>"
            f"<div class='detail'><h1 class='title'>{esc(d.title)}</h1>"
            f"<div class='xxgk_info'>发布时间：{pub:%Y-%m-%d}　　来源：{esc(d.media)}　　【<a>打印</a>】【<a>关闭</a>】</div>"
            f"<div class='TRS_Editor'>{_paragraphs_html(d)}</div></div>"
        )
        return self.chrome(
            f"{d.title}_{label}_中华人民共和国审计署",
            main,
            f"{pub:%Y-%m-%d %H:%M}" if pub else "",
            d.media or "",
            label,
        )


# ================================================================================================ 6
class CountyNews(SiteApp):
    """County 融媒体 news site: relative times (3小时前, 昨天 10:20), read counts, reprints."""

    key = "county_news"

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        if path in self.index_paths:
            return self.cached("home", self.home)
        doc = self.by_path.get(path)
        if doc is None or doc.drop_reason == "broken_http_404":
            return not_found(path)
        page = self.article(doc).encode("utf-8")
        if doc.quirk == "truncated":
            page = page[: page.index(b'<p class="text cut"') + len(b'<p class="te')]
        return Response(200, page)

    def home(self) -> Response:
        items = "".join(
            f'<li><a href="{d.path}">{esc(d.title)}</a><em>{_relative(self.now, d.published_at)}</em></li>'
            for d in self.listed()[:30]
            if d.published_at and d.kind != "broken"
        )
        body = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>莒南融媒</title></head><body><h1>莒南融媒</h1><ul>{items}</ul></body></html>"
        return Response(200, body.encode("utf-8"))

    def article(self, d: DemoDoc) -> str:
        when = _relative(self.now, d.published_at) if d.published_at else ""
        body = _paragraphs_html(d, indent=False)
        if d.quirk == "truncated":
            body += f'\n<p class="text cut">{esc(d.extra.get("cut_paragraph", ""))}</p>'
        reads = d.engagement.get("reads", 0)
        more = "".join(f'<li><a href="{n.path}">{esc(n.title)}</a></li>' for n in self.good_neighbours(d, 5))
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{esc(d.title)} - 莒南融媒</title></head><body>"
            "<header class='app-bar'><a href='/'>莒南融媒</a><a class='download' href='/app/'>打开APP</a></header>"
            f"<article><h1 class='title'>{esc(d.title)}</h1>"
            f"<div class='meta'><span class='time'>{when}</span> <span class='src'>来源：{esc(d.media)}</span> "
            f"<span class='views'>阅读 {reads}</span></div>"
            f"<div class='content'>{body}</div>"
            f"<p class='by'>{'作者：' + esc(d.author) + '　' if d.author else ''}编辑：{esc(d.editor)}</p></article>"
            f"<section class='more'><h3>更多推荐</h3><ul>{more}</ul></section>"
            "<footer>莒南县融媒体中心 版权所有 鲁ICP备20000004号</footer></body></html>"
        )


# ================================================================================================ 5
class SearchEngine(SiteApp):
    """Baidu-news-like search results over the county site's pages: /s?wd=<query>&pn=<offset>."""

    key = "search_engine"
    size = PAGE_SIZE["search"]

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        if path in self.index_paths:
            body = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>百搜新闻</title></head><body><form action='/s'><input name='wd'><button>百搜一下</button></form></body></html>"
            return Response(200, body.encode("utf-8"))
        if path != "/s":
            return not_found(path)
        wd = (query.get("wd") or query.get("word") or [""])[0].strip()
        try:
            pn = max(0, int((query.get("pn") or ["0"])[0]))
        except ValueError:
            pn = 0
        return Response(200, self.results(wd, pn).encode("utf-8"))

    def results(self, wd: str, pn: int) -> str:
        hits = search_hits(self.corpus.docs, wd) if wd else []
        chunk = hits[pn : pn + self.size]
        county = self.urls.get("county_news", "")
        blocks = []
        for i, d in enumerate(chunk):
            when = (
                _relative(self.now, d.published_at)
                if d.published_at and self.now - d.published_at < timedelta(days=1)
                else (
                    f"{d.published_at.year}年{d.published_at.month}月{d.published_at.day}日 {d.published_at:%H:%M}"
                    if d.published_at
                    else ""
                )
            )
            snippet = esc((d.paragraphs[0] if d.paragraphs else d.title)[:90]) + "..."
            for w in wd.split():
                snippet = snippet.replace(esc(w), f"<em>{esc(w)}</em>")
            blocks.append(
                f'<div class="result" id="{pn + i + 1}"><h3><a href="{county}{d.path}" target="_blank">{esc(d.title)}</a></h3>'
                f'<p class="c-author">{esc(d.media)}&nbsp;&nbsp;{when}</p><div class="c-summary">{snippet}</div></div>'
            )
        q = quote(wd)
        pager = []
        if pn > 0:
            pager.append(f'<a class="n-prev" href="/s?wd={q}&amp;pn={max(0, pn - self.size)}">&lt;上一页</a>')
        for k in range(page_count(len(hits), self.size)):
            pager.append(
                f'<a href="/s?wd={q}&amp;pn={k * self.size}"><span class="pc">{k + 1}</span></a>'
                if k * self.size != pn
                else f"<strong>{k + 1}</strong>"
            )
        if pn + self.size < len(hits):
            pager.append(f'<a class="n" href="/s?wd={q}&amp;pn={pn + self.size}">下一页&gt;</a>')
        empty = "" if hits else f"<div class='nors'>抱歉，没有找到与“{esc(wd)}”相关的新闻。</div>"
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>百搜新闻搜索_{esc(wd)}</title></head><body>"
            f"<div id='head'><form action='/s'><input name='wd' value='{esc(wd)}'><button>百搜一下</button></form></div>"
            f"<div class='nums'>找到相关新闻约{len(hits)}篇</div><div id='content_left'>{''.join(blocks)}{empty}</div>"
            f"<div id='page'>{''.join(pager)}</div><div id='foot'>©2026 百搜 使用百搜前必读</div></body></html>"
        )


# ================================================================================================ 7
def weibo_time(dt: datetime) -> str:
    return dt.strftime("%a %b %d %H:%M:%S %z %Y")


class WeiboApi(SiteApp):
    """m.weibo.cn-like search API (JSON) plus a /detail/<id> HTML page per post."""

    key = "weibo_api"
    size = PAGE_SIZE["weibo"]

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        if path == "/api/container/getIndex":
            return self.search(query)
        if path == "/ajax/side/hotSearch":
            return Response(200, json.dumps(self.hot_search(), ensure_ascii=False).encode("utf-8"))
        m = re.fullmatch(r"/detail/(\d+)", path)
        if m:
            doc = self.by_path.get(path)
            return Response(200, self.detail(doc).encode("utf-8")) if doc else not_found(path)
        if path in self.index_paths:
            return Response(
                200,
                "<!DOCTYPE html><html><head><meta charset='utf-8'><title>微博</title></head><body>微博</body></html>".encode(),
            )
        return not_found(path)

    def hot_search(self) -> dict[str, Any]:
        """weibo.com/ajax/side/hotSearch-like list: today's audit stories among ordinary trending topics."""
        today = [
            d for d in self.corpus.docs if d.story_id == "story-emergency" and not d.extra.get("reprint_of")
        ]
        audit = [f"{d.title.split(' ')[0]}" for d in today] + [
            "审计署公告揭示多地挪用扶贫资金",
            "莒南工地坍塌 审计曾指出违法分包",
        ]
        filler = ["双十一快递高峰", "今冬首场寒潮", "国产大飞机新航线", "高校食堂涨价回应", "冬季流感高发", "某地景区门票免费",
                  "新能源车降价潮", "城市马拉松报名", "考研报名人数", "供暖季开始"]  # fmt: skip
        words = [filler[0], audit[-1], filler[1], filler[2], audit[-2], *filler[3:], *audit[:-2]]
        realtime = [
            {
                "word": w,
                "note": w,
                "num": 4_800_000 // (i + 1),
                "realpos": i + 1,
                "label_name": "热" if i < 3 else "",
            }
            for i, w in enumerate(words)
        ]
        return {"ok": 1, "data": {"realtime": realtime}}

    @staticmethod
    def query_of(query: dict[str, list[str]]) -> str:
        container = (query.get("containerid") or [""])[0]
        inner = parse_qs(container[len("100103") :] if container.startswith("100103") else container)
        q = (inner.get("q") or query.get("q") or [""])[0]
        return q.strip()

    def mblog(self, d: DemoDoc) -> dict[str, Any]:
        mid = d.path.rsplit("/", 1)[-1]
        return {
            "id": mid,
            "mid": mid,
            "bid": base64.b32encode(int(mid).to_bytes(8, "big")).decode().strip("=")[:9],
            "created_at": weibo_time(d.published_at) if d.published_at else "",
            "text": d.extra["html"],
            "textLength": len(d.body) * 2,
            "source": d.extra["source"],
            "user": {
                "id": d.extra["user_id"],
                "screen_name": d.author,
                "verified": False,
                "followers_count": d.extra["user_id"] % 90000,
            },
            "reposts_count": d.engagement["reposts"],
            "comments_count": d.engagement["comments"],
            "attitudes_count": d.engagement["likes"],
            "isLongText": False,
            "pic_num": 0,
        }

    def search(self, query: dict[str, list[str]]) -> Response:
        q = self.query_of(query)
        try:
            page = max(1, int((query.get("page") or ["1"])[0]))
        except ValueError:
            page = 1
        hits = weibo_hits(self.corpus.docs, q) if q else []
        pages = page_count(len(hits), self.size) if hits else 0
        if page > pages:
            data: dict[str, Any] = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
        else:
            cards: list[dict[str, Any]] = [
                {
                    "card_type": 9,
                    "itemid": f"seqid:{page}{i}",
                    "scheme": f"{self.base}{d.path}",
                    "mblog": self.mblog(d),
                }
                for i, d in enumerate(hits[(page - 1) * self.size : page * self.size])
            ]
            if page == 1:  # real result pages open with a group card of users, which carries no mblog
                cards.insert(
                    0,
                    {
                        "card_type": 11,
                        "card_group": [
                            {"card_type": 10, "user": {"id": 1000000001, "screen_name": "审计署"}}
                        ],
                    },
                )
            data = {
                "ok": 1,
                "data": {
                    "cardlistInfo": {
                        "containerid": f"100103type=1&q={q}",
                        "v_p": 42,
                        "title_top": q,
                        "total": len(hits),
                        "page": page + 1 if page < pages else None,
                    },
                    "cards": cards,
                },
            }
        return Response(
            200, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"
        )

    def detail(self, d: DemoDoc) -> str:
        status = self.mblog(d)
        when = f"{d.published_at:%m-%d %H:%M}" if d.published_at else ""
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{esc(d.author)}的微博</title></head><body><div class='card'>"
            f"<header><span class='name'>{esc(d.author)}</span> <span class='time'>{when}</span> "
            f"<span class='from'>来自 {esc(d.extra['source'])}</span></header>"
            f"<div class='weibo-text'>{d.extra['html']}</div>"
            f"<footer><span>转发 {d.engagement['reposts']}</span> <span>评论 {d.engagement['comments']}</span> "
            f"<span>赞 {d.engagement['likes']}</span></footer></div>"
            f"<script>var $render_data = [{json.dumps({'status': status}, ensure_ascii=False)}][0] || {{}};</script>"
            "</body></html>"
        )


APPS: dict[str, type[SiteApp]] = {
    "cnaudit_news": CnauditNews,
    "province_portal": ProvincePortal,
    "city_gbk_portal": CityGbkPortal,
    "audit_office": AuditOffice,
    "search_engine": SearchEngine,
    "county_news": CountyNews,
    "weibo_api": WeiboApi,
}

__all__ = ["APPS", "Response", "SiteApp", "SITE_MEDIA", "SITE_NAMES", "url_day"]
