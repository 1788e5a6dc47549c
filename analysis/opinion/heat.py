"""Score how hot an event is (0–100, with a breakdown), detect bursts in mention counts, and flag novelty.

Pure functions; the caller passes `now`. Heat combines five components, each scaled to 0–1 and weighted:

| component  | raw value                                              | scale to 1.0                  | weight |
|------------|--------------------------------------------------------|-------------------------------|--------|
| reprints   | number of documents (each decayed by age)              | log1p(n) / log1p(200)         | 0.15   |
| sources    | Σ level weight over distinct sources (decayed)         | log1p(w) / log1p(60)          | 0.30   |
| engagement | reposts + comments + 0.2·likes + 0.01·reads (decayed)  | log1p(e) / log1p(100 000)     | 0.25   |
| velocity   | docs in the last 6 h vs the 6 h before                 | growth and volume, see below  | 0.15   |
| hot_list   | on a national hot list (微博热搜 …) in the last 24 h    | flag                          | 0.15   |

Documents count with weight 0.5^(age / 24 h), so an event that stopped spreading cools down. Source levels
weigh central media and official accounts above local media and self-media (`LEVEL_WEIGHTS`): a report by
人民日报 or a ministry account reaches further and carries more authority than a self-media repost.
Engagement for the history series uses today's counters (crawlers do not keep past counters).
"""

from __future__ import annotations

import logging
import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

logger = logging.getLogger(__name__)

# Central media reach the whole country; official (government) accounts carry authority; provincial and
# municipal media reach their areas; county media and self-media reach least per item.
LEVEL_WEIGHTS: dict[str, float] = {
    "central": 5,
    "official": 4,
    "provincial": 3,
    "municipal": 2,
    "county": 1.5,
    "self-media": 1,
}
DEFAULT_LEVEL_WEIGHT = 1.0

COMPONENT_WEIGHTS: dict[str, float] = {
    "reprints": 0.15,
    "sources": 0.30,
    "engagement": 0.25,
    "velocity": 0.15,
    "hot_list": 0.15,
}
COMPONENT_LABELS: dict[str, str] = {
    "reprints": "转载量",
    "sources": "信源覆盖",
    "engagement": "互动量",
    "velocity": "传播速度",
    "hot_list": "登上热榜",
}

HALF_LIFE_HOURS = 24.0
VELOCITY_WINDOW_HOURS = 6.0
HOT_LIST_HOURS = 24.0
_REPRINT_SATURATION = 200
_SOURCE_SATURATION = 60.0
_ENGAGEMENT_SATURATION = 100_000.0
_VELOCITY_VOLUME_SATURATION = 20


@dataclass(frozen=True)
class DocStat:
    source: str
    level: str
    published_at: datetime
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    reads: int = 0
    on_hot_list: bool = False


@dataclass(frozen=True)
class HeatBreakdown:
    heat: float
    # name -> {"label", "raw", "score" (0–1), "weight", "points" (share of the 0–100 heat)}
    components: dict[str, dict[str, float | str]] = field(default_factory=dict)


def _decay(age_hours: float) -> float:
    return 0.5 ** (max(age_hours, 0.0) / HALF_LIFE_HOURS)


def _log_scale(value: float, saturation: float) -> float:
    return min(1.0, math.log1p(max(value, 0.0)) / math.log1p(saturation))


def _velocity_score(recent: int, previous: int) -> float:
    """Growth of the last window over the one before (log2, 8× = full), damped when volumes are tiny."""
    if recent == 0:
        return 0.0
    growth = math.log2((recent + 1) / (previous + 1)) / 3.0
    volume = min(1.0, recent / _VELOCITY_VOLUME_SATURATION)
    return max(0.0, min(1.0, growth)) * (0.5 + 0.5 * volume)


def event_heat(docs: list[DocStat], now: datetime) -> HeatBreakdown:
    """Heat of an event at `now` from its documents (documents published after `now` are ignored)."""
    live = [d for d in docs if d.published_at <= now]
    ages = [(now - d.published_at).total_seconds() / 3600 for d in live]
    weights = [_decay(a) for a in ages]

    reprints = sum(weights)
    best_source: dict[str, float] = {}
    for d, w in zip(live, weights, strict=True):
        value = LEVEL_WEIGHTS.get(d.level, DEFAULT_LEVEL_WEIGHT) * w
        best_source[d.source] = max(best_source.get(d.source, 0.0), value)
    sources = sum(best_source.values())
    engagement = sum(
        (d.reposts + d.comments + 0.2 * d.likes + 0.01 * d.reads) * w
        for d, w in zip(live, weights, strict=True)
    )
    recent = sum(1 for a in ages if a < VELOCITY_WINDOW_HOURS)
    previous = sum(1 for a in ages if VELOCITY_WINDOW_HOURS <= a < 2 * VELOCITY_WINDOW_HOURS)
    hot = any(d.on_hot_list and a < HOT_LIST_HOURS for d, a in zip(live, ages, strict=True))

    scores = {
        "reprints": (round(reprints, 2), _log_scale(reprints, _REPRINT_SATURATION)),
        "sources": (round(sources, 2), _log_scale(sources, _SOURCE_SATURATION)),
        "engagement": (round(engagement, 1), _log_scale(engagement, _ENGAGEMENT_SATURATION)),
        "velocity": (f"{recent}/{previous}", _velocity_score(recent, previous)),
        "hot_list": (int(hot), 1.0 if hot else 0.0),
    }
    components: dict[str, dict[str, float | str]] = {}
    total = 0.0
    for name, (raw, score) in scores.items():
        points = 100 * COMPONENT_WEIGHTS[name] * score
        total += points
        components[name] = {
            "label": COMPONENT_LABELS[name],
            "raw": raw,
            "score": round(score, 4),
            "weight": COMPONENT_WEIGHTS[name],
            "points": round(points, 2),
        }
    return HeatBreakdown(heat=round(min(100.0, total), 2), components=components)


def heat_series(docs: list[DocStat], now: datetime, hours: int = 48, step_hours: int = 2) -> list[float]:
    """Heat at `now - hours`, …, `now` in steps of `step_hours` (oldest first), for sparklines."""
    if step_hours <= 0 or hours < 0:
        raise ValueError("hours must be >= 0 and step_hours > 0")
    points = hours // step_hours
    return [
        event_heat(docs, now - timedelta(hours=step_hours * (points - i))).heat for i in range(points + 1)
    ]


# ------------------------------------------------------------------------------------- bursts, novelty

BASELINE_DAYS = 14
_MAD_TO_SIGMA = 1.4826
_MEAN_AD_TO_SIGMA = 1.2533


@dataclass(frozen=True)
class Burst:
    is_burst: bool
    z: float
    baseline_median: float


def robust_z(counts: list[int]) -> float:
    """Robust z-score of the last count against the (up to) 14 counts before it, using median and MAD.

    When the MAD is zero (a flat baseline) the mean absolute deviation is used, and when that is zero too,
    a Poisson-like scale sqrt(max(median, 1)), so a jump from a flat 0 or 2 still scores finitely.
    """
    if len(counts) < 2:
        return 0.0
    current = counts[-1]
    baseline = counts[-1 - BASELINE_DAYS : -1]
    median = statistics.median(baseline)
    mad = statistics.median(abs(c - median) for c in baseline)
    scale = _MAD_TO_SIGMA * mad
    if scale == 0:
        scale = _MEAN_AD_TO_SIGMA * statistics.fmean(abs(c - median) for c in baseline)
    if scale == 0:
        scale = math.sqrt(max(median, 1.0))
    return (current - median) / scale


def detect_burst(
    history_counts: list[int], current_count: int, z_threshold: float = 3.5, min_count: int = 5
) -> Burst:
    """Burst when the current count is at least `min_count` and its robust z over the baseline passes
    `z_threshold` (3.5 is the usual cut-off for modified z-scores)."""
    baseline = history_counts[-BASELINE_DAYS:]
    if not baseline:
        return Burst(is_burst=current_count >= min_count, z=0.0, baseline_median=0.0)
    z = robust_z([*baseline, current_count])
    median = float(statistics.median(baseline))
    return Burst(
        is_burst=current_count >= min_count and z >= z_threshold, z=round(z, 3), baseline_median=median
    )


def is_new(first_seen: datetime, now: datetime, hours: float = 24) -> bool:
    """True when the event was first seen within the last `hours` (a first-seen time after `now`, from a
    clock skew, counts as new)."""
    return now - first_seen <= timedelta(hours=hours)


@dataclass(frozen=True)
class PlanVolume:
    """One 监测方案's volume today against its 14-day baseline."""

    plan: str
    today: int
    baseline_median: float
    z: float
    is_burst: bool
    history: tuple[int, ...]  # the baseline days, oldest first


def plan_bursts(
    daily: dict[str, dict[date, int]],
    today: date,
    *,
    days: int = BASELINE_DAYS,
    z_threshold: float = 3.5,
    min_count: int = 5,
) -> list[PlanVolume]:
    """Volume burst per 监测方案: today's document count against the `days` before it (robust z).

    `daily` maps plan -> {local day -> documents}; missing days count as 0. Sorted: bursts first, then by z."""
    out = []
    for plan, counts in daily.items():
        history = tuple(counts.get(today - timedelta(days=i), 0) for i in range(days, 0, -1))
        current = counts.get(today, 0)
        b = detect_burst(list(history), current, z_threshold=z_threshold, min_count=min_count)
        out.append(PlanVolume(plan, current, b.baseline_median, b.z, b.is_burst, history))
    return sorted(out, key=lambda v: (not v.is_burst, -v.z, v.plan))
