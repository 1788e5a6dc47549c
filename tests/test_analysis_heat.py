"""Tests for analysis.opinion.heat: event heat with breakdown, heat history, robust bursts and novelty."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analysis.opinion.heat import (
    COMPONENT_WEIGHTS,
    LEVEL_WEIGHTS,
    DocStat,
    detect_burst,
    event_heat,
    heat_series,
    is_new,
    robust_z,
)

NOW = datetime(2026, 5, 1, 12, 0)


def _doc(source="某县融媒体", level="county", hours_ago=1.0, **kw) -> DocStat:
    return DocStat(source=source, level=level, published_at=NOW - timedelta(hours=hours_ago), **kw)


def test_heat_is_zero_without_documents_and_bounded():
    assert event_heat([], NOW).heat == 0
    many = [
        _doc(f"媒体{i}", "central", i % 5, reposts=10**5, comments=10**5, on_hot_list=True)
        for i in range(500)
    ]
    assert event_heat(many, NOW).heat == pytest.approx(100, abs=0.5)


def test_breakdown_explains_the_number():
    result = event_heat(
        [_doc("人民日报", "central", 1, reposts=300, comments=120, likes=900, reads=50000)], NOW
    )
    comps = result.components
    assert set(comps) == set(COMPONENT_WEIGHTS)
    assert sum(c["points"] for c in comps.values()) == pytest.approx(result.heat, abs=0.05)
    assert comps["sources"]["label"] == "信源覆盖" and comps["hot_list"]["points"] == 0
    assert comps["engagement"]["raw"] > 400


def test_central_source_outweighs_self_media():
    central = event_heat([_doc("新华社", "central")], NOW)
    self_media = event_heat([_doc("某公众号", "self-media")], NOW)
    assert central.heat > self_media.heat
    assert (
        LEVEL_WEIGHTS["central"]
        > LEVEL_WEIGHTS["provincial"]
        > LEVEL_WEIGHTS["county"]
        > LEVEL_WEIGHTS["self-media"]
    )


def test_same_source_repeated_counts_once_for_coverage():
    one = event_heat([_doc("同一网站", "municipal", h) for h in (1, 2, 3)], NOW).components["sources"]["raw"]
    three = event_heat([_doc(f"网站{h}", "municipal", h) for h in (1, 2, 3)], NOW).components["sources"][
        "raw"
    ]
    assert three > 2 * one


def test_hot_list_flag_and_velocity_raise_heat():
    base = [_doc(f"站{i}", "provincial", 8 + i) for i in range(3)]
    accelerating = base + [_doc(f"新站{i}", "provincial", 0.5) for i in range(12)]
    assert event_heat(accelerating, NOW).components["velocity"]["score"] > 0.4
    assert event_heat(base, NOW).components["velocity"]["score"] == 0
    flagged = [*base, _doc("微博热搜", "self-media", 2, on_hot_list=True)]
    assert event_heat(flagged, NOW).components["hot_list"]["points"] == pytest.approx(
        100 * COMPONENT_WEIGHTS["hot_list"]
    )


def test_old_events_cool_down_and_future_docs_are_ignored():
    docs = [_doc(f"站{i}", "provincial", 1) for i in range(10)]
    assert event_heat(docs, NOW).heat > event_heat(docs, NOW + timedelta(days=3)).heat
    future = [_doc("站", "central", -5)]
    assert event_heat(future, NOW).heat == 0


def test_heat_series_rises_when_coverage_starts():
    docs = [_doc(f"站{i}", "provincial", hours_ago=i * 0.5) for i in range(20)]
    series = heat_series(docs, NOW, hours=48, step_hours=2)
    assert len(series) == 25
    assert series[0] == 0 and series[-1] == event_heat(docs, NOW).heat
    assert series[-6] == 0 < series[-5] < series[-1]  # nothing 10 h ago, then rising
    earlier = [_doc(f"站{i}", "provincial", hours_ago=30 + i * 0.5) for i in range(20)]
    cooling = heat_series(earlier, NOW, hours=48, step_hours=2)
    peak = max(range(len(cooling)), key=cooling.__getitem__)
    assert 0 < peak < len(cooling) - 1 and cooling[-1] < cooling[peak]  # rises, then cools down
    with pytest.raises(ValueError):
        heat_series(docs, NOW, step_hours=0)


def test_robust_z_against_baseline():
    baseline = [2, 3, 2, 4, 3, 2, 3, 2, 3, 4, 2, 3, 3, 2]
    assert robust_z([*baseline, 3]) == pytest.approx(0.0)
    assert robust_z([*baseline, 20]) > 10
    # Only the 14 counts before the last form the baseline.
    assert robust_z([1000] * 5 + [*baseline, 20]) == pytest.approx(robust_z([*baseline, 20]))
    assert robust_z([5]) == 0.0


def test_robust_z_handles_flat_baseline():
    assert robust_z([0] * 14 + [6]) == pytest.approx(6.0)
    assert robust_z([4] * 14 + [4]) == 0.0


def test_detect_burst_needs_z_and_volume():
    baseline = [2, 3, 2, 4, 3, 2, 3, 2, 3, 4, 2, 3, 3, 2]
    burst = detect_burst(baseline, 20)
    assert burst.is_burst and burst.baseline_median == 3 and burst.z > 3.5
    assert not detect_burst(baseline, 5).is_burst
    assert not detect_burst([0] * 14, 3).is_burst  # high z but under min_count
    assert detect_burst([0] * 14, 6).is_burst
    assert not detect_burst([40, 55, 38, 60, 45, 50, 52, 47, 41, 58, 44, 49, 53, 46], 70).is_burst
    assert detect_burst([], 7).is_burst and not detect_burst([], 2).is_burst


def test_is_new_within_window():
    assert is_new(NOW - timedelta(hours=3), NOW)
    assert is_new(NOW - timedelta(hours=24), NOW)
    assert not is_new(NOW - timedelta(hours=25), NOW)
    assert is_new(NOW - timedelta(hours=30), NOW, hours=48)
    assert is_new(NOW + timedelta(minutes=5), NOW)


def test_plan_bursts_flag_a_jump_over_a_quiet_fortnight():
    from datetime import date, timedelta

    from analysis.opinion.heat import plan_bursts

    today = date(2026, 11, 22)
    quiet = {today - timedelta(days=i): 2 + (i % 2) for i in range(1, 15)}
    daily = {"审计署全国": {**quiet, today: 19}, "莒南县审计局": {**quiet, today: 3}, "新方案": {today: 1}}
    out = plan_bursts(daily, today)
    assert [v.plan for v in out if v.is_burst] == ["审计署全国"]
    first = out[0]
    assert first.plan == "审计署全国" and first.today == 19 and first.baseline_median == 2.5 and first.z > 3.5
    assert len(first.history) == 14 and first.history[0] == quiet[today - timedelta(days=14)]
    new = next(v for v in out if v.plan == "新方案")
    assert new.history == (0,) * 14 and not new.is_burst  # below min_count
