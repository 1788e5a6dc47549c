"""The one vocabulary (config.vocabulary): every code has one label, and the stored status and kind names."""

from __future__ import annotations

import ast
import functools
import inspect
import re
from pathlib import Path
from typing import get_args

from config import vocabulary as v


def test_every_code_has_a_label_and_no_two_codes_share_one():
    for codes, labels in [
        ((*v.SENTIMENTS, v.NOT_ANALYSED), v.SENTIMENT_LABELS),
        (v.TARGETS, v.TARGET_LABELS),
        (v.RESPONSE_CLASSES, v.CLASS_LABELS),
        (v.RESPONSE_CLASSES, v.CLASS_SHORT_LABELS),
        ((v.TIER_ACT, v.TIER_REVIEW, v.TIER_NONE), v.TIER_LABELS),
        ((v.SEVERITY_HIGH, v.SEVERITY_MEDIUM, v.SEVERITY_LOW), v.SEVERITY_LABELS),
        ((v.SEVERITY_HIGH, v.SEVERITY_MEDIUM, v.SEVERITY_LOW), v.SEVERITY_RANK),
        ((v.SNAPSHOT_OK, v.SNAPSHOT_FINDINGS, v.SNAPSHOT_ERROR), v.SNAPSHOT_LABELS),
        (
            (v.METHOD_DNSTWIST, v.METHOD_SEARCH, v.METHOD_DOCUMENT, v.METHOD_MANUAL, v.METHOD_CHECK),
            v.METHOD_LABELS,
        ),
    ]:
        assert set(labels) == set(codes)
        assert len(set(labels.values())) == len(labels)


def test_statuses_and_response_kinds_are_stored_as_their_names():
    assert v.EVENT_STATUSES == ("待研判", "处置中", "已回应", "已结束", "无需回应")
    assert v.CANDIDATE_STATUSES == ("待核实", "已报送", "已处置", "误报")
    assert v.RESPONSE_KINDS == ("发布权威信息", "新闻发布会", "吹风会", "接受采访", "澄清")
    assert v.NO_CLASS_LABEL == v.EVENT_NO_RESPONSE


def test_the_target_office_and_the_criticism_count_have_distinct_labels():
    assert v.TARGET_LABELS[v.TARGET_OFFICE] == "审计机关自身" and v.OFFICE_CRITICISM_LABEL == "批评审计机关"


# ------------------------------------------------------------------ every code in the code base has a label

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("analysis", "crawler", "jobs", "store", "dashboard", "yuqing", "config")


@functools.cache
def _sources(*dirs: str) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for d in dirs or CODE_DIRS for p in (ROOT / d).rglob("*.py")}


def _found(pattern: str, *dirs: str) -> set[str]:
    return {m for text in _sources(*dirs).values() for m in re.findall(pattern, text)}


def _call_strings(func: str, arg: int, *dirs: str) -> set[str]:
    """String constants in argument `arg` (0-based) of every call to `func` (also inside `a if c else b`)."""
    out: set[str] = set()
    for text in _sources(*dirs).values():
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Call) or len(node.args) <= arg:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == func:
                out |= {
                    n.value
                    for n in ast.walk(node.args[arg])
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
    return out


@functools.cache
def _codes() -> list[tuple[str, set[str], dict[str, str]]]:
    """(what, codes found in the code base, their labels): each family a person can meet on a screen."""
    import scrapy.extensions.closespider as closespider

    from analysis.opinion import alerts as alert_rules
    from config import alerts as alerts_config
    from config.loader import Source
    from crawler.spiders.site_watch import VARIANTS
    from store import alerts as alert_store
    from store import scheduler

    channels = {
        get_args(model.model_fields["type"].annotation)[0]
        for model in get_args(get_args(alerts_config.Channel)[0])
    }
    extensions = ROOT / "crawler" / "extensions.py"
    return [
        ("drop reason", _found(r"monitor/dropped/([a-z_]+)", "crawler", "jobs")
         | _call_strings("_drop", 2, "crawler"), v.DROP_REASON_LABELS),
        ("page problem", _found(r"monitor/problems/([a-z_]+)", "crawler", "jobs"), v.PAGE_PROBLEM_LABELS),
        ("spider", _found(r"\n    name = \"([a-z_]+)\"", "crawler"), v.SPIDER_LABELS),
        ("source kind", set(get_args(Source.model_fields["kind"].annotation)), v.SOURCE_KIND_LABELS),
        ("platform", _found(r'platform(?:: str)? ?= ?"([a-z_]+)"', "crawler")
         | _found(r'"platform": "([a-z_]+)"', "crawler"), v.PLATFORM_LABELS),
        ("crawl status", set(re.findall(r': "(\w+)"', re.search(r"status = \{.*?\}", extensions.read_text(
            encoding="utf-8")).group(0))) | {"running", "partial", "failed"}, v.RUN_STATUS_LABELS),
        ("crawl end reason", set(re.findall(r"closespider_\w+", inspect.getsource(closespider)))
         | {"finished", "shutdown", "cancelled"}, v.FINISH_REASON_LABELS),
        ("check variant", {name for name, _ in VARIANTS}, v.CHECK_VARIANT_LABELS),
        ("impersonation signal", _call_strings("Signal", 0, "analysis"), v.SIGNAL_LABELS),
        ("integrity finding", _call_strings("Finding", 0, "analysis") - {""}, v.FINDING_LABELS),
        ("audit-log action", _call_strings("log_action", 3), v.AUDIT_ACTION_LABELS),
        ("scheduler job", _call_strings("ScheduledJob", 0, "jobs"), v.SCHEDULER_JOB_LABELS),
        ("scheduler result", {scheduler.RUNNING, scheduler.OK, *scheduler.FAILURES, scheduler.INTERRUPTED},
         v.SCHEDULER_RESULT_LABELS),
        ("alert trigger", set(get_args(alerts_config.Rule.model_fields["trigger"].annotation))
         | set(alert_rules.TRIGGER_ORDER) | {"daily_digest"}, v.TRIGGER_LABELS),
        ("alert channel", channels, v.CHANNEL_LABELS),
        ("alert message status", {alert_store.MSG_PENDING, alert_store.MSG_SENDING, alert_store.MSG_SENT,
                                  alert_store.MSG_FAILED}, v.MESSAGE_STATUS_LABELS),
    ]  # fmt: skip


def test_every_code_found_in_the_code_base_has_a_chinese_label():
    missing = {what: sorted(codes - set(labels)) for what, codes, labels in _codes() if codes - set(labels)}
    assert not missing, f"codes without a label in config/vocabulary.py: {missing}"
    for what, codes, _ in _codes():
        assert codes, f"the walk found no {what} codes: the pattern no longer matches the code base"


def test_every_label_is_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    product_names = {"Webhook"}  # read as it is in Chinese software
    for _, _, labels in _codes():
        assert all(cjk.search(label) or label in product_names for label in labels.values()), labels


def test_crawl_end_reasons_keep_details_and_unknown_reasons():
    assert v.finish_reason_label("finished") == "正常结束"
    assert v.finish_reason_label("db unavailable: disk full") == "数据库不可用：disk full"
    assert v.finish_reason_label("something new") == "something new" and v.finish_reason_label(None) == ""


def test_scheduler_job_names_for_people():
    assert (
        v.scheduler_job_label("crawl:微博热搜") == "采集：微博热搜"
        and v.scheduler_job_label("digest") == "日报"
    )
