"""Pure alert decisions and text (analysis.opinion.alerts): delivery windows, quiet hours across midnight, minimum
interval, daily cap, urgent bypass, backoff, merging into blocks, inert crawled text, splitting by bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analysis.opinion.alerts import (
    Split,
    block_html,
    block_markdown,
    block_text,
    bounded_key,
    build_blocks,
    cut_bytes,
    gate,
    md_text,
    retry_delay,
    safe_url,
    split_blocks,
    subject,
    utf8_len,
)

TZ = "Asia/Shanghai"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def local(y, mo, d, h, mi=0) -> datetime:
    """A UTC instant for a Shanghai wall-clock time (UTC+8)."""
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


def test_urgent_always_passes():
    assert gate(now=local(2026, 11, 23, 3), tz=TZ, urgent=True, quiet=(22 * 60, 7 * 60), daily_cap=1,
                sent_today=5, last_message_at=local(2026, 11, 23, 3), min_interval_minutes=60).allowed  # fmt: skip


def test_quiet_hours_cross_midnight():
    quiet = (22 * 60, 7 * 60)
    for t, allowed in ((local(2026, 11, 23, 21, 59), True), (local(2026, 11, 23, 22, 0), False),
                       (local(2026, 11, 24, 3), False), (local(2026, 11, 24, 6, 59), False),
                       (local(2026, 11, 24, 7, 0), True)):  # fmt: skip
        g = gate(now=t, tz=TZ, urgent=False, quiet=quiet)
        assert g.allowed is allowed, t
        assert allowed or g.reason == "免打扰时段"


def test_weekday_windows_including_one_past_midnight():
    windows = [(WEEKDAYS, (8 * 60, 22 * 60)), (["fri"], (22 * 60, 2 * 60))]
    cases = [
        (local(2026, 11, 23, 8, 0), True),  # Monday 08:00
        (local(2026, 11, 23, 7, 59), False),
        (local(2026, 11, 28, 10), False),  # Saturday
        (local(2026, 11, 28, 1, 30), True),  # Saturday 01:30 belongs to Friday's 22:00-02:00
        (local(2026, 11, 24, 1, 30), False),  # Tuesday 01:30: Monday has no late window
    ]
    for t, allowed in cases:
        g = gate(now=t, tz=TZ, urgent=False, windows=windows)
        assert g.allowed is allowed, t
        assert allowed or g.reason == "不在接收时段"


def test_whole_day_window_ends_at_midnight():
    assert gate(
        now=local(2026, 11, 23, 23, 59), tz=TZ, urgent=False, windows=[(["mon"], (0, 23 * 60 + 59))]
    ).allowed


def test_min_interval_and_daily_cap():
    now = local(2026, 11, 23, 10)
    assert not gate(now=now, tz=TZ, urgent=False, last_message_at=now - timedelta(minutes=29),
                    min_interval_minutes=30).allowed  # fmt: skip
    assert gate(now=now, tz=TZ, urgent=False, last_message_at=now - timedelta(minutes=30),
                min_interval_minutes=30).allowed  # fmt: skip
    capped = gate(now=now, tz=TZ, urgent=False, sent_today=20, daily_cap=20)
    assert not capped.allowed and capped.reason == "今日已达上限 20 条"
    assert gate(now=now, tz=TZ, urgent=False, sent_today=20, daily_cap=0).allowed  # 0 = no cap


def test_backoff_doubles_up_to_the_cap():
    assert [retry_delay(n, 60, 3600).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920,
                                                                                3600, 3600]  # fmt: skip


def test_crawled_text_is_made_inert_for_markdown():
    evil = "标题[点我](javascript:alert(1)) **粗** <font color=red>红</font> <@all> `code`\n# 标题 > 引用"
    clean = md_text(evil)
    for bad in ("[", "](", "**", "<font", "<@", "`", "\n", "#", ">"):
        assert bad not in clean
    assert "标题" in clean and "红" in clean


def test_only_http_links_and_markdown_safe():
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url("ftp://x.cn/a") is None and safe_url("  ") is None and safe_url(None) is None
    u = safe_url('https://x.cn/a (b)<c>"d"')
    assert u is not None and all(ch not in u for ch in ' ()<>"')


def _office(i: int, event: int | None = 7, **kw) -> dict:
    return {"trigger": "office_criticism", "group": f"event:{event}" if event else f"doc:{i}", "key": f"o{i}",
            "title": f"网友质疑{i}", "event_title": "审计局被指走过场" if event else None, "event_id": event,
            "doc_count": 1, "source": kw.get("source", "微博"), "rule": "批评审计机关", "doc_url": f"https://x.cn/{i}"}  # fmt: skip


def test_documents_of_one_event_merge_into_one_block_with_a_count():
    now = local(2026, 11, 23, 10)
    a = {"trigger": "event_class_a", "group": "event:1", "key": "a1", "title": "坍塌事故", "class": "A",
         "deadline_at": (now + timedelta(hours=4)).isoformat(), "event_id": 1, "urgent": True, "rule": "A类事件"}  # fmt: skip
    blocks = build_blocks(
        [_office(1), _office(2, source="大众网"), a, _office(3, event=None)], now, TZ, "http://d"
    )
    assert [b.trigger for b in blocks] == ["event_class_a", "office_criticism", "office_criticism"]
    merged = blocks[1]
    assert merged.count == 2 and merged.title == "审计局被指走过场"
    assert (
        dict(merged.lines)["篇数"] == "2 篇批评审计机关的负面信息"
        and dict(merged.lines)["信源"] == "微博、大众网"
    )
    assert ("看板查看", "http://d/events?event=7") in merged.links
    assert subject(blocks) == "【紧急】【舆情预警】3 条：A类事件 1、批评审计机关 2"
    assert "剩余 4小时0分，按 10:00 计" in dict(blocks[0].lines)["回应时限"]


def test_html_block_escapes_everything_crawled():
    now = local(2026, 11, 23, 10)
    item = {"trigger": "event_class_b", "group": "event:1", "key": "b", "title": "<script>alert(1)</script>",
            "reason": "<img src=x onerror=1>", "first_url": "javascript:alert(1)", "event_id": 1}  # fmt: skip
    (b,) = build_blocks([item], now, TZ, "http://d")
    out = block_html(b)
    assert "<script" not in out and "&lt;script&gt;" in out and "<img" not in out and "javascript:" not in out
    assert "javascript" not in block_markdown(b) and "javascript:" not in block_text(b)


def test_split_keeps_every_block_once_and_each_part_under_the_limit():
    now = local(2026, 11, 23, 10)
    blocks = build_blocks([_office(i, event=None) for i in range(80)], now, TZ, "http://d")
    split = Split(1500, lambda bs, foot: utf8_len("\n\n".join([*(block_markdown(b) for b in bs), foot])))
    parts = split_blocks(blocks, split)
    assert len(parts) > 3 and [b for p in parts for b in p] == blocks
    assert all(
        split.measure(p, "编号 0000000000000000（第 99/99 条）。由审计舆情哨兵自动发送。") <= 1500
        for p in parts
    )


def test_oversized_block_is_cut_to_fit():
    now = local(2026, 11, 23, 10)
    item = {"trigger": "integrity_high", "group": "u", "key": "i", "title": "t", "url": "https://x.cn/",
            "summary": "暗链" * 2000}  # fmt: skip
    blocks = build_blocks([item] * 5, now, TZ, "http://d")
    split = Split(600, lambda bs, foot: utf8_len("\n".join([*(block_text(b) for b in bs), foot])))
    (part,) = split_blocks(blocks, split)
    assert split.measure(part, "x" * 60) <= 600


def test_cut_bytes_and_bounded_key():
    assert utf8_len(cut_bytes("审计" * 100, 31)) <= 31
    long = "source_failing:" + "信源" * 200
    key = bounded_key(long)
    assert len(key) <= 200 and key != bounded_key(long + "x")
    assert bounded_key("short") == "short"
