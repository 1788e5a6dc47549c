"""Stage 2 of analysis, per document and pure: a document's features (reprint signature; event vector,
names, figures and places; region) and its placement in a reprint group and an event, given the reprint
index and the event clusterer it is added to. `document_features` is picklable, so a process pool can
compute it while documents are placed one by one in time order."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from analysis.dedup import ReprintIndex, decode_signature, signature
from analysis.events import EventClusterer, doc_features
from analysis.region import Region, primary_region

logger = logging.getLogger(__name__)

REGION_CHARS = 2000  # body characters read for the region

# signature, event vector, names, figures, places (paragraphs are about, named anywhere), strong figures,
# region
Features = tuple[
    bytes, dict[str, float], list[str], list[int], list[str], list[str], list[int], Region | None
]


def aware(value: datetime | None) -> datetime | None:
    """`value` with UTC attached when it has no timezone (SQLite returns naive datetimes)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def document_time(row: Mapping[str, Any]) -> datetime:
    """The time a document counts at: published, else first seen."""
    return aware(row["published_at"]) or aware(row["first_seen_at"])


def document_features(row: Mapping[str, Any]) -> Features:
    """The pure, per-document part of stage 2 (signature; event vector, names, figures, places; region);
    picklable, so a process pool can compute it while the main process places documents in order."""
    title, body = row["title"] or "", row["body"] or ""
    sig = signature(body if body.strip() else title)
    decoded = decode_signature(sig)  # figures and places: computed once, for reprints and events
    vec, names, facts, about, named, strong = doc_features(
        title, body, facts=decoded.facts, places=(decoded.places, decoded.mentions), strong=decoded.strong
    )
    region = primary_region(title, body[:REGION_CHARS])
    return sig, vec, sorted(names), sorted(facts), sorted(about), sorted(named), sorted(strong), region


def document_stage2(
    row: Mapping[str, Any],
    index: ReprintIndex,
    clusterer: EventClusterer,
    features: Features | None = None,
) -> dict[str, Any]:
    """Place one document: reprint group, event and region. Returns the document columns to write."""
    sig, vec, names, facts, about, named, strong, region = features or document_features(row)
    when = document_time(row)
    group = index.add_signature(row["id"], sig, when, row["source"])
    event_id = clusterer.add(
        row["id"], row["title"] or "", row["body"] or "", when, reprint_group=group,
        features=(vec, names, facts, about, named, strong), label_entry=row.get("platform") == "hotlist",
    )  # fmt: skip
    return {
        "id": row["id"],
        "signature": sig,
        "reprint_group": group,
        "event_id": event_id,
        "region_province": region.province if region else None,
        "region_city": region.city if region else None,
        "region_county": region.county if region else None,
        "region_code": region.adcode if region else None,
    }
