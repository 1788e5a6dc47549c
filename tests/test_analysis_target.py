"""Tests for analysis.target: criticism of the audit office vs audit findings about audited bodies."""

from __future__ import annotations

import pytest

from analysis.target import classify_target
from config.vocabulary import TARGETS

OFFICE = [
    "某县审计局长受贿被查",
    "审计局被通报",
    "审计署数据造假遭质疑",
    "网友质疑县审计局审计不公",
    "审计人员收受被审计单位红包被开除",
    "市审计局原局长张某严重违纪违法被双开",
    "审计工作走过场，群众不满意",
    "审计局督促整改不力被问责",
    "省审计厅干部违规收受礼金被通报",
    "审计组成员吃拿卡要 被举报",
    "某市审计局选择性审计遭投诉",
    "企业对审计局审计结论不服提起行政诉讼",
    "审计特派办一处长接受纪律审查和监察调查",
    "县审计局长落马：曾利用审计之便为他人谋利",
]
AUDITED = [
    "审计发现某县挪用扶贫资金",
    "审计署公告：X单位违规发放津贴补贴",
    "审计查出某医院违规收费1200万元",
    "经审计，某局虚报冒领专项资金",
    "审计报告显示多地养老金被挪用",
    "审计署：部分地区保障房闲置",
    "县审计局发现乡镇违规发放补贴",
    "审计指出某大学小金库问题",
    "国家审计署通报：多个项目资金闲置",
    "审计署审计发现地方政府债务违规问题",
    "审计局查出某公司偷逃税款",
    "某县审计整改不力 被审计单位屡审屡犯",
]
OTHER = [
    "今天天气很好",
    "某县财政局长受贿被查",
    "会计师事务所审计失职被证监会处罚",
    "审计署召开党组会议学习贯彻会议精神",
    "市审计局开展普法宣传活动",
]


@pytest.mark.parametrize("title", OFFICE)
def test_criticism_of_audit_office_is_office(title):
    result = classify_target(title)
    assert result.target == "office", result.reason


@pytest.mark.parametrize("title", AUDITED)
def test_audit_findings_are_audited(title):
    result = classify_target(title)
    assert result.target == "audited", result.reason


@pytest.mark.parametrize("title", OTHER)
def test_unrelated_or_neutral_mentions_are_other(title):
    assert classify_target(title).target == "other"


def test_reason_is_chinese_and_names_the_terms_that_fired():
    result = classify_target("某县审计局长受贿被查")
    assert result.terms == ("审计局", "受贿")
    assert "审计局" in result.reason and "受贿" in result.reason and "负面行为主体" in result.reason
    assert result.target_zh == "审计机关自身"
    finding = classify_target("审计发现某县挪用扶贫资金")
    assert finding.terms == ("审计发现", "挪用")
    assert "发现者" in finding.reason and finding.target_zh == "被审计单位"


def test_finder_between_office_and_wrongdoing_makes_it_audited():
    # same words, different agency
    assert classify_target("审计局违规发放津贴").target == "office"
    assert classify_target("审计局发现某镇违规发放津贴").target == "audited"


def test_body_decides_when_title_is_inconclusive():
    result = classify_target("关于某县扶贫资金的情况通报", "经审计，该县2023年挪用扶贫资金300万元。")
    assert result.target == "audited"
    assert result.reason.startswith("正文")
    office = classify_target("情况通报", "群众反映，县审计局工作人员在审计中收受企业财物。")
    assert office.target == "office"


def test_office_criticism_wins_over_findings_in_same_text():
    result = classify_target("审计发现问题后 审计局长受贿帮企业“消账”")
    assert result.target == "office"


def test_empty_input_is_other():
    result = classify_target("", "")
    assert result.target == "other" and result.terms == ()
    assert set(TARGETS) == {"office", "audited", "other"}
