"""Tests for analysis.opinion.response: response class rules, casualties and magnitudes (the numerals themselves:
test_analysis_numerals), deadlines and countdown (statuses and response kinds: test_config_vocabulary; the
transitions between statuses: test_jobs_workflows)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analysis.opinion.response import (
    classify_response,
    countdown,
    deadlines,
    next_deadline,
    parse_casualties,
    parse_magnitudes,
)
from config.response_rules import load_rules

T0 = datetime(2026, 3, 1, 8, 0)
RULES = load_rules()


def test_parse_casualties_finds_deaths_injuries_and_poisonings():
    c = parse_casualties("事故共造成6人死亡，3人重伤，14人轻微伤。")
    assert (c.deaths, c.injured) == (6, 14)
    assert parse_casualties("两车追尾当场3死2伤").deaths == 3
    assert parse_casualties("两车追尾当场3死2伤").injured == 2
    assert parse_casualties("数十人受伤，伤者已送医").injured == 20
    assert parse_casualties("截至发稿，死亡人数已升至二十三人").deaths == 23
    assert parse_casualties("幼儿园校餐致近50名儿童中毒").poisoned_strict == 45
    assert parse_casualties("小车司机当场丧生").deaths == 1


def test_parse_casualties_ignores_negations_and_non_counts():
    assert parse_casualties("目前暂无人员伤亡报告，尚无人员死亡").deaths == 0
    assert parse_casualties("该病死亡率不高，7月23日下午发布").deaths == 0
    assert parse_casualties("最高法公布毒品案，6人被执行死刑").deaths == 0


def test_parse_magnitudes_needs_earthquake_context():
    assert parse_magnitudes("台湾南投县发生5.3级地震") == [5.3]
    assert parse_magnitudes("震级为里氏5．9级，震中位于日惹以南") == [5.9]
    assert parse_magnitudes("西藏班戈县五点五级地震发生在无人区") == [5.5]
    assert parse_magnitudes("台风带来12级大风") == []


@pytest.mark.parametrize(
    ("title", "text", "rule"),
    [
        ("客车农用车相撞致6人亡", "一辆依维柯车与农用车相撞，事故共造成6人死亡，3人重伤。", "A.casualties"),
        (
            "某市一化工厂发生爆炸",
            "今晨5时许，某化工厂发生剧烈爆炸，现场浓烟滚滚，已致3死12伤。",
            "A.casualties",
        ),
        (
            "四川某县发生6.1级地震",
            "据中国地震台网测定，今日凌晨发生6.1级地震，震源深度10千米。",
            "A.earthquake",
        ),
        ("某中学百余名学生食物中毒", "多名学生出现呕吐、腹泻等症状，已送医治疗。", "A.casualties"),
        ("火车站发生严重暴力恐怖案", "暴徒持刀砍杀无辜群众，造成29人死亡、130余人受伤。", "A.casualties"),
        ("一商住楼突发大火", "消防官兵赶到现场扑救，楼内有5人被困。", "A.casualties"),
        ("景区发生踩踏事件", "跨年夜外滩发生踩踏事件，数十人受伤。", "A.casualties"),
    ],
)
def test_emergencies_with_severity_are_class_a(title, text, rule):
    result = classify_response(title, text, rules=RULES)
    assert result.cls == "A"
    assert result.rule == rule
    assert "5小时" in result.reason and result.terms


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("A股午后暴跌 沪指失守3000点", "两市成交额放大，券商板块领跌，市场恐慌情绪蔓延。"),
        (
            "《魔力世纪》资料片特大消息",
            "本次更新带来爆炸性玩法，新服开启，玩家可体验全新副本，BOSS中毒效果调整。",
        ),
        ("湖人加时击败国王", "新浪体育讯北京时间4月12日，拜纳姆膝盖只是轻微挫伤，并不会影响季后赛。"),
        ("留学行前早准备", "要记住英国的紧急电话999，遇到医疗、火灾、报警，都可以拨打这个电话。"),
        ("家居卖场探析绿色厨房", "中国传统的大火爆炒烹饪习惯对厨房绿化影响很大。"),
        ("金融海啸冲击楼市", "受金融海啸影响，一线城市成交量下滑三成。"),
        ("民政部发布年度报告", "汶川特大地震发生后，社会各界踊跃捐款，慈善事业发展迅速。"),
        ("上合组织举行部长会议", "各方同意加强合作，打击恐怖主义、分裂主义和极端主义。"),
    ],
)
def test_ordinary_news_is_not_class_a(title, text):
    assert classify_response(title, text, rules=RULES).cls != "A"


def test_minor_emergency_is_class_b_with_reason():
    result = classify_response("辽宁海城发生4.3级地震", "震中附近有震感，尚无人员伤亡报告。", rules=RULES)
    assert result.cls == "B" and result.rule == "B.emergency_minor"
    assert "地震" in result.reason and "48小时" in result.reason


def test_rumour_is_class_b_with_clarification_hint():
    result = classify_response(
        "网传某县审计局长被带走系谣言", "经核实，该消息纯属捏造，当地已报警处理。", rules=RULES
    )
    assert result.cls == "B" and result.rule == "B.rumor"
    assert "澄清" in result.hint and "网信" in result.reason
    assert "谣言" in result.terms


def test_office_criticism_is_at_least_class_b():
    text = "有网友发帖称审计组工作作风粗暴，整改跟踪流于形式。"
    assert classify_response("网帖称审计组作风粗暴", text, rules=RULES).cls is None
    result = classify_response("网帖称审计组作风粗暴", text, target="office", rules=RULES)
    assert result.cls == "B" and result.rule == "B.office_criticism"
    assert "审计机关本身" in result.reason


def test_public_interest_needs_a_concern_signal():
    assert classify_response("市医保新规今起实施", "新规明确了报销比例和范围。", rules=RULES).cls is None
    result = classify_response(
        "医保报销比例下调引发质疑", "不少市民反映报销比例下调，网友质疑政策公平性。", rules=RULES
    )
    assert result.cls == "B"
    assert result.rule in ("B.public_interest", "B.policy_misreading")


def test_hot_negative_event_is_class_b():
    result = classify_response(
        "某局发布通报", "通报称相关工作正常推进。", heat=80, negative_share=0.7, rules=RULES
    )
    assert result.cls == "B" and result.rule == "B.heat_negative"
    assert (
        classify_response(
            "某局发布通报", "通报称相关工作正常推进。", heat=80, negative_share=0.2, rules=RULES
        ).cls
        is None
    )


def test_no_rule_gives_none_with_chinese_reason():
    result = classify_response(
        "审计署发布2025年第1号公告", "公告介绍了中央部门预算执行审计情况。", rules=RULES
    )
    assert result.cls is None and result.rule == "none" and "无需回应" in result.reason


def test_rules_file_is_editable(tmp_path: Path):
    rules = load_rules()
    custom = rules.model_copy(
        update={
            "class_a": rules.class_a.model_copy(
                update={"severe_terms": (*rules.class_a.severe_terms, "重大险情")}
            )
        }
    )
    assert classify_response("水库出现重大险情", "下游群众正在转移。", rules=custom).cls == "A"
    assert classify_response("水库出现重大险情", "下游群众正在转移。", rules=RULES).cls != "A"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "window_chars: 300\nclass_a: {incident_types: {}, typo_key: 1}\nclass_b: {categories: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="bad.yaml"):
        load_rules(bad)


def test_deadlines_follow_state_council_rules():
    assert deadlines("A", T0) == {
        "authoritative_info": T0 + timedelta(hours=5),
        "press_conference": T0 + timedelta(hours=24),
    }
    assert deadlines("B", T0) == {"response": T0 + timedelta(hours=48)}
    assert deadlines(None, T0) == {}
    with pytest.raises(ValueError):
        deadlines("C", T0)


def test_next_deadline_skips_discharged_ones():
    nd = next_deadline("A", T0)
    assert nd is not None and nd.key == "authoritative_info" and nd.due == T0 + timedelta(hours=5)
    nd = next_deadline("A", T0, ["发布权威信息"])
    assert nd is not None and nd.key == "press_conference" and nd.label == "召开新闻发布会"
    assert next_deadline("A", T0, ["新闻发布会"]) is None
    assert next_deadline("B", T0, ["澄清"]) is None
    assert next_deadline(None, T0) is None


def test_countdown_text_before_and_after_deadline():
    due = T0 + timedelta(hours=5)
    assert countdown(due, T0 + timedelta(hours=1, minutes=48)) == (
        3 * 3600 + 12 * 60,
        False,
        "剩余 3小时12分",
    )
    seconds, overdue, text = countdown(due, due + timedelta(hours=1, minutes=5, seconds=30))
    assert overdue and seconds < 0 and text == "已超时 1小时5分"


@pytest.mark.slow
@pytest.mark.requires_shared_data
def test_response_bench_meets_floors(shared_data):
    from bench.response import run

    res = run(shared_data)
    assert res["n_cec"] > 300 and res["n_thucnews"] >= 1000
    assert res["cec_class_a_recall"] >= 0.87
    assert res["thucnews_class_a_rate"] <= 0.05
    assert min(res["cec_per_label_recall"].values()) >= 0.75


def test_benefits_paid_to_the_dead_is_an_audit_finding_not_a_casualty():
    from analysis.opinion.response import classify_response, parse_casualties

    text = "审计发现，284名已死亡人员仍在领取养老保险待遇，涉及金额312万元；另有死亡人员冒领低保金。"
    assert parse_casualties(text).deaths == 0
    assert classify_response("审计署公告：社保基金审计发现问题", text, rules=RULES).cls != "A"
    assert parse_casualties("化工厂爆炸致3人死亡").deaths == 3


def test_routine_release_is_not_a_b_class_hotspot():
    """Government releases mention 群众 and 督办 as a matter of course; that is work, not 舆情 needing an answer."""
    from analysis.opinion.response import classify_response

    title = "河南省审计厅开展乡村振兴资金专项审计 发现问题金额56.27亿元"
    text = "审计组走访群众，核查补贴发放情况；对整改不力的单位进行约谈，相关问题已列入督办清单。"
    assert classify_response(title, text, rules=RULES).cls is None
    complaint = "多名村民反映补贴被截留，到镇政府讨说法，视频在网上刷屏。"
    assert classify_response("村民质疑补贴被截留", complaint, rules=RULES).cls == "B"


def test_casualty_count_keeps_deaths_and_injuries_apart():
    from analysis.opinion.response import parse_casualties

    c = parse_casualties("施工现场坍塌，已造成4人死亡9人受伤")
    assert (c.deaths, c.injured) == (4, 9)
    assert parse_casualties("事故造成死亡9人").deaths == 9


def test_pending_deadlines_need_every_kind_for_class_a():
    from analysis.opinion.response import pending_deadlines

    t0 = datetime(2026, 11, 20, 8, 0)
    assert [d.label for d in pending_deadlines("A", t0)] == ["发布权威信息", "召开新闻发布会"]
    assert [d.due - t0 for d in pending_deadlines("A", t0, ["发布权威信息"])] == [timedelta(hours=24)]
    assert pending_deadlines("A", t0, ["发布权威信息", "新闻发布会"]) == []
    assert pending_deadlines("A", t0, ["新闻发布会"]) == []  # a press conference is authoritative information
    assert [d.label for d in pending_deadlines("B", t0)] == ["作出回应"]
    assert pending_deadlines("B", t0, ["澄清"]) == [] and pending_deadlines(None, t0) == []


def test_needs_attention_is_open_events_that_matter():
    from analysis.opinion.response import needs_attention

    assert needs_attention("待研判", "A") and needs_attention("处置中", "B")
    assert needs_attention("待研判", None, office_critical_count=1) and needs_attention("待研判", None, is_burst=True)
    assert not needs_attention("待研判", None)
    assert not needs_attention("已回应", "A") and not needs_attention("无需回应", None, is_burst=True)
