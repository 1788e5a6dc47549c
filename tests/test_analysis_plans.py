"""监测方案 matching: groups ANDed, terms ORed, +must, !exclude, /regex/, 屏蔽词."""

from __future__ import annotations

from analysis.plans import match_plans
from config.loader import Plan, load_plans
from tests.conftest import ROOT


def plan(**kw):
    return Plan(name=kw.pop("name", "p"), **kw)


def test_subject_any_of():
    p = plan(subject=["审计署", "审计局"])
    assert match_plans([p], "审计局召开会议", "").plans == ["p"]
    assert match_plans([p], "统计局召开会议", "").plans == []


def test_must_and_exclude_terms_in_group():
    p = plan(subject=["审计", "+整改", "!招聘"])
    assert match_plans([p], "审计整改推进会", "").plans == ["p"]
    assert match_plans([p], "审计工作会", "").plans == []  # +整改 missing
    m = match_plans([p], "审计整改岗位招聘", "")
    assert m.plans == [] and m.excluded_by == {"p": "!招聘"}


def test_region_and_event_groups_are_required_when_given():
    p = plan(subject=["审计"], region=["莒南", "临沂"], event=["/挪用|违规/"])
    assert match_plans([p], "莒南县审计发现挪用资金", "").terms == ["审计", "莒南", "挪用"]
    assert match_plans([p], "济南审计发现挪用资金", "").plans == []
    assert match_plans([p], "临沂审计工作会", "").plans == []


def test_exclude_list_blocks_plan_and_reports_reason():
    p = plan(subject=["审计"], exclude=["审计师招聘"])
    m = match_plans([p], "会计师事务所审计师招聘", "")
    assert not m.kept and m.excluded_by == {"p": "审计师招聘"}


def test_several_plans_side_by_side():
    plans = load_plans(ROOT / "config" / "keywords.yaml")
    m = match_plans(plans, "莒南县审计局开展专项审计", "临沂市")
    assert m.plans == ["审计署全国", "莒南县审计局"]
    m = match_plans(plans, "审计署发布审计结果公告", "北京")
    assert m.plans == ["审计署全国"]
