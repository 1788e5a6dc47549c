"""Stage 2 of analysis, per document and pure: a document's facts (`DocumentFacts`: reprint signature;
event vector, names, figures and places; region), read once, and its placement in a reprint group and an
event, given the reprint index and the event clusterer it is added to. `document_facts` is picklable, so a
process pool can compute it while documents are placed one by one in time order."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analysis.opinion.events import EventClusterer, EventFeatures, doc_features
from analysis.opinion.reprints import ReprintIndex, TextFacts, signature, text_facts
from analysis.region import Region, primary_region

logger = logging.getLogger(__name__)

REGION_CHARS = 2000  # body characters read for the region


@dataclass(frozen=True)
class DocumentFacts:
    """One document as stage 2 reads it, computed once (in a worker process when there are many: it
    pickles) and given to both the reprint index and the event clusterer. The figures and places are read
    from the text once: the signature carries them for the reprint index (which keeps signatures across
    runs), and `features` carries the same for the event clusterer."""

    id: Any
    time: datetime | None  # published, else first seen (`document_time`)
    source: str | None
    label_entry: bool  # a hot-list entry: names a story, joins an event without moving it
    signature: bytes  # reprint signature (analysis.opinion.reprints.signature), stored with the document
    features: EventFeatures  # vector, names, figures and places, for the event clusterer
    region: Region | None

    @property
    def facts(self) -> TextFacts:
        """The figures and places of the text (in the signature too)."""
        return self.features.facts


def aware(value: datetime | None) -> datetime | None:
    """`value` with UTC attached when it has no timezone (SQLite returns naive datetimes)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def document_time(row: Mapping[str, Any]) -> datetime:
    """The time a document counts at: published, else first seen."""
    return aware(row["published_at"]) or aware(row["first_seen_at"])


def document_facts(row: Mapping[str, Any]) -> DocumentFacts:
    """The pure, per-document part of stage 2 (signature; event vector, names, figures, places; region) of
    a stored document row (`id`, `title`, `body`, `published_at`, `first_seen_at`, `source`, `platform`)."""
    title, body = row["title"] or "", row["body"] or ""
    facts = text_facts(body if body.strip() else title)  # figures and places: once, for reprints and events
    return DocumentFacts(
        id=row["id"],
        time=document_time(row),
        source=row["source"],
        label_entry=row.get("platform") == "hotlist",
        signature=signature(body, facts, title=title) if body.strip() else signature(title, facts),
        features=doc_features(title, body, facts=facts),
        region=primary_region(title, body[:REGION_CHARS]),
    )


def document_stage2(
    row: Mapping[str, Any],
    index: ReprintIndex,
    clusterer: EventClusterer,
    facts: DocumentFacts | None = None,
) -> dict[str, Any]:
    """Place one document: reprint group, event and region. Returns the document columns to write.

    `facts`: `document_facts(row)` computed beforehand (e.g. in a worker process)."""
    doc = facts or document_facts(row)
    group = index.add_signature(doc.id, doc.signature, doc.time, doc.source)
    event_id = clusterer.add(
        doc.id, row["title"] or "", row["body"] or "", doc.time, reprint_group=group, features=doc.features,
        label_entry=doc.label_entry,
    )  # fmt: skip
    region = doc.region
    return {
        "id": doc.id,
        "signature": doc.signature,
        "reprint_group": group,
        "event_id": event_id,
        "region_province": region.province if region else None,
        "region_city": region.city if region else None,
        "region_county": region.county if region else None,
        "region_code": region.adcode if region else None,
    }
