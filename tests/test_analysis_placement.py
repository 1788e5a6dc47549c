"""Stage 2 per document (analysis.placement): features read from the reprint signature; and the bounded
state of the reprint index and the event clusterer it places documents in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analysis.dedup import ReprintIndex, decode_signature, facts
from analysis.events import EventClusterer
from analysis.placement import document_features
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


def test_document_features_take_the_figures_from_the_reprint_signature() -> None:
    sig, vec, names, figures, about, named, strong, region = document_features(
        {"title": "平山县挪用扶贫资金", "body": AUDIT_BODY}
    )
    assert figures == sorted(facts(AUDIT_BODY)) == sorted(decode_signature(sig).facts) and len(figures) >= 2
    assert about == sorted(decode_signature(sig).places) and named == sorted(decode_signature(sig).mentions)
    assert named and set(about) <= set(named)
    assert strong == sorted(decode_signature(sig).strong) and set(strong) <= set(figures)
    assert "平山县" in names and vec and region is not None and region.county == "平山县"
