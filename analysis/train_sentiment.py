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
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.sentiment import (
    LABELS,
    MODEL_DIR,
    PROJECT_MODEL_STEM,
    LinearSentimentModel,
    hash_ngrams,
    normalize_text,
    softmax,
    tfidf_transform,
)

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}

# name -> (file under sentiment/, kind). kind: "3class" (neg/neu/pos gold) or "polar" (pos/neg only).
DATASETS: dict[str, tuple[str, str]] = {
    "bdci2019": ("bdci2019_news_sentiment.csv", "3class"),
    "nlpcc2013": ("nlpcc2013_weibo_emotion_test_sentences.csv", "3class"),
    "covid19": ("covid19_weibo_emotion7.csv", "polar"),
    "weibo_senti_100k": ("weibo_senti_100k_subset2400.csv", "polar"),
}

# Training recipe (recorded in the model metadata; change here, retrain, commit model + card together).
RECIPE: dict = {
    "n_features": 2**18,
    "ngram_max": 2,
    "C": 1.0,
    "train_sets": {"bdci2019": 15.0, "nlpcc2013": 1.0, "covid19": 0.5},  # per-row weights
    "balance_classes": ["bdci2019"],  # within these sets rows are weighted by inverse class frequency
    "split": {"method": "md5", "salt": "yuqing-sentiment-v1", "eval_fraction": 0.2},
    "calibration": {"salt": "yuqing-sentiment-cal-v1", "fraction": 0.1},
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


def _weights(rows: list[Row], recipe: dict) -> np.ndarray:
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    w = np.array([recipe["train_sets"][r.dataset] for r in rows], dtype=np.float64)
    for name in recipe["balance_classes"]:
        mask = np.array([r.dataset == name for r in rows])
        counts = np.bincount(y[mask], minlength=3).astype(np.float64)
        factor = np.where(counts > 0, counts.sum() / (3 * np.maximum(counts, 1)), 0.0)
        w[mask] *= factor[y[mask]]
    return w


def compute_idf(counts) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + counts.shape[0]) / (1 + df)) + 1).astype(np.float32)


def _fit(rows: list[Row], recipe: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression  # training only

    counts = hash_ngrams([r.key for r in rows], recipe["n_features"], recipe["ngram_max"])
    idf = compute_idf(counts)
    x = tfidf_transform(counts, idf)
    y = np.array([LABEL_INDEX[r.polarity] for r in rows])
    clf = LogisticRegression(C=recipe["C"], max_iter=5000, tol=1e-6)
    clf.fit(x, y, sample_weight=_weights(rows, recipe))
    return clf.coef_.T.astype(np.float32), clf.intercept_.astype(np.float32), idf


def _quantise(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(weights).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(weights / scale[None, :]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def _logits(weights, bias, idf, recipe, texts_keys: list[str]) -> np.ndarray:
    counts = hash_ngrams(texts_keys, recipe["n_features"], recipe["ngram_max"])
    return np.asarray(tfidf_transform(counts, idf) @ weights) + bias


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of held-back calibration rows."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t))
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))

    res = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))


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


def train(data_dir: Path, out_stem: Path, recipe: dict | None = None) -> dict:
    """Train, calibrate, quantise and write ``out_stem``.npz/.json; returns the metadata written."""
    recipe = recipe or RECIPE
    train_sets = list(recipe["train_sets"])
    sets = load_sets(data_dir)
    train_rows, held_out = split_rows(sets, train_sets, recipe["split"])
    logger.info("training rows: %d", len(train_rows))

    # 1) temperature from a calibration slice held back from a first fit
    cal = recipe["calibration"]
    fit_rows = [r for r in train_rows if hash_bucket(r.key, cal["salt"]) >= cal["fraction"]]
    cal_rows = [r for r in train_rows if hash_bucket(r.key, cal["salt"]) < cal["fraction"]]
    w0, b0, idf0 = _fit(fit_rows, recipe)
    q0, s0 = _quantise(w0)
    cal_logits = _logits(q0.astype(np.float32) * s0, b0, idf0, recipe, [r.key for r in cal_rows])
    temperature = fit_temperature(cal_logits, np.array([LABEL_INDEX[r.polarity] for r in cal_rows]))

    # 2) final fit on all training rows
    weights, bias, idf = _fit(train_rows, recipe)
    q, scale = _quantise(weights)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out_stem.with_suffix(".npz"),
        weights_q=q,
        weights_scale=scale,
        bias=bias,
        idf=idf.astype(np.float16).astype(np.float32),
    )
    per_set = {}
    for name in train_sets:
        rows = sets[name]
        per_set[name] = {
            "file": DATASETS[name][0],
            "weight": recipe["train_sets"][name],
            "rows_trained": sum(1 for r in train_rows if r.dataset == name),
            "rows_held_out": len(held_out[name]),
            "rows_total": len(rows),
        }
    meta = {
        "name": "project",
        "kind": "hashed char n-gram tf-idf + multinomial logistic regression",
        "labels": list(LABELS),
        "n_features": recipe["n_features"],
        "ngram_max": recipe["ngram_max"],
        "temperature": round(temperature, 6),
        "recipe": recipe,
        "training": {
            "sets": per_set,
            "n_trained": len(train_rows),
            "trained_keys_sha256": keys_digest(train_rows),
        },
    }
    out_stem.with_suffix(".json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    # 3) held-out figures with the model as shipped (quantised, reloaded from disk)
    model = LinearSentimentModel.load(out_stem)
    figures = {}
    for name, rows in held_out.items():
        if not rows:
            continue
        proba = model.predict_proba([r.text for r in rows])
        gold = [r.polarity for r in rows]
        polar = DATASETS[name][1] == "polar"
        figures[name] = evaluate(proba, gold, polar_only=polar)
        figures[name]["ece"] = expected_calibration_error(proba, gold, polar_only=polar)
    meta["held_out_figures"] = figures
    out_stem.with_suffix(".json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return meta


def main(argv: list[str] | None = None) -> int:
    """CLI: ``yuqing train-sentiment [--data-dir DIR] [--out STEM]``."""
    parser = argparse.ArgumentParser(prog="train-sentiment", description="重新训练情感模型")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="../shared/data")
    parser.add_argument(
        "--out",
        type=Path,
        default=MODEL_DIR / PROJECT_MODEL_STEM,
        help="output stem: writes STEM.npz and STEM.json",
    )
    args = parser.parse_args(argv)
    if not (args.data_dir / "sentiment").is_dir():
        parser.error(f"no sentiment data under {args.data_dir}")
    out = args.out.with_suffix("") if args.out.suffix in (".npz", ".json") else args.out
    t0 = time.perf_counter()
    meta = train(args.data_dir, out)
    print(f"wrote {out}.npz / {out}.json in {time.perf_counter() - t0:.1f}s")
    print(f"trained rows: {meta['training']['n_trained']}  temperature: {meta['temperature']:.3f}")
    for name, fig in meta["held_out_figures"].items():
        per = " ".join(f"{k}={v:.3f}" for k, v in fig["per_class_f1"].items())
        print(
            f"{name:18s} n={fig['n']:6d} acc={fig['accuracy']:.3f} macro_f1={fig['macro_f1']:.3f} "
            f"ece={fig['ece']:.3f}  F1 {per}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
