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
    "南京审计大学今年录取分数线公布",
    "纪检监察、巡视巡察、审计监督等发现的问题要整改到位",
    "这家公司的年报未经审计，股民质疑",
    "四大会计师事务所审计失职是不是该罚？",
]
# The office's own work, mandate and directives (guidelines of the target gold set): office, not criticism.
OFFICE_NEUTRAL = [
    "审计署召开党组会议学习贯彻会议精神",
    "市审计局开展普法宣传活动",
    "审计机关要严格遵守纪律，对违反纪律规定的要严肃查处",
    "严禁审计人员收受被审计单位礼品",
    # the office at work on a topic whose name holds a negative word (seen in the demo as false criticism)
    "审计署郑州特派办深入安徽省开展义务教育薄弱环节改善与能力提升审计",
    "县审计局聚焦医保基金监管不到位问题开展专项审计",
    "通过《中华人民共和国审计法（修正草案）》",
    "审计是党和国家监督体系的重要组成部分",
]
# Criticism of the office: negative predicates with the office as subject, rhetorical questions, sarcasm,
# doubt, complaints about being audited too often (written for these tests, not taken from any data set).
CRITICISM = [
    "审计机关的整改监督是不是形同虚设？",
    "审计局天天来查账，基层被审怕了",
    "审计部门是干什么吃的？这么大的窟窿看不见？",
    "呵呵，审计署的报告年年有问题年年不改，审了也白审",
    "真不愧是审计局，查别人一套一套的，自己却违规吃请",
    "审计署党组承认，依法审计存在薄弱环节",
    "层层审计、多头检查，基层疲于迎审",
    "审计报告年年发，问题年年有，审计到底有什么用？",
    "这样的审计结果还能信吗？",
    "审计局的人收了红包就放水，谁来监督审计局？",
    # forms of everyday posts (issue 13 item 4): challenges to the office's function, abuse, concealment
    "审计局到底在干什么？问题摆在眼前也不管",
    "县审计局还有必要存在吗？",
    "太无能了这个县审计局",
    "对市审计局非常失望",
    "审计部门瞒报数据，群众被蒙在鼓里",
    "审计局这是怎么搞的？一个月了还没有任何回应",
    "市审计局你们的担当呢？",
]
# Praise, explainers and neutral reporting about the office: office, never criticism.
OFFICE_NOT_CRITICISM = [
    "审计人员辛苦了！",
    "感谢审计局的认真负责，为群众挽回了损失",
    "审计人员连续加班一个月，真是太辛苦了",
    "为审计局点赞！这才是为人民服务",
    "审计署回应网友关切：将持续跟踪整改",
    "网友问：审计局会公布结果吗？",
    "审计部门到底怎样查账？专家这样解读",
    "审计机关为什么要开展自然资源资产审计？",
    "如果审计部门不作为，群众可以向上级反映",
    "县审计局整改处理违规问题120件",
]
# Negative texts that do not criticise the office: the office finds, or is asked to investigate, someone.
NOT_CRITICISM = [
    ("审计发现某县违规发放补贴，问题令人愤慨", "audited"),
    ("为什么屡审屡犯？审计指出部分单位整改不到位", "audited"),
    ("请审计部门对红十字会的财务彻查！这些人真不要脸", "audited"),
    ("审计署公布的数据显示，部分地方政府债务风险难道不值得警惕吗？", "audited"),
    # the private context of the first sentence carries over to the question in the second
    ("这份年报是四大会计师事务所出的。审计质量这么低，是不是该换一家？", "other"),
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


@pytest.mark.parametrize("title", OFFICE_NEUTRAL)
def test_office_work_and_directives_are_office_without_criticism(title):
    result = classify_target(title)
    assert (result.target, result.criticises_office) == ("office", False), result.reason


@pytest.mark.parametrize("title", CRITICISM + OFFICE)
def test_criticism_of_the_office_is_office_and_criticises(title):
    result = classify_target(title)
    assert (result.target, result.criticises_office) == ("office", True), result.reason


@pytest.mark.parametrize("text", OFFICE_NOT_CRITICISM)
def test_praise_explainers_and_conditions_do_not_criticise_the_office(text):
    result = classify_target("", text)
    assert (result.target, result.criticises_office) == ("office", False), result.reason


@pytest.mark.parametrize(("title", "target"), NOT_CRITICISM)
def test_negative_findings_and_requests_do_not_criticise_the_office(title, target):
    result = classify_target(title)
    assert (result.target, result.criticises_office) == (target, False), result.reason


def test_criticism_in_the_body_wins_over_a_neutral_title():
    result = classify_target("市审计局召开整改工作推进会", "网友：审计机关的整改监督是不是形同虚设？")
    assert result.criticises_office and result.reason.startswith("正文")


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


def test_bench_prints_target_and_criticism_figures_with_flat_json_keys(tmp_path, capsys):
    import json

    from bench.sentiment import main

    csv_path = tmp_path / "gold.csv"
    csv_path.write_text(
        "id,text,target,polarity,criticises_office,kind\n"
        "a1,审计机关的整改监督是不是形同虚设？,office,neg,yes,comment\n"
        "a2,审计发现某县挪用扶贫资金,audited,neg,no,headline\n"
        "a3,南京审计大学今年录取分数线公布,other,neu,no,post\n"
        "a4,市审计局开展普法宣传活动,office,neu,no,headline\n"
        "a5,这个审计局真是好样的,office,pos,no,comment\n"
        "a6,,office,neu,no,comment\n",
        encoding="utf-8",
    )
    data = tmp_path / "one.csv"
    data.write_text("text,polarity\n今天真开心,pos\n气死我了,neg\n", encoding="utf-8")
    assert main(["--data", str(data), "--models", "project", "--target-data", str(csv_path), "--json"]) == 0
    out = capsys.readouterr()
    report = json.loads(out.out.strip().splitlines()[-1])
    assert report["target.accuracy"] == pytest.approx(1.0)
    assert report["target.macro_f1"] == pytest.approx(1.0)
    assert (report["criticism.precision"], report["criticism.recall"]) == (1.0, 1.0)
    assert report["target"]["all"]["n"] == 5 and "1 rows without a text" in out.err
    assert not any(k.startswith("loso.") for k in report)  # --data: no leave-one-set-out
    # the pipeline's head for the file's platform, and the router's mix beside it
    assert report["datasets"]["one"]["project"]["domain"] == "social"
    assert 0.0 <= report["in.one.router_macro_f1"] <= 1.0
    if report.get("criticism_ood"):  # the real sentiment data is present: out-of-domain criticism figures
        for key in ("criticism_ood.precision", "criticism_ood.recall", "criticism_ood.rules.recall"):
            assert 0.0 <= report[key] <= 1.0
        assert report["criticism_ood.n"] == report["criticism_ood"]["unseen"]["n"] > 0
        assert "misses by form" in out.out
    assert main(["--data", str(data), "--models", "project", "--no-target", "--json"]) == 0
    assert "target.accuracy" not in json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_negative_tone_with_the_office_as_subject_is_criticism_and_only_then():
    text = "县审计局这几年的工作让老百姓心里很不是滋味"
    assert classify_target("", text).criticises_office is False  # no rule fires on its words
    tone = classify_target("", text, neg_proba=0.9)
    assert (tone.target, tone.criticises_office) == ("office", True)
    assert "语气负面" in tone.reason and tone.terms == ("审计局",)
    assert classify_target("", text, neg_proba=0.5).criticises_office is False
    # a negative tone does not make criticism of the office when it finds, is addressed or is praised
    for other in (
        "审计发现某县挪用扶贫资金，群众很气愤",
        "审计署：部分地区保障房闲置，令人痛心",
        "群众向审计局反映问题，至今没有下文",
        "如果审计局也查不出来，那就没办法了",
        "审计人员连续加班一个月，真是太辛苦了",
        "这个审计局真是好样的",
    ):
        assert classify_target("", other, neg_proba=0.95).criticises_office is False, other


def test_negative_tone_in_a_report_of_findings_stays_on_the_audited_body():
    """A news story about what an audit found is negative about the audited body even where a sentence has
    the auditors as its subject (审计人员在…时发现…, the finding verb far from them); the tone signal must not
    turn it into criticism of the office."""
    title = "审计查出某市违规发放补贴3000万元 相关责任人被问责"
    lead = (
        "近日，某市审计局公布的审计报告显示，某县民政局存在违规发放资金等问题。"
        "审计人员在逐户核对发放名册时陆续发现，有数十人的户籍信息与申报材料不符。"
    )
    result = classify_target(title, lead, neg_proba=0.95)
    assert (result.target, result.criticises_office) == ("audited", False), result.reason
    # the same tone on the office's own conduct, with no finding reported, is still criticism
    own = classify_target("", "某县审计局的工作人员接电话态度恶劣，一问三不知", neg_proba=0.95)
    assert own.criticises_office is True


class _NegativeReader:
    """A tone model that reads every text as clearly negative (what the shipped heads do with some praise)."""

    name = "negative-reader"

    def predict_proba(self, texts, domain=None):
        import numpy as np

        return np.tile([0.8, 0.15, 0.05], (len(texts), 1))


def test_praise_of_the_office_read_as_negative_is_stored_neutral_and_negated_praise_is_not_praise():
    from datetime import UTC, datetime

    from analysis.opinion.documents import analyze_batch

    texts = {
        1: "莒南县审计局今天来查账了，村里的老少爷们都说好",
        2: "审计人员连续加班一个月，真是太辛苦了",
        3: "我不支持审计局这种做法",  # negated praise: the tone decides, and it is criticism
        4: "市审计局今天召开全市审计工作会议",  # no praise: the tone model's label stands
    }
    rows = [{"id": i, "title": "", "body": t, "platform": "weibo"} for i, t in texts.items()]
    out = analyze_batch(
        rows, model=_NegativeReader(), keywords_k=3, version="v", now=datetime(2026, 12, 1, tzinfo=UTC)
    )
    labels = {r["id"]: (r["sentiment_label"], r["target"]) for r in out}
    assert labels == {1: ("neu", "office"), 2: ("neu", "office"), 3: ("neg", "office"), 4: ("neg", "office")}
    assert {r["id"]: r["sentiment_score"] >= 0 for r in out} == {1: True, 2: True, 3: False, 4: False}
    assert classify_target("", texts[1]).praises_office is True
    assert classify_target("", texts[3], neg_proba=0.8).criticises_office is True
    for negated in ("审计局的做法不靠谱", "审计人员不负责任", "没人感谢审计局"):
        assert classify_target("", negated).praises_office is False, negated


def test_bench_scores_a_set_with_the_head_of_its_platform():
    from analysis.train_sentiment import Row
    from bench.sentiment import set_domain

    assert set_domain("bdci2019", []) == "news" and set_domain("bdci2019_title_lead", []) == "news"
    assert set_domain("smp2020_usual", []) == "social"
    headlines = [
        "国务院印发关于加强审计工作的意见",
        "审计署发布2025年第3号审计结果公告",
        "全国审计工作会议在京召开",
    ]
    posts = ["今天加班到十点，累死了[泪]", "哈哈哈笑死我了，这猫也太可爱了吧", "明天去吃火锅有人一起吗？"]
    rows = lambda texts: [Row("x", t, t, "neu", "") for t in texts]  # noqa: E731
    assert (set_domain("mine", rows(headlines)), set_domain("mine", rows(posts))) == ("news", "social")
