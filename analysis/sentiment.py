"""Three-class sentiment (neg / neu / pos) with calibrated probabilities for news and Weibo-style text.

The default model ``project`` is a multinomial logistic regression over hashed character 1–3-grams,
trained by ``analysis.train_sentiment`` on news headlines and Weibo posts and shipped as a small
``.npz`` of weights plus a JSON metadata file under ``analysis/models/`` (no pickle, no scikit-learn at
inference).  SnowNLP's review-trained model stays selectable as the named baseline ``snownlp``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy import sparse

logger = logging.getLogger(__name__)

LABELS: tuple[str, str, str] = ("neg", "neu", "pos")
LABEL_NAMES: dict[str, str] = {"neg": "负面", "neu": "中性", "pos": "正面"}
MODEL_DIR = Path(__file__).resolve().parent / "models"
PROJECT_MODEL_STEM = "sentiment_project"
# Articles: the headline alone is scored when it has at least MIN_TITLE_CHARS characters; otherwise the
# title plus the first LEAD_CHARS characters of the body.  Measured on held-out bdci2019 headlines with
# their body prefix: title alone macro-F1 0.686, title+lead 0.609, 0.8/0.2 probability mix 0.678
# (see the model card); the model is trained on short texts, and bodies dilute the headline's framing.
LEAD_CHARS = 300
MIN_TITLE_CHARS = 4

# SnowNLP baseline: its score s in [0, 1] is mapped to (p_neg, p_neu, p_pos) proportional to
# ((1-s)^2, 2 s (1-s), s^2).  The argmax is neg for s < 1/3, neu for 1/3 <= s <= 2/3, pos for s > 2/3.
SNOWNLP_THRESHOLDS: tuple[float, float] = (1 / 3, 2 / 3)

_URL_RE = re.compile(r"https?://[\x21-\x7e]+")
_MENTION_RE = re.compile(r"@[^\s@:：,，。!！?？/]{1,30}")
_DIGITS_RE = re.compile(r"[0-9]+")
_SPACE_RE = re.compile(r"\s+")

# Odd 64-bit multipliers for the n-gram hash (fixed forever: changing them invalidates shipped models).
_MULT = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)
_BOUNDARY = 0x2  # code point marking the start and end of every text (so edge n-grams are features)


def normalize_text(text: str) -> str:
    """Fold a text to the form the featuriser sees: NFKC, lower case, URLs / @mentions / digit runs
    collapsed to one placeholder each, whitespace squeezed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _URL_RE.sub("U", text)
    text = _MENTION_RE.sub("@", text)
    text = _DIGITS_RE.sub("0", text)
    return _SPACE_RE.sub(" ", text).strip()


def hash_ngram_pairs(texts: list[str], n_features: int, ngram_max: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of every hashed character 1..ngram_max-gram of already-normalised texts, one
    entry per occurrence.  Every text is wrapped in a boundary marker, so start and end n-grams are
    features too; n-grams never cross from one text into the next.  Pure numpy, whole batch at once."""
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    wrapped = [f"\x02{t}\x02" for t in texts]
    lengths = np.fromiter((len(t) for t in wrapped), dtype=np.int64, count=n)
    codes = np.frombuffer("".join(wrapped).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    rows_parts: list[np.ndarray] = []
    cols_parts: list[np.ndarray] = []
    total = codes.shape[0]
    for order in range(1, ngram_max + 1):
        m = total - order + 1
        if m <= 0:
            break
        h = np.full(m, np.uint64(order) * _MULT[3], dtype=np.uint64)
        for k in range(order):
            h = (h ^ codes[k : k + m]) * _MULT[k]
        h ^= h >> np.uint64(29)
        valid = row_of[:m] == row_of[order - 1 : order - 1 + m]
        if order == 1:
            # the lone boundary marker is not a feature
            valid &= codes[:m] != _BOUNDARY
        rows_parts.append(row_of[:m][valid])
        cols_parts.append((h[valid] % np.uint64(n_features)).astype(np.int64))
    return np.concatenate(rows_parts), np.concatenate(cols_parts)


def hash_ngrams(texts: list[str], n_features: int, ngram_max: int = 3) -> sparse.csr_matrix:
    """Counts of hashed character n-grams (see hash_ngram_pairs) as a CSR matrix (texts x buckets)."""
    rows, cols = hash_ngram_pairs(texts, n_features, ngram_max)
    data = np.ones(rows.shape[0], dtype=np.float32)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), n_features), dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


def tfidf_transform(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf (1 + log count) times idf, then L2-normalised rows."""
    x = counts.copy()
    x.data = 1.0 + np.log(x.data)
    x.data *= idf[x.indices]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
    return x


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class SentimentResult:
    """One scored text: label in LABELS, the three probabilities, and score = p_pos - p_neg in [-1, 1]."""

    label: str
    p_neg: float
    p_neu: float
    p_pos: float
    score: float

    @property
    def label_zh(self) -> str:
        return LABEL_NAMES[self.label]

    @classmethod
    def from_proba(cls, proba: np.ndarray) -> SentimentResult:
        p_neg, p_neu, p_pos = (float(v) for v in proba)
        return cls(
            label=LABELS[int(np.argmax(proba))],
            p_neg=p_neg,
            p_neu=p_neu,
            p_pos=p_pos,
            score=max(-1.0, min(1.0, p_pos - p_neg)),
        )


class SentimentModel(Protocol):
    """What every sentiment model offers; probabilities are in class order LABELS = (neg, neu, pos)."""

    name: str

    def predict_proba(self, texts: list[str]) -> np.ndarray: ...

    def predict(self, texts: list[str]) -> list[str]: ...


class LinearSentimentModel:
    """Hashed char n-gram TF-IDF + multinomial logistic regression, temperature-calibrated."""

    def __init__(
        self,
        name: str,
        weights: np.ndarray,
        bias: np.ndarray,
        idf: np.ndarray,
        meta: dict,
    ) -> None:
        self.name = name
        self.weights = weights  # (n_features, 3) float32
        self.bias = bias  # (3,) float32
        self.idf = idf  # (n_features,) float32
        self.meta = meta
        self.n_features = int(meta["n_features"])
        self.ngram_max = int(meta["ngram_max"])
        self.temperature = float(meta.get("temperature", 1.0))
        if tuple(meta["labels"]) != LABELS:
            raise ValueError(f"model {name!r} has labels {meta['labels']!r}, expected {LABELS!r}")

    @classmethod
    def load(cls, stem: Path, name: str | None = None) -> LinearSentimentModel:
        """Load ``<stem>.json`` (metadata) and ``<stem>.npz`` (weights) written by the trainer."""
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(stem.with_suffix(".npz"), allow_pickle=False) as arrays:
            q = arrays["weights_q"].astype(np.float32)
            weights = q * arrays["weights_scale"].astype(np.float32)[None, :]
            bias = arrays["bias"].astype(np.float32)
            idf = arrays["idf"].astype(np.float32)
        return cls(name or meta.get("name", stem.name), weights, bias, idf, meta)

    def features(self, texts: list[str]) -> sparse.csr_matrix:
        counts = hash_ngrams([normalize_text(t) for t in texts], self.n_features, self.ngram_max)
        return tfidf_transform(counts, self.idf)

    def decision_function(self, texts: list[str]) -> np.ndarray:
        """Logits (n, 3).  Same arithmetic as ``features(texts) @ weights + bias`` without building a
        sparse matrix, which keeps single-text calls cheap."""
        n = len(texts)
        rows, cols = hash_ngram_pairs([normalize_text(t) for t in texts], self.n_features, self.ngram_max)
        pair = rows * self.n_features + cols
        uniq, counts = np.unique(pair, return_counts=True)
        urows = uniq // self.n_features
        ucols = uniq % self.n_features
        vals = (1.0 + np.log(counts)) * self.idf[ucols]
        norms = np.sqrt(np.bincount(urows, weights=vals * vals, minlength=n))
        norms[norms == 0] = 1.0
        vals = vals / norms[urows]
        contrib = self.weights[ucols] * vals[:, None]
        logits = np.empty((n, 3), dtype=np.float64)
        for k in range(3):
            logits[:, k] = np.bincount(urows, weights=contrib[:, k], minlength=n)
        return logits + self.bias

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, 3), dtype=np.float64)
        logits = self.decision_function(list(texts)).astype(np.float64)
        return softmax(logits / self.temperature)

    def predict(self, texts: list[str]) -> list[str]:
        return [LABELS[i] for i in np.argmax(self.predict_proba(texts), axis=1)]


class SnowNLPSentimentModel:
    """SnowNLP's bundled review model as a named baseline; s in [0, 1] becomes three probabilities
    proportional to ((1-s)^2, 2s(1-s), s^2), i.e. neg below 1/3, pos above 2/3, neu between."""

    name = "snownlp"

    def __init__(self) -> None:
        from snownlp import SnowNLP  # heavy (~2 s import): only when this baseline is asked for

        self._snownlp = SnowNLP

    def score(self, text: str) -> float:
        if not (text or "").strip():
            return 0.5
        return float(self._snownlp(text).sentiments)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        s = np.array([self.score(t) for t in texts], dtype=np.float64).reshape(-1, 1)
        raw = np.hstack([(1 - s) ** 2, 2 * s * (1 - s), s**2])
        return raw / raw.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str]) -> list[str]:
        return [LABELS[i] for i in np.argmax(self.predict_proba(texts), axis=1)]


_MODELS: dict[str, SentimentModel] = {}
_LOCK = threading.Lock()
MODEL_NAMES: tuple[str, ...] = ("project", "snownlp")


def get_model(name: str = "project") -> SentimentModel:
    """The named sentiment model, loaded lazily once per process (``project`` or ``snownlp``)."""
    model = _MODELS.get(name)
    if model is not None:
        return model
    with _LOCK:
        model = _MODELS.get(name)
        if model is None:
            if name == "project":
                model = LinearSentimentModel.load(MODEL_DIR / PROJECT_MODEL_STEM, name="project")
            elif name == "snownlp":
                model = SnowNLPSentimentModel()
            else:
                raise ValueError(f"unknown sentiment model {name!r}; choose one of {MODEL_NAMES}")
            logger.info("loaded sentiment model %s", name)
            _MODELS[name] = model
    return model


def score_sentiment(text: str, model: str = "project") -> SentimentResult:
    """Sentiment of one text (headline, post or short passage)."""
    proba = get_model(model).predict_proba([text])[0]
    return SentimentResult.from_proba(proba)


def article_text(title: str, body: str = "", lead_chars: int = LEAD_CHARS) -> str:
    """The text scored for an article: its title when it has at least MIN_TITLE_CHARS characters,
    else the title plus the first ``lead_chars`` characters of its body."""
    title = (title or "").strip()
    if len(title) >= MIN_TITLE_CHARS:
        return title
    lead = (body or "").strip()[:lead_chars]
    if title and lead:
        return f"{title}。{lead}"
    return title or lead


def score_article(title: str, body: str = "", model: str = "project") -> SentimentResult:
    """Sentiment of an article (headline; body lead only when the headline is missing or tiny)."""
    return score_sentiment(article_text(title, body), model=model)


def score_many(texts: list[str], model: str = "project") -> list[SentimentResult]:
    """Batch form of score_sentiment (much faster per text for the project model)."""
    proba = get_model(model).predict_proba(list(texts))
    return [SentimentResult.from_proba(row) for row in proba]
