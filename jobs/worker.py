"""`yuqing worker`: one Scrapy process that crawls from the shared scrapy-redis queues (any number of workers,
on any machine, against one Redis and one database).

The worker watches each configured source's Redis keys (crawler.distributed). When `yuqing serve` has pushed
a round of a source (or other workers have queued its requests), the worker starts that source's Redis
spider, which pops start requests and queued requests from the shared queue; the shared fingerprint set
makes sure every URL of a round is fetched once across all workers. The spider ends after
`serve.worker_idle_seconds` without work and writes its `crawl_runs` row (what this worker did in the round);
the worker keeps watching. The shared queue survives a worker's end (SCHEDULER_PERSIST), so a worker that
stops, or is killed, leaves the rest of the round to the others.

Progress: documents are upserted by canonical URL as in every crawl; a request popped by a worker that is
killed before fetching it is lost to that round (the next round fetches the page again).

SIGTERM / SIGINT: Scrapy closes the running spiders (their runs are recorded as interrupted) and the worker
exits; a second signal forces it.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from config.loader import Settings, Source
from crawler.settings import scrapy_settings
from store.db import open_store
from store.queries import sync_sources

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often an idle worker looks at the sources' Redis keys


class WorkerError(RuntimeError):
    """The worker cannot start (no Redis configured or reachable); the message is for the operator."""


@dataclass
class WorkerRun:
    """What one worker process did: spider runs started, and their pages and documents."""

    crawls: int = 0
    pages: int = 0
    stored: int = 0
    updated: int = 0
    by_source: dict[str, int] = field(default_factory=dict)  # pages per source


def connect_redis(settings: Settings):
    import redis

    if not settings.redis_url:
        raise WorkerError("yuqing worker 需要 Redis：请设置 redis_url（环境变量 MONITOR_REDIS_URL）。")
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise WorkerError(f"无法连接 Redis（{settings.redis_url.split('@')[-1]}）：{exc}") from None
    return client


def run_worker(settings: Settings, sources: Sequence[Source], *, exit_when_idle: float | None = None,
               poll_seconds: float = POLL_SECONDS) -> WorkerRun:  # fmt: skip
    """Crawl the sources' shared queues until SIGTERM / SIGINT, or until nothing ran for `exit_when_idle`
    seconds. Blocks; one call per process (Twisted's reactor cannot restart)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from twisted.internet import task

    from crawler.distributed import redis_spider_class, round_pending, source_keys
    from jobs.crawl import spider_for

    client = connect_redis(settings)
    engine = open_store(settings.resolved_db_url, upgrade=True)
    with engine.begin() as conn:
        sync_sources(conn, [s.as_row() for s in sources])
    engine.dispose()

    cfg = scrapy_settings(settings)
    cfg.update(
        {
            "SCHEDULER_PERSIST": True,  # one worker's end must not flush the queue the others still use
            "MAX_IDLE_TIME_BEFORE_CLOSE": settings.serve.worker_idle_seconds,
            "MONITOR_SHARED_QUEUE": True,
            "LOG_INSTALL_ROOT_HANDLER": False,  # entry points configure logging
        }
    )
    if not is_reactor_installed():
        install_reactor(cfg["TWISTED_REACTOR"])
    from twisted.internet import reactor

    process = CrawlerProcess(cfg)
    classes = {s.name: redis_spider_class(spider_for(s)) for s in sources}
    keys = {s.name: source_keys(spider_for(s).name, s.name) for s in sources}
    running: dict[str, object] = {}
    run = WorkerRun()
    state = {"stopping": False, "idle_since": time.monotonic()}

    def finished(result, name: str, crawler):
        running.pop(name, None)
        stats = crawler.stats.get_stats() if crawler.stats else {}
        pages = int(stats.get("response_received_count", 0))
        run.pages += pages
        run.stored += int(stats.get("monitor/stored", 0))
        run.updated += int(stats.get("monitor/updated", 0))
        run.by_source[name] = run.by_source.get(name, 0) + pages
        if hasattr(result, "getErrorMessage"):
            logger.error("worker crawl of %s failed: %s", name, result.getErrorMessage())
        return None

    def poll() -> None:
        if state["stopping"]:
            return
        for src in sources:
            if src.name in running:
                continue
            try:
                busy = round_pending(client, keys[src.name])
            except Exception as exc:  # noqa: BLE001 - Redis hiccup: log, try again at the next poll
                logger.error("cannot read the Redis queue of %s: %s", src.name, exc)
                return
            if busy:
                crawler = process.create_crawler(classes[src.name])
                running[src.name] = crawler
                run.crawls += 1
                logger.info("worker: crawling %s from the shared queue", src.name)
                d = process.crawl(crawler, source=src)
                d.addBoth(finished, src.name, crawler)
        if running:
            state["idle_since"] = time.monotonic()
        elif exit_when_idle is not None and time.monotonic() - state["idle_since"] >= exit_when_idle:
            logger.info("worker: idle for %.0f s, exiting", exit_when_idle)
            state["stopping"] = True
            reactor.stop()

    def watch_signals() -> None:
        # Scrapy's own handlers stop the crawls and then the reactor; ours only stops new crawls starting
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)

            def handler(signum, frame, previous=previous):
                state["stopping"] = True
                if callable(previous):
                    previous(signum, frame)

            signal.signal(sig, handler)

    loop = task.LoopingCall(poll)
    reactor.callWhenRunning(reactor.callLater, 0, watch_signals)  # after Scrapy installs its handlers
    reactor.callWhenRunning(loop.start, poll_seconds)
    started = datetime.now(UTC)
    process.start(stop_after_crawl=False)
    client.close()
    logger.info("worker ran %d crawl(s) since %s: %d pages", run.crawls, started.isoformat(), run.pages)
    return run
