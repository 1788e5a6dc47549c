"""The one vocabulary (config.vocabulary): every code has one label, and the stored status and kind names."""

from __future__ import annotations

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
