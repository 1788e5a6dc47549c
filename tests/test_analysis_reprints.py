"""Reprint grouping (analysis.opinion.reprints) and text normalisation (analysis.textnorm) on hand-written news."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from analysis.opinion.reprints import (
    ReprintIndex,
    decode_signature,
    group_reprints,
    is_reprint,
    shingle_hashes,
    signature,
    similarity,
    slots_disagree,
    text_facts,
)
from analysis.textnorm import content_chars, normalize_text, split_sentences, strip_boilerplate, to_halfwidth

ORIGINAL_TITLE = "审计署公布扶贫审计结果 平山县挪用专项资金1260万元"
ORIGINAL_PARAS = [
    "审计署12日公布2023年第5号审计结果公告。公告显示，河北省平山县扶贫办在2021年至2022年间，"
    "以“以工代赈”名义将1260万元扶贫专项资金转入县城投公司，用于县城道路改造和办公楼装修。",
    "审计发现，该县2个乡镇虚报易地扶贫搬迁人口137人，套取搬迁补助资金410万元；另有"
    "9个村的光伏扶贫电站收益未按规定分配给贫困户，而是被村委会用于发放误工补贴和招待费用。",
    "针对审计指出的问题，平山县已追回被挪用资金980万元，对扶贫办原主任王某某等6名责任人"
    "给予党纪政务处分，并将1条涉嫌违纪违法问题线索移送当地纪委监委。",
    "审计署有关负责人表示，将持续跟踪整改情况，对整改不到位、敷衍整改的，将依法依规严肃追责问责，"
    "确保每一笔扶贫资金都用在刀刃上。",
    "据了解，今年以来审计署共组织开展扶贫审计项目46个，发现问题金额合计23.6亿元，"
    "推动建立健全制度机制112项，相关地方已整改问题金额19.8亿元。",
]
ORIGINAL = ORIGINAL_TITLE + "\n" + "\n".join(ORIGINAL_PARAS)

REPRINT = "\n".join(
    [
        "首页 > 新闻中心 > 国内",
        "河北平山1260万扶贫款被挪去修路装修办公楼（图）",
        "来源：人民网　作者：刘洋　发布时间：2023-06-12 15:20",
        *[p.replace("，", ", ").replace("“", '"').replace("”", '"') for p in ORIGINAL_PARAS],
        "（责任编辑：张伟）",
        "分享到：微信 微博 QQ空间",
        "https://www.example.com/news/2023/0612/88231.html",
    ]
)

EXCERPT = "【摘编】扶贫审计：平山县问题整改情况\n" + "\n".join([ORIGINAL_PARAS[1], ORIGINAL_PARAS[2]])

OTHER_STORY = "\n".join(
    [
        "湖南桑植县危房改造补助资金被套取 审计要求限期整改",
        "湖南省审计厅日前公布对张家界市桑植县农村危房改造项目的专项审计调查结果。审计发现，"
        "该县3个乡镇的部分村干部通过虚报改造户数、重复申报等方式，套取农村危房改造补助资金286万元。",
        "审计还发现，桑植县住建部门对改造质量把关不严，抽查的52户中有17户存在墙体开裂、"
        "屋面漏雨等质量问题，部分补助资金未能及时拨付到户，最长滞留时间超过14个月。",
        "对此，湖南省审计厅要求桑植县在90日内完成整改，追回违规资金并公开整改结果。"
        "桑植县政府表示，已成立专项整改工作组，对涉及的村干部立案调查。",
        "省审计厅有关负责人介绍，今年全省审计机关将把民生资金作为审计重点，"
        "对侵害群众利益的问题发现一起、查处一起。",
    ]
)


def test_textnorm_strips_boilerplate_and_widths() -> None:
    text = "首页 > 新闻中心 > 正文\n（来源：新华网）审计署发布公告。\n责任编辑：李四\nＡＢＣ１２３，　完。"
    norm = normalize_text(text)
    assert "首页" not in norm and "新华网" not in norm and "李四" not in norm
    assert "审计署发布公告。" in norm and "ABC123," in norm
    assert to_halfwidth("（１）") == "(1)"
    assert content_chars("审计，署！ ABC") == "审计署abc"
    # an interview line that starts with 记者： is content, not an editor credit
    assert "你怎么看" in strip_boilerplate("记者：你怎么看这次审计？\n记者：王五")
    assert split_sentences("他说：“好。”然后走了！真的？") == ["他说：“好。”", "然后走了！", "真的？"]


def test_reprint_with_new_title_and_boilerplate_joins_original() -> None:
    index = ReprintIndex()
    g1 = index.add(1, ORIGINAL)
    g2 = index.add(2, REPRINT)
    assert g1 == 1 and g2 == 1
    assert index.groups() == {1: [1, 2]}


def test_half_excerpt_joins_original() -> None:
    index = ReprintIndex()
    index.add("orig", ORIGINAL)
    assert index.add("excerpt", EXCERPT) == "orig"
    # the excerpt alone resembles the original far less than the containment rule needs (Jaccard fails)
    a, b = decode_signature(signature(ORIGINAL)), decode_signature(signature(EXCERPT))
    sim = similarity(a, b)
    assert sim.jaccard < 0.5 and sim.containment > 0.9
    assert is_reprint(a, b)


def test_excerpt_before_original_still_groups_and_order_gives_group_id() -> None:
    mapping = group_reprints([("excerpt", EXCERPT), ("orig", ORIGINAL), ("copy", REPRINT)])
    assert mapping == {"excerpt": "excerpt", "orig": "excerpt", "copy": "excerpt"}


def test_same_topic_different_stories_stay_apart() -> None:
    index = ReprintIndex()
    index.add("a", ORIGINAL)
    assert index.add("b", OTHER_STORY) == "b"
    assert index.add("a2", REPRINT) == "a"
    assert sorted(index.groups().values()) == [["a", "a2"], ["b"]]


def test_first_publisher_is_earliest_then_earliest_added() -> None:
    t0 = datetime(2023, 6, 12, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    index = ReprintIndex()
    index.add("late-copy", REPRINT, published_at=t0 + timedelta(hours=5), source="人民网")
    index.add("original", ORIGINAL, published_at=t0, source="审计署网站")
    index.add("excerpt", EXCERPT, published_at=None)
    gid = index.group_of("original")
    assert gid == "late-copy"  # group id = first-added member, stable
    assert index.first_publisher(gid) == "original"
    tie = ReprintIndex()
    tie.add("x", ORIGINAL, published_at="2023-06-12T09:00:00")
    tie.add("y", REPRINT, published_at="2023-06-12T09:00:00")
    assert tie.first_publisher("x") == "x"
    undated = ReprintIndex()
    undated.add("u", ORIGINAL)
    undated.add("d", REPRINT, published_at="2023-06-13T10:00:00")
    assert undated.first_publisher("u") == "d"  # a dated member beats an undated one


def test_short_posts_match_only_near_exact() -> None:
    index = ReprintIndex()
    index.add(1, "平山县挪用扶贫资金1260万元，审计署要求整改！")
    index.add(2, "平山县挪用扶贫资金1260万元，网友：必须严查到底")
    index.add(3, "平山县挪用扶贫资金1260万元，审计署要求整改！ ")
    assert index.groups() == {1: [1, 3], 2: [2]}
    assert index.add(4, "") == 4  # empty text never matches anything
    assert index.add(5, "") == 5


def test_state_round_trip_and_signatures() -> None:
    index = ReprintIndex()
    index.add(1, ORIGINAL, published_at="2023-06-12T09:00:00", source="审计署")
    index.add(2, OTHER_STORY)
    state = json.loads(json.dumps(index.to_state()))
    restored = ReprintIndex.from_state(state)
    assert restored.groups() == index.groups()
    assert restored.first_publisher(1) == 1
    # adding by stored signature gives the same result as adding by text, on both copies
    sig = signature(EXCERPT)
    assert restored.add_signature(3, sig) == index.add(3, EXCERPT) == 1
    assert restored.signature_of(3) == index.signature_of(3) == sig
    assert len(sig) < 4 * len(content_chars(ORIGINAL))  # signatures stay small
    with pytest.raises(ValueError):
        ReprintIndex.from_state({"version": 99, "docs": []})


def test_adding_same_id_twice_is_idempotent() -> None:
    index = ReprintIndex()
    index.add(1, ORIGINAL)
    assert index.add(1, OTHER_STORY) == 1
    assert len(index) == 1


@pytest.mark.slow
@pytest.mark.requires_shared_data
def test_conformance_thucnews_generated_reprints(shared_data) -> None:
    from bench.reprints import build_thucnews, evaluate

    docs = build_thucnews(shared_data / "topics" / "thucnews_cnews_1000.csv")
    result = evaluate(docs)
    assert result["precision"] >= 0.97, result
    assert result["recall"] >= 0.94, result
    assert result["false_pairs_cross_class"] == 0, result


def test_templated_releases_with_different_figures_are_not_reprints():
    """Two county releases from one template share most wording but none of their figures."""
    from analysis.opinion.reprints import decode_signature, facts, is_reprint, signature

    tpl = (
        "近日，{org}组织审计组深入{town}，围绕城镇老旧小区改造和医疗保障基金管理使用情况开展审计，"
        "通过查阅账目、实地查看、走访群众等方式，核查资金{money}万元。\n"
        "审计组先后走访了多个村（社区）和群众，逐项核对项目建设内容、资金拨付凭证，对发现的问题现场反馈、立行立改。\n"
        "审计发现，个别单位存在违规发放补贴{n}人次、涉及资金{m}万元等问题，已责令限期整改。"
    )
    a = tpl.format(org="莒南县审计局", town="坊前镇", money="8430", n="126", m="37.5")
    b = tpl.format(org="临沂市审计局", town="兰山区", money="1610.9", n="233", m="82.1")
    assert len(facts(a)) == 3 and not (facts(a) & facts(b))
    assert not is_reprint(decode_signature(signature(a)), decode_signature(signature(b)))
    # a reprint keeps its figures, even with a new headline line and a dropped paragraph
    reprint = "来源：临沂日报\n" + "\n".join(a.split("\n")[::2])
    assert is_reprint(decode_signature(signature(a)), decode_signature(signature(reprint)))


def test_version_one_signatures_still_decode():
    import struct

    import numpy as np

    from analysis.opinion.reprints import decode_signature

    blob = struct.pack("<BBI", 1, 1, 120) + np.array([4, 8, 12], dtype="<u4").tobytes()
    sig = decode_signature(blob)
    assert list(sig.hashes) == [4, 8, 12] and sig.facts == frozenset() and sig.length == 120


PLACE_TEMPLATE = (
    "{county}审计局召开全面从严治党暨党风廉政建设工作会议，传达学习上级有关会议精神，总结过去一年的工作。\n"
    "会议要求全体干部职工进一步提高政治站位，强化责任担当，把全面从严治党要求贯穿审计工作全过程。\n"
    "会议强调，要以更加扎实的作风推动审计工作高质量发展，为{county}经济社会发展提供有力保障。"
)


def test_templated_releases_from_different_counties_are_not_reprints():
    """The same template filled in by two county bureaus states no figures; the places tell them apart."""
    from analysis.opinion.reprints import places

    a = PLACE_TEMPLATE.format(county="莒南县")
    b = PLACE_TEMPLATE.format(county="沂水县")
    sa, sb = decode_signature(signature(a)), decode_signature(signature(b))
    assert sa.facts == sb.facts == frozenset()
    assert similarity(sa, sb).jaccard >= 0.5  # the wording alone would make them reprints
    assert places(a) == (frozenset({"371327"}), frozenset({"371327"}))
    assert not is_reprint(sa, sb)
    # a city paper's reprint adds its own city and a headline; it still names the county it is about
    reprint = "临沂日报讯\n" + a.split("\n", 1)[1] + "\n" + a.split("\n", 1)[0]
    assert is_reprint(sa, decode_signature(signature(reprint)))


def test_excerpt_that_drops_the_place_but_gains_a_related_link_still_joins():
    """The place veto is asymmetric: an excerpt whose paragraphs name a place its source names only in a
    short line, and which adds a line naming a third place, still joins its source."""
    body = (
        "报告指出，部分单位在政府采购、工程建设等领域仍存在管理不规范问题，审计机关已督促相关单位建立健全制度。"
        * 2
    )
    original = (
        "北京市审计局近日公布了年度审计工作报告，报告显示全市审计发现问题资金较上年有所下降，整改工作成效明显。\n"
        + body
        + "\n审计组曾赴上海交流学习。"
    )
    excerpt = body + "审计组曾赴上海交流学习。\n广州也有类似做法。"  # paragraphs regrouped, a line added
    so, se = decode_signature(signature(original)), decode_signature(signature(excerpt))
    assert so.places == frozenset({"11"}) and "31" in so.mentions
    assert se.places == frozenset({"31"}) and "4401" in se.mentions
    assert is_reprint(so, se)


def test_version_two_signatures_have_no_places_and_never_veto():
    import struct

    import numpy as np

    text = PLACE_TEMPLATE.format(county="莒南县")
    v3 = decode_signature(signature(text))
    blob = struct.pack("<BBI", 2, 1 if v3.full else 0, v3.length) + struct.pack("<H", 0)
    v2 = decode_signature(blob + np.asarray(v3.hashes, dtype="<u4").tobytes())
    assert v2.places == v2.mentions == frozenset()
    other = decode_signature(signature(PLACE_TEMPLATE.format(county="沂水县")))
    assert is_reprint(v2, other)  # stored before places existed: wording alone decides, as it did then


def test_a_shared_three_digit_count_does_not_defeat_the_figures_veto():
    """Two numbered announcements from one template: counts like "108个项目" can coincide, amounts with
    decimals do not; when both state strong figures (decimals, 4+ digits), those decide."""
    from analysis.opinion.reprints import facts, figures_disagree, strong_facts

    tpl = (
        "根据《中华人民共和国审计法》的规定，审计署对{p}个省（区、市）{topic}进行了审计，重点抽查了108个项目，"
        "涉及资金{a}亿元。审计发现，部分单位挪用{topic}{b}亿元，用于弥补办公经费、偿还债务等，已责令整改。"
    )
    a = tpl.format(p=27, topic="农业保险保费补贴", a="44.11", b="4121.2")
    b = tpl.format(p=14, topic="养老保险基金", a="48.49", b="67.22")
    assert facts(a) & facts(b)  # the shared count "108"
    assert strong_facts(a) <= facts(a) and len(strong_facts(a)) == 2
    assert figures_disagree(facts(a), strong_facts(a), facts(b), strong_facts(b))
    sa, sb = decode_signature(signature(a)), decode_signature(signature(b))
    assert sa.strong == strong_facts(a) and not is_reprint(sa, sb)
    # a reprint shares its strong figures; with only weak figures the old all-figures rule applies
    assert not figures_disagree(facts(a), strong_facts(a), facts(a), strong_facts(a))
    assert not figures_disagree(facts(a), frozenset(), facts(b), frozenset())


def test_short_posts_about_different_county_bureaus_are_not_reprints():
    """A post has no long paragraph: all of it counts, so the same complaint about two bureaus is two."""
    from analysis.opinion.reprints import places

    tpl = "{c}审计局工作人员态度太差了，打电话咨询审计结果，说了两句就挂了"
    a, b = tpl.format(c="会泽县"), tpl.format(c="淅川县")
    assert places(a)[0] == frozenset({"530326"})
    sa, sb = decode_signature(signature(a)), decode_signature(signature(b))
    assert similarity(sa, sb).jaccard >= 0.8  # near-exact wording
    assert not is_reprint(sa, sb)
    assert is_reprint(sa, decode_signature(signature(a + "！！")))


def test_a_release_without_its_place_does_not_bridge_two_county_releases():
    """The vetoes are pairwise, union-find is transitive: a copy with the county left out matches both
    county releases, and joins only the first group it matched."""
    a = PLACE_TEMPLATE.format(county="莒南县")
    b = PLACE_TEMPLATE.format(county="沂水县")
    bridge = PLACE_TEMPLATE.format(county="本县")
    index = ReprintIndex()
    assert index.add("a", a) == "a"
    assert index.add("b", b) == "b"
    assert index.add("x", bridge) == "a"
    assert index.group_of("b") == "b" and index.last_merged == []
    resumed = ReprintIndex.from_state(json.loads(json.dumps(index.to_state())))
    assert resumed.add("y", bridge) == "a" and resumed.group_of("b") == "b"
    # a state saved by the previous signature version (2) still loads
    old = index.to_state()
    old["version"] = 2
    assert ReprintIndex.from_state(old).groups() == index.groups()


# ------------------------------------------------------------------ templates, openings, headlines
TEMPLATE = (
    "据{prov}{county}审计局消息，近日{county}审计局召开审计整改工作推进会。会议通报，今年以来全{level}共完成"
    "审计项目{n}个，查出问题金额{money}亿元，推动整改问题金额{fixed}亿元，移送问题线索{leads}件。\n"
    "会议要求，各被审计单位要切实履行整改主体责任，对审计查出的问题逐项建立台账，明确整改时限和责任人，"
    "确保按期整改到位；对整改不力、敷衍整改的，将依规依纪严肃问责。"
)


def _release(prov: str, county: str, n: int, money: str, fixed: str, leads: int) -> str:
    return TEMPLATE.format(prov=prov, county=county, level="县", n=n, money=money, fixed=fixed, leads=leads)


def test_templated_releases_of_two_offices_stay_apart_but_each_keeps_its_reprint() -> None:
    a = _release("山东省", "莒南县", 36, "2.35", "1.87", 5)
    b = _release("江苏省", "沛县", 41, "3.02", "2.56", 7)
    index = ReprintIndex()
    assert index.add("a", a) == "a"
    assert index.add("b", b) == "b"  # same wording, another office, its own figures
    assert index.add("a2", "来源：临沂日报\n" + a + "\n（责任编辑：王磊）") == "a"
    assert index.add("b2", b.replace("，", ", ") + "\n分享到：微信 微博") == "b"


def test_slot_veto_counts_differing_places_and_figures_in_the_same_context() -> None:
    a = text_facts(_release("山东省", "莒南县", 36, "2.35", "1.87", 5)).slots
    b = text_facts(_release("江苏省", "沛县", 41, "3.02", "2.56", 7)).slots
    assert slots_disagree(a, b) and not slots_disagree(a, a)
    edited = text_facts(
        _release("山东省", "莒南县", 36, "2.35", "1.87", 5).replace("明确整改时限和责任人，", "")
    ).slots
    assert not slots_disagree(a, edited)  # cutting a clause changes no slot


def test_lead_only_excerpt_and_headline_only_copy_join_their_article() -> None:
    index = ReprintIndex()
    index.add(1, ORIGINAL)
    lead = ORIGINAL_PARAS[0][:60]  # the lead sentence only: a small share of the article
    sim = similarity(decode_signature(signature(lead)), decode_signature(signature(ORIGINAL)))
    assert sim.coverage < 0.2  # containment alone would call it a quoted line
    assert index.add(2, lead) == 1
    assert index.add(3, ORIGINAL_TITLE) == 1  # a headline-only copy (a post sharing the title)
    assert index.add(4, OTHER_STORY.split("\n")[0]) == 4  # another story's headline does not join


def test_headline_copy_finds_a_body_only_signature_through_its_title() -> None:
    body = "\n".join(ORIGINAL_PARAS)
    index = ReprintIndex()
    index.add_signature(1, signature(body, title=ORIGINAL_TITLE))
    assert index.add(2, ORIGINAL_TITLE) == 1
    plain = ReprintIndex()
    plain.add_signature(1, signature(body))  # without the title the headline has nothing to match
    assert plain.add(2, ORIGINAL_TITLE) == 2


def test_version_3_signatures_still_decode_and_match() -> None:
    import struct

    import numpy as np

    chars = content_chars(ORIGINAL)
    hashes = shingle_hashes(chars)
    blob = struct.pack("<BBI", 3, 1 if len(hashes) <= 256 else 0, len(chars)) + struct.pack("<H", 0)
    blob += struct.pack("<H", 0) * 3
    sampled = hashes if len(hashes) <= 256 else hashes[hashes % 4 == 0]
    blob += sampled.astype("<u4").tobytes()
    old = decode_signature(blob)
    assert old.lead is None and not old.slots and np.array_equal(old.hashes, sampled)
    assert is_reprint(old, decode_signature(signature(REPRINT)))


@pytest.mark.slow
@pytest.mark.requires_shared_data
def test_conformance_out_of_domain_reprint_patterns(shared_data) -> None:
    """Patterns written apart from the algorithm (bench.reprint_patterns): templated releases of different
    offices stay apart, re-edits, lead-only excerpts and headline-only copies join their article."""
    from bench.reprint_patterns import build_out_of_domain
    from bench.reprints import evaluate

    docs = build_out_of_domain(shared_data / "topics", seed=7)
    kinds = {d["kind"] for d in docs}
    assert {"template_release", "template_reprint", "lead", "headline", "distractor_headline"} <= kinds
    assert build_out_of_domain(shared_data / "topics", seed=7)[5]["text"] == docs[5]["text"]  # seeded
    result = evaluate(docs, original_kinds={"original"})
    assert result["precision"] >= 0.98, result
    assert result["recall"] >= 0.95, result
    assert result["recall_by_kind"]["lead"] >= 0.9 and result["recall_by_kind"]["headline"] >= 0.8, result
