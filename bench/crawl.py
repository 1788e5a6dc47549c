"""Crawl throughput: a local site of >= 2,000 article pages crawled through the full pipeline into SQLite, and
the same site with a pipeline that only discards items, in one run. Prints pages/s for both and their ratio.

    python -m bench.crawl [--articles N] [--json]

The site (the demo's paginated provincial portal with N extra articles) is served from a separate process so
that the server does not compete with the crawler for the GIL. Both crawls use the same spider, extractor and
politeness-free local settings (no delay, 16 requests in flight); only the item pipelines differ.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from scrapy.exceptions import DropItem

from bench._common import emit, make_parser


class DiscardPipeline:
    """Drops every item: the baseline that measures crawling and extraction without storage."""

    def process_item(self, item):
        raise DropItem("bench: discarded")


def _serve(n_bulk: int, conn) -> None:
    from yuqing.demo import DemoSites, build_corpus

    corpus = build_corpus(datetime.now(UTC), n_bulk=n_bulk)
    sites = DemoSites(corpus, base_port=None, host_names=False).start()  # crawled from another process
    source = next(s for s in sites.sources() if s["kind"] == "list" and "news/index" in s["url"])
    articles = sum(
        1 for d in corpus.docs if d.site == "province_portal" and d.kind == "article" and d.reachable
    )
    conn.send((source, articles))
    conn.recv()  # wait for "stop"
    sites.stop()


def main(argv: list[str] | None = None) -> int:
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--articles", type=int, default=2500, help="extra article pages on the site (default 2500)"
    )
    args = parser.parse_args(argv)

    from config.loader import Source, load_plans, load_settings
    from crawler.spiders.news_listing import NewsListingSpider
    from jobs.crawl import run_crawl

    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=(args.articles, child), daemon=True)
    server.start()
    source, n_articles = parent.recv()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings()
            crawl = settings.crawl.model_copy(
                update={"download_delay": 0.0, "autothrottle": False, "concurrent_requests": 16,
                        "concurrent_requests_per_domain": 16, "allow_private_networks": ["127.0.0.0/8"]}
            )  # fmt: skip
            settings = settings.model_copy(
                update={"db_url": f"sqlite:///{Path(tmp) / 'bench.db'}", "crawl": crawl}
            )
            full = Source(**{**source, "name": "bench-full", "max_pages": 10_000, "depth": 10_000})
            discard = Source(**{**source, "name": "bench-discard", "max_pages": 10_000, "depth": 10_000})

            class DiscardSpider(NewsListingSpider):
                custom_settings = {"ITEM_PIPELINES": {f"{__name__}.DiscardPipeline": 100}}

            # discard first, so any warm-up cost falls on the baseline, not on the pipeline being measured
            plans = load_plans(settings.path(settings.plans_file))
            runs = run_crawl(settings, [[discard], [full]], plans=plans,
                             spider_overrides={"bench-discard": DiscardSpider},
                             overrides={"LOG_LEVEL": "ERROR"})  # fmt: skip
    finally:
        parent.send("stop")
        server.join(timeout=10)

    by_name = {r["source"]: r for r in runs}
    result: dict = {"articles_on_site": n_articles}
    for name, key in (("bench-full", "full"), ("bench-discard", "discard")):
        r = by_name[name]
        seconds = (r["finished_at"] - r["started_at"]).total_seconds()
        result[key] = {"pages": r["pages"], "seconds": round(seconds, 2), "pages_per_s": round(r["pages"] / seconds, 1),
                       "stored": r["stored"], "items": r["items"]}  # fmt: skip
    result["ratio"] = round(result["full"]["pages_per_s"] / result["discard"]["pages_per_s"], 3)
    print(f"site: {n_articles} article pages (+ list pages), served from a separate process")
    for key, label in (("full", "full pipeline → SQLite"), ("discard", "discard-only pipeline")):
        r = result[key]
        print(f"  {label:<24} {r['pages']:>6} pages in {r['seconds']:>6.1f} s = {r['pages_per_s']:>7.1f} pages/s"
              f"  (stored {r['stored']})")  # fmt: skip
    print(f"ratio full / discard: {result['ratio']:.3f}  (target >= 0.8)")
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
