"""Stage 2 per document (analysis.opinion.placement): facts read once for reprints and events; and the bounded
state of the reprint index and the event clusterer it places documents in."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

from analysis.opinion.events import EventClusterer
from analysis.opinion.placement import document_facts
from analysis.opinion.reprints import ReprintIndex, decode_signature, facts, signature
from tests.factories import AUDIT_BODY, BLAST_BODY


def test_reprint_index_prune_keeps_live_groups_and_their_ids() -> None:
    index = ReprintIndex()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    index.add(1, AUDIT_BODY, t0)
    index.add(2, BLAST_BODY, t0)
    index.add(3, "来源：新华网\n" + BLAST_BODY, t0 + timedelta(days=20))
    assert index.prune(t0 + timedelta(days=10)) == 1
    assert 1 not in index and index.group_of(3) == 2
    assert index.add(4, BLAST_BODY, t0 + timedelta(days=21)) == 2
    assert ReprintIndex.from_state(index.to_state()).group_of(4) == 2


def test_event_clusterer_prune_forgets_dormant_events() -> None:
    clusterer = EventClusterer(window_days=7)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    old = clusterer.add(1, "响水县化工企业爆炸", BLAST_BODY, t0)
    new = clusterer.add(2, "平山县挪用扶贫资金", AUDIT_BODY, t0 + timedelta(days=20))
    assert clusterer.prune(t0 + timedelta(days=20)) == [old]
    assert 1 not in clusterer and clusterer.events() == {new: [2]}
    assert len(clusterer.to_state()["docs"]) == 1


def test_document_facts_are_read_once_for_reprints_and_events() -> None:
    doc = document_facts(
        {"id": 7, "title": "平山县挪用扶贫资金", "body": AUDIT_BODY, "published_at": datetime(2025, 1, 1),
         "first_seen_at": None, "source": "新华网", "platform": "news"}
    )  # fmt: skip
    sig, figures = decode_signature(doc.signature), doc.facts.figures
    assert figures == facts(AUDIT_BODY) == sig.facts and len(figures) >= 2
    assert doc.facts.about == sig.places and doc.facts.named == sig.mentions
    assert doc.facts.named and doc.facts.about <= doc.facts.named
    assert doc.facts.strong == sig.strong and doc.facts.strong <= figures
    assert doc.signature == signature(AUDIT_BODY, title="平山县挪用扶贫资金") and doc.features.facts is doc.facts
    assert decode_signature(doc.signature).hashes.tolist() == decode_signature(signature(AUDIT_BODY)).hashes.tolist()
    assert "平山县" in doc.features.names and doc.features.vector
    assert doc.region is not None and doc.region.county == "平山县"
    assert doc.id == 7 and doc.time == datetime(2025, 1, 1, tzinfo=UTC) and not doc.label_entry
    assert pickle.loads(pickle.dumps(doc)) == doc  # the process pool sends it between processes
