"""What the operator reads and runs, shared by the `yuqing` commands and the demo run: the crawl summary,
the stage-2 line and the dashboard command."""

from __future__ import annotations

import sys
from collections import Counter

from config.loader import ROOT, Settings


def print_crawl_summary(runs: list[dict], out=sys.stdout) -> None:
    """Stored per source, dropped by reason, errors: the crawl's report to the operator."""
    dropped: Counter[str] = Counter()
    print("\n采集结果（按信源）", file=out)
    print(f"  {'信源':<24}{'页面':>6}{'新增':>6}{'更新':>6}{'丢弃':>6}{'错误':>6}  状态", file=out)
    for r in runs:
        d = r.get("dropped") or {}
        dropped.update(d)
        print(
            f"  {str(r.get('source') or r['spider']):<24}{r['pages']:>6}{r['stored']:>6}{r['updated']:>6}"
            f"{sum(d.values()):>6}{r['errors']:>6}  {r['status']}",
            file=out,
        )
    total_new = sum(r["stored"] for r in runs)
    total_upd = sum(r["updated"] for r in runs)
    print(f"  合计：新增 {total_new} 篇，更新 {total_upd} 篇", file=out)
    if dropped:
        print("丢弃原因：", file=out)
        for reason, n in dropped.most_common():
            print(f"  {REASONS.get(reason, reason)}（{reason}）: {n}", file=out)
    problems: Counter[str] = Counter()
    encodings: Counter[str] = Counter()
    for r in runs:
        problems.update((r.get("stats") or {}).get("problems") or {})
        encodings.update((r.get("stats") or {}).get("encodings") or {})
    repaired = {k: v for k, v in encodings.items() if k not in ("utf-8", "declared", "meta", "bom", "xml")}
    if problems or repaired:
        print("问题页面（已入库或已计数，不影响采集）：", file=out)
        for name, n in problems.most_common():
            print(f"  {PROBLEMS.get(name, name)}（{name}）: {n}", file=out)
        for name, n in sorted(repaired.items()):
            print(f"  编码声明有误、已按内容识别（{name}）: {n}", file=out)
    samples = [s for r in runs for s in (r.get("error_samples") or [])]
    if samples:
        print(f"错误样例（共 {sum(r['errors'] for r in runs)} 个错误）：", file=out)
        for s in samples[:10]:
            print(f"  - {s}", file=out)


REASONS = {
    "no_plan_match": "未命中监测方案",
    "plan_excluded": "命中屏蔽词",
    "duplicate_url": "本轮重复链接",
    "no_title": "无标题",
    "empty_body": "正文为空",
    "empty_page": "空页面",
    "bad_url": "链接无效",
    "not_html": "非网页内容",
    "naive_date": "时间缺时区",
    "blocked_private_address": "拦截内网地址",
    "blocked_robots_txt": "robots.txt 禁止",
    "unencodable_id": "编号含非法字符（已隔离）",
    "unencodable_url": "链接含非法字符（已隔离）",
    "url_too_long": "链接过长（已隔离）",
    "id_too_long": "编号过长（已隔离）",
    "store_rejected": "数据库拒收（已隔离）",
    "blocked_scheme": "非 http(s) 链接",
    "blocked_redirect_scheme": "跳转到非 http(s) 地址",
    "redirect_loop": "循环跳转",
    "redirect_limit": "跳转次数超限",
    "too_large": "页面过大或解压炸弹",
    "offsite": "站外链接",
    "ignored": "请求被忽略",
}

PROBLEMS = {
    "no_date": "缺少发布时间",
    "too_large": "页面过大，已截断处理",
    "unparsable": "HTML 无法解析",
    "empty": "空页面",
    "error": "抽取出错",
    "empty_feed": "RSS 无条目",
    "entry_without_link": "RSS 条目无链接",
    "bad_json": "接口返回非 JSON",
    "non_text_list_page": "列表页非文本",
    "unencodable_text": "文本含非法字符，已替换",
    "bad_count": "计数格式错误，记为 0",
    "count_negative": "计数为负，记为 0",
    "count_absurd": "计数超出合理范围，已截断",
}


def stage2_line(s2) -> str:
    """One line on what stage 2 did: documents placed, events new/updated, response classes."""
    classes = "，".join(f"{k}类 {v}" for k, v in sorted(s2.by_class.items()) if k in ("A", "B"))
    return f"  热点：归并 {s2.documents} 篇，新事件 {s2.events_new} 个，更新 {s2.events_touched} 个" + (
        f"；需回应：{classes}" if classes else ""
    )


def dashboard_command(settings: Settings, port: int | None = None) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
        "--server.headless", "true", "--server.address", settings.dashboard.host,
        "--server.port", str(port or settings.dashboard.port), "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
