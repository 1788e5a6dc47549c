"""Online event clustering (analysis.events) on hand-written reports of a few stories."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from analysis.events import EventClusterer, anchors, cluster_events, doc_vector

T0 = datetime(2024, 3, 4, 8, 0)

# Story A: an audit finding about one county, reported by three outlets in their own words.
AUDIT = [
    (
        "审计署公告：平山县挪用扶贫资金1260万元",
        "审计署12日公布审计结果公告，河北省平山县扶贫办将1260万元扶贫专项资金转入县城投公司，"
        "用于道路改造和办公楼装修。审计还发现平山县虚报易地扶贫搬迁人口，套取搬迁补助资金410万元。",
    ),
    (
        "平山县回应扶贫资金被挪用：已追回980万元",
        "针对审计署公告指出的扶贫资金挪用问题，河北平山县委宣传部13日回应称，已追回被挪用的扶贫资金980万元，"
        "对县扶贫办原主任等6名责任人给予处分，虚报搬迁人口问题正在逐户核查整改。",
    ),
    (
        "评论：扶贫资金岂能被挪去装修办公楼",
        "平山县把1260万元扶贫专项资金挪去修路、装修办公楼，审计署的公告再次敲响警钟。扶贫资金是贫困群众的"
        "救命钱，挪用扶贫资金、虚报搬迁人口套取补助，必须依法严肃追责，整改要看实效。",
    ),
]
# Story B: a factory fire in one city.
FIRE_SZ = [
    (
        "深圳龙华区一工业园厂房起火 消防出动12辆消防车",
        "4日凌晨3时许，深圳市龙华区观澜街道一工业园厂房发生火灾，深圳消防出动12辆消防车、60余名消防员赶赴现场扑救，"
        "明火于5时许被扑灭，过火面积约800平方米，暂无人员伤亡，起火原因正在调查。",
    ),
    (
        "龙华观澜厂房火灾续：起火原因初步查明为电气线路故障",
        "记者从深圳市龙华区应急管理局获悉，4日凌晨观澜街道工业园厂房火灾的起火原因初步查明为电气线路短路，"
        "引燃厂房内堆放的塑料原料。龙华区已对辖区工业园开展消防安全隐患排查。",
    ),
]
# Story C: the same kind of fire, another city: same vocabulary, different story.
FIRE_HRB = [
    (
        "哈尔滨道里区一厂房起火 消防员连夜扑救",
        "4日凌晨，哈尔滨市道里区新发镇一厂房发生火灾，哈尔滨消防出动10辆消防车赶赴现场扑救，"
        "明火于凌晨被扑灭，过火面积约600平方米，暂无人员伤亡，起火原因正在调查。",
    ),
]


def _interleaved() -> list[tuple[str, str, str, datetime]]:
    order = [("a0", AUDIT[0]), ("f0", FIRE_SZ[0]), ("a1", AUDIT[1]), ("f1", FIRE_SZ[1]), ("a2", AUDIT[2])]
    return [
        (doc_id, title, text, T0 + timedelta(hours=3 * i)) for i, (doc_id, (title, text)) in enumerate(order)
    ]


def test_two_interleaved_stories_make_two_events() -> None:
    clusterer = EventClusterer()
    for doc_id, title, text, t in _interleaved():
        clusterer.add(doc_id, title, text, t)
    assert clusterer.events() == {"a0": ["a0", "a1", "a2"], "f0": ["f0", "f1"]}
    assert clusterer.event_of("a2") == "a0"


def test_same_kind_of_story_in_another_city_is_another_event() -> None:
    clusterer = EventClusterer()
    for i, (title, text) in enumerate(FIRE_SZ + FIRE_HRB):
        clusterer.add(i, title, text, T0 + timedelta(hours=i))
    assert clusterer.events() == {0: [0, 1], 2: [2]}
    assert "哈尔滨" in anchors(*FIRE_HRB[0]) and "龙华区" in anchors(*FIRE_SZ[0])


def test_report_after_window_opens_new_event() -> None:
    clusterer = EventClusterer(window_days=3)
    clusterer.add("a0", *AUDIT[0], T0)
    clusterer.add("a1", *AUDIT[1], T0 + timedelta(days=1))
    late = clusterer.add("a2", *AUDIT[2], T0 + timedelta(days=1, hours=1) + timedelta(days=3))
    assert late == "a2"
    assert clusterer.events() == {"a0": ["a0", "a1"], "a2": ["a2"]}
    assert clusterer.active_events(T0 + timedelta(days=2)) == ["a0", "a2"]
    assert clusterer.active_events(T0 + timedelta(days=30)) == []


def test_state_round_trip_resumes_with_same_assignments() -> None:
    docs = _interleaved() + [("h0", *FIRE_HRB[0], T0 + timedelta(hours=16))]
    whole = EventClusterer()
    for d in docs:
        whole.add(*d)
    first = EventClusterer()
    for d in docs[:3]:
        first.add(*d)
    resumed = EventClusterer.from_state(json.loads(json.dumps(first.to_state(), ensure_ascii=False)))
    for d in docs[3:]:
        resumed.add(*d)
    assert resumed.events() == whole.events()
    assert resumed.to_state() == whole.to_state()
    with pytest.raises(ValueError):
        EventClusterer.from_state({"version": 0})


def test_labels_and_representatives_describe_the_event() -> None:
    clusterer = EventClusterer()
    for doc_id, title, text, t in _interleaved():
        clusterer.add(doc_id, title, text, t)
    label = clusterer.label("a0", k=5)
    assert len(label) == 5 and ("扶贫资金" in label or "平山县" in label)
    assert not {"深圳", "火灾", "厂房"} & set(label)
    reps = clusterer.representatives("a0", n=2)
    assert len(reps) == 2 and set(reps) <= {"a0", "a1", "a2"}


def test_reprint_group_is_premerged() -> None:
    clusterer = EventClusterer()
    clusterer.add(1, *AUDIT[0], T0, reprint_group=1)
    # a reprint that shares no words with the story (e.g. an image caption) still joins through its group
    assert clusterer.add(2, "组图", "现场图片", T0 + timedelta(hours=1), reprint_group=1) == 1
    assert clusterer.add(3, *FIRE_SZ[0], T0 + timedelta(hours=2), reprint_group=3) == 3


def test_headlines_need_more_overlap_than_articles() -> None:
    clusterer = EventClusterer()
    assert clusterer.threshold_for(3) > clusterer.threshold_for(20) > clusterer.threshold_for(60)
    mapping = cluster_events(
        [
            {"id": 1, "title": "平山县挪用扶贫资金1260万元", "text": "", "published_at": T0},
            {"id": 2, "title": "桑植县危房改造资金被套取", "text": "", "published_at": T0},
            {"id": 3, "title": "平山县被挪用扶贫资金已追回980万元", "text": "", "published_at": T0},
        ]
    )
    assert mapping[1] == mapping[3] == 1 and mapping[2] == 2


def test_deterministic_and_unit_vectors() -> None:
    vec = doc_vector(*AUDIT[0])
    assert abs(sum(v * v for v in vec.values()) - 1.0) < 1e-9
    runs = []
    for _ in range(2):
        clusterer = EventClusterer()
        for d in _interleaved():
            clusterer.add(*d)
        runs.append(clusterer.to_state())
    assert runs[0] == runs[1]


@pytest.mark.requires_shared_data
def test_conformance_topic_sets(shared_data) -> None:
    from bench.events import _synthetic, load_cec, load_plain, run_set

    cec, skipped = load_cec(shared_data / "topics" / "cec_emergency_events.csv")
    assert skipped <= 5
    thuc = _synthetic(load_plain(shared_data / "topics" / "thucnews_cnews_1000.csv", 400))
    for docs in (cec, _synthetic(cec), thuc):
        r = run_set(docs, threshold=0.15, window_days=7)
        assert r["bcubed_precision"] >= 0.88, r
        assert r["docs_in_multi_doc_clusters"] >= 0.2, r  # not all singletons
    r = run_set(_synthetic(cec), threshold=0.15, window_days=7)
    assert r["bcubed_recall"] >= 0.08, r
