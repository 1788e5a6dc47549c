"""The report rules (analysis.opinion.digest): deadline states, urgency order, the risk judgement, rule-derived
suggestions, volume phrasing and the 80-character quotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analysis.opinion.digest import (
    QUOTE_CHARS,
    change_text,
    deadline_states,
    event_advice,
    quote,
    reason_text,
    risk_judgement,
    share_change_text,
    urgency_key,
)
from config.response_rules import load_rules

T0 = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TZ = "Asia/Shanghai"


def test_class_a_deadlines_met_and_overdue_at_now() -> None:
    states = deadline_states("A", T0, ["发布权威信息"], T0 + timedelta(hours=25))
    assert [(s.label, s.done, s.overdue) for s in states] == [
        ("发布权威信息", True, False),
        ("召开新闻发布会", False, True),
    ]
    assert states[0].remaining == "已完成" and states[1].remaining == "已超时 1小时0分"
    assert deadline_states(None, T0, [], T0) == []


def test_urgency_puts_overdue_first_then_nearest_deadline_then_heat() -> None:
    now = T0 + timedelta(hours=6)
    overdue_a = deadline_states("A", T0, [], now)  # 5 h passed
    b_soon = deadline_states("B", T0 - timedelta(hours=40), [], now)  # due in 2 h
    b_late = deadline_states("B", T0, [], now)  # due in 42 h
    keys = {
        "cold": urgency_key([], 90.0, now),
        "hot": urgency_key([], 95.0, now),
        "late": urgency_key(b_late, 10.0, now),
        "soon": urgency_key(b_soon, 1.0, now),
        "overdue": urgency_key(overdue_a, 0.0, now),
    }
    assert sorted(keys, key=keys.get) == ["overdue", "soon", "late", "hot", "cold"]


@pytest.mark.parametrize(
    ("signals", "level", "reason"),
    [
        (dict(cls="A", heat=5, is_burst=False, negative_share=0.0, office_critical=0, overdue=False), "高", "A类突发事件"),
        (dict(cls="B", heat=5, is_burst=False, negative_share=0.1, office_critical=0, overdue=True), "高", "回应已超时"),
        (dict(cls=None, heat=5, is_burst=True, negative_share=0.6, office_critical=0, overdue=False), "高", "传播突增且负面占比60%"),
        (dict(cls=None, heat=5, is_burst=False, negative_share=None, office_critical=3, overdue=False), "高", "批评审计机关3篇"),
        (dict(cls="B", heat=5, is_burst=False, negative_share=0.2, office_critical=1, overdue=False), "中", "批评审计机关1篇"),
        (dict(cls=None, heat=65, is_burst=False, negative_share=0.0, office_critical=0, overdue=False), "中", "热度65"),
        (dict(cls=None, heat=20, is_burst=False, negative_share=0.4, office_critical=0, overdue=False), "低", ""),
    ],
)  # fmt: skip
def test_risk_judgement_follows_the_explicit_rules(signals, level, reason) -> None:
    risk = risk_judgement(**signals)
    assert risk.level == level
    assert (reason in risk.reasons) if reason else risk.reasons == ()
    assert risk.sentence.startswith(f"风险研判：{level}风险（") and risk.sentence.endswith("）。")


def test_advice_comes_from_deadlines_hint_and_status_only() -> None:
    rules = load_rules()
    now = T0 + timedelta(hours=6)
    text = event_advice(title="化工厂爆炸", cls="A", rule="A.casualties", status="待研判", assignee=None,
                        states=deadline_states("A", T0, [], now), rules=rules, tz=TZ)  # fmt: skip
    assert text.startswith(
        "「化工厂爆炸」（A类）：发布权威信息时限（2025-06-10 15:00）已过，已超时 1小时0分，应立即发布权威信息"
    )
    assert "须于2025-06-11 10:00前召开新闻发布会（剩余 18小时0分）" in text
    assert text.endswith("当前状态为待研判，尚未指定处置人。")
    rumor = event_advice(title="谣言", cls="B", rule="B.rumor", status="处置中", assignee="张三",
                         states=deadline_states("B", T0, [], now), rules=rules, tz=TZ)  # fmt: skip
    assert rules.class_b.categories["rumor"].hint.replace(", ", "，") in rumor and "待研判" not in rumor
    done = deadline_states("B", T0, ["澄清"], now)
    assert event_advice(title="x", cls="B", rule="B.rumor", status="已回应", assignee=None, states=done,
                        rules=rules, tz=TZ) is None  # fmt: skip
    assert event_advice(title="x", cls=None, rule="none", status="待研判", assignee=None, states=[],
                        rules=rules, tz=TZ) is None  # fmt: skip


def test_change_phrases() -> None:
    assert change_text(12, 10) == "比上期增加20.0%（上期10篇）"
    assert change_text(5, 10) == "比上期减少50.0%（上期10篇）"
    assert change_text(10, 10) == "与上期持平（上期10篇）"
    assert change_text(3, 0) == "上期为0" and change_text(0, 0) == "与上期持平"
    assert share_change_text(0.2, 0.1) == "上期10.0%，上升10.0个百分点"
    assert share_change_text(0.2, None) == "上期无数据"
    assert reason_text(
        "B", "B类（其他需回应的政务舆情）：针对审计机关本身的批评。须48小时内回应, 建议优先核实并回应。"
    ) == ("针对审计机关本身的批评。须48小时内回应，建议优先核实并回应。")


def test_quote_prefers_the_sentence_about_audit_and_stays_short() -> None:
    body = "今天天气晴。网友称县审计局走过场，对发现的问题不予披露。" + "后续" * 100
    assert quote("标题", body) == "网友称县审计局走过场，对发现的问题不予披露。"
    long = quote("标题", "审计" + "很长的句子" * 40 + "。")
    assert len(long) == QUOTE_CHARS and long.endswith("…")
    assert quote("只有标题", "") == "只有标题"
