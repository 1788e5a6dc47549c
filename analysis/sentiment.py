"""Three-class sentiment (neg / neu / pos) with calibrated probabilities for news and Weibo-style text.

The default model ``project`` has two linear heads and a router, trained by ``analysis.train_sentiment``
and shipped as one ``.npz`` of int8 weights plus a JSON metadata file under ``analysis/models/`` (no
pickle, no scikit-learn at inference): ``news`` (headlines; hashed char 1-2-grams + jieba words + their
mean word2vec vector, tuned for macro-F1), ``social`` (Weibo posts; hashed char 1-2-grams) and ``router``
(p(news) per text).  Callers pass ``domain="news"`` / ``"social"`` when they know the register, or leave
it None to mix the heads by the router.  SnowNLP's review-trained model stays selectable as the named
baseline ``snownlp``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy import sparse

from config.vocabulary import SENTIMENT_LABELS, SENTIMENTS

logger = logging.getLogger(__name__)

LABELS: tuple[str, str, str] = SENTIMENTS  # the models' class order
MODEL_DIR = Path(__file__).resolve().parent / "models"
PROJECT_MODEL_STEM = "sentiment_project"
# Articles: the headline alone is scored when it has at least MIN_TITLE_CHARS characters; otherwise the
# title plus the first LEAD_CHARS characters of the body.  Measured (previous single-head model) on
# held-out bdci2019 headlines with their body prefix: title alone macro-F1 0.686, title+lead 0.609 (see
# the model card); the model is trained on short texts, and bodies dilute the headline's framing.
LEAD_CHARS = 300
MIN_TITLE_CHARS = 4

# SnowNLP baseline: its score s in [0, 1] is mapped to (p_neg, p_neu, p_pos) proportional to
# ((1-s)^2, 2 s (1-s), s^2).  The argmax is neg for s < 1/3, neu for 1/3 <= s <= 2/3, pos for s > 2/3.
SNOWNLP_THRESHOLDS: tuple[float, float] = (1 / 3, 2 / 3)

_URL_RE = re.compile(r"https?://[\x21-\x7e]+")
_MENTION_RE = re.compile(r"@[^\s@:：,，。!！?？/]{1,30}")
_DIGITS_RE = re.compile(r"[0-9]+")
_SPACE_RE = re.compile(r"\s+")
# news normalisation keeps CJK unified ideographs except 年月日 (see normalize_news)
_NON_CJK_RE = re.compile(r"[^\u4e00-\u9fff]|[年月日]")
_TOKENIZER = None
_TOK_LOCK = threading.Lock()

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
        return SENTIMENT_LABELS[self.label]

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
    """What every sentiment model offers; probabilities are in class order LABELS = (neg, neu, pos).
    ``domain`` is "news" (headlines, articles), "social" (Weibo-style posts) or None (decided per text)."""

    name: str

    def predict_proba(self, texts: list[str], domain: str | None = None) -> np.ndarray: ...

    def predict(self, texts: list[str], domain: str | None = None) -> list[str]: ...


def _tokenizer():
    """A private rjieba tokenizer (jieba's dictionary, no user words), built once per process; the Python
    jieba is the fallback.  Private so that words other modules add to the shared jieba never change the
    sentiment features."""
    global _TOKENIZER
    if _TOKENIZER is None:
        with _TOK_LOCK:
            if _TOKENIZER is None:
                try:
                    import rjieba

                    _TOKENIZER = rjieba.Jieba().cut
                except ImportError:  # pragma: no cover - rjieba is pinned in requirements.txt
                    import jieba

                    logger.warning(
                        "rjieba not installed; sentiment word features use the slower Python jieba"
                    )
                    _TOKENIZER = jieba.Tokenizer().lcut
    return _TOKENIZER


def tokenize(texts: list[str]) -> list[list[str]]:
    """jieba words (private tokenizer, whitespace dropped) of already-normalised texts."""
    cut = _tokenizer()
    return [[w for w in cut(text) if not w.isspace()] if text else [] for text in texts]


def hash_word_pairs(
    texts: list[str], n_features: int, tokens: list[list[str]] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(row, bucket) of every jieba word (crc32 of its UTF-8 bytes) of already-normalised texts;
    ``tokens`` are their words when the caller has them already (see tokenize)."""
    if tokens is None:
        tokens = tokenize(texts)
    rows: list[int] = []
    cols: list[int] = []
    for i, words in enumerate(tokens):
        rows.extend([i] * len(words))
        cols.extend(zlib.crc32(w.encode("utf-8")) for w in words)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64) % n_features


class WordVectors:
    """A word-embedding table (vocabulary -> vector) for a head's ``wordvec`` feature block.

    Trained by ``analysis.train_sentiment`` (word2vec on unlabelled news headlines and Weibo text) and
    shipped as int8 rows with one float32 scale per row.  A text's block is the mean vector of its known
    words, L2-normalised; a text with no known word gets zeros."""

    def __init__(self, words: list[str], vectors: np.ndarray) -> None:
        if len(words) != vectors.shape[0]:
            raise ValueError("word-vector vocabulary and table differ in length")
        self.words = list(words)
        self.vectors = vectors.astype(np.float32)
        self.index = {w: i for i, w in enumerate(self.words)}

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def mean_vectors(self, tokens: list[list[str]]) -> np.ndarray:
        """(n, dim) L2-normalised mean vector of each token list's known words."""
        rows: list[int] = []
        cols: list[int] = []
        index = self.index
        for i, words in enumerate(tokens):
            for w in words:
                j = index.get(w)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        n = len(tokens)
        out = np.zeros((n, self.dim), dtype=np.float64)
        if not rows:
            return out
        # rows ascend, so each text's words are one run: sum the runs (the mean's direction is the sum's)
        counts = np.bincount(np.array(rows, dtype=np.int64), minlength=n)
        present = np.flatnonzero(counts)
        starts = (np.cumsum(counts) - counts)[present]
        picked = self.vectors[np.array(cols, dtype=np.int64)].astype(np.float64)
        out[present] = np.add.reduceat(picked, starts, axis=0)
        norms = np.linalg.norm(out, axis=1)
        norms[norms == 0] = 1.0
        return out / norms[:, None]

    def save_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        q, scale = quantise(self.vectors.T)  # one scale per word
        vocab = np.frombuffer("\n".join(self.words).encode("utf-8"), dtype=np.uint8)
        return {
            f"{prefix}__wv_vocab": vocab,
            f"{prefix}__wv_q": np.ascontiguousarray(q.T),
            f"{prefix}__wv_scale": scale,
        }

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> WordVectors | None:
        if f"{prefix}__wv_vocab" not in arrays:
            return None
        words = arrays[f"{prefix}__wv_vocab"].tobytes().decode("utf-8").split("\n")
        q = arrays[f"{prefix}__wv_q"].astype(np.float32)
        return cls(words, q * arrays[f"{prefix}__wv_scale"].astype(np.float32)[:, None])

    def quantised(self) -> WordVectors:
        """The table as shipped (int8 rows), so training sees the arithmetic inference will use."""
        q, scale = quantise(self.vectors.T)
        return WordVectors(self.words, (q.astype(np.float32) * scale[None, :]).T)


def normalize_news(text: str) -> str:
    """The form news headlines take in the bdci2019 training set: Chinese characters only (CJK unified
    ideographs after NFKC), with 年 / 月 / 日 removed, as that set's publisher stripped digits, Latin,
    punctuation and dates.  Applying the same folding at inference keeps real headlines in-distribution."""
    text = unicodedata.normalize("NFKC", text or "")
    return _NON_CJK_RE.sub("", text)


@dataclass(frozen=True)
class FeatureBlock:
    """One feature block: hashed ``char`` n-grams 1..ngram_max, hashed jieba ``word`` unigrams (both
    sparse tf-idf), or ``wordvec``, the dense mean word vector (``n_features`` = its dimension)."""

    kind: str
    n_features: int
    ngram_max: int = 0

    @property
    def dense(self) -> bool:
        return self.kind == "wordvec"

    @property
    def uses_words(self) -> bool:
        return self.kind in ("word", "wordvec")

    def pairs(self, texts: list[str], tokens: list[list[str]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        if self.kind == "char":
            return hash_ngram_pairs(texts, self.n_features, self.ngram_max)
        if self.kind == "word":
            return hash_word_pairs(texts, self.n_features, tokens)
        raise ValueError(f"feature block kind {self.kind!r} has no hashed pairs")

    def to_json(self) -> dict:
        return {"kind": self.kind, "n_features": self.n_features, "ngram_max": self.ngram_max}


NORMALIZERS = {"general": normalize_text, "news": normalize_news}


def block_values(
    rows: np.ndarray, cols: np.ndarray, n: int, idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sublinear tf x idf, L2-normalised per text, as (row, column, value) triples (one per distinct pair)."""
    n_features = idf.shape[0]
    uniq, counts = np.unique(rows * n_features + cols, return_counts=True)
    urows = uniq // n_features
    ucols = uniq % n_features
    vals = (1.0 + np.log(counts)) * idf[ucols]
    norms = np.sqrt(np.bincount(urows, weights=vals * vals, minlength=n))
    norms[norms == 0] = 1.0
    return urows, ucols, vals / norms[urows]


class LinearHead:
    """Feature blocks (hashed ones sublinear tf-idf, each block L2-normalised) -> linear logits /
    temperature.  A head with a ``wordvec`` block carries the model's WordVectors table (one table, shared
    by the heads that use it, stored once under the ``wordvec`` prefix)."""

    def __init__(
        self,
        normalizer: str,
        blocks: list[FeatureBlock],
        weights: np.ndarray,
        bias: np.ndarray,
        idf: np.ndarray,
        temperature: float = 1.0,
        wordvec: WordVectors | None = None,
    ) -> None:
        self.normalizer = normalizer
        self.normalize = NORMALIZERS[normalizer]
        self.blocks = blocks
        self.weights = weights  # (sum of block sizes, k) float32
        self.bias = bias  # (k,) float32, includes any decision bias
        self.idf = idf  # (sum of block sizes,) float32
        self.temperature = temperature
        self.wordvec = wordvec
        self.offsets = np.cumsum([0] + [b.n_features for b in blocks])
        if self.offsets[-1] != weights.shape[0] or idf.shape[0] != weights.shape[0]:
            raise ValueError("feature blocks do not match the weight matrix")
        for block in blocks:
            if block.dense and (wordvec is None or wordvec.dim != block.n_features):
                raise ValueError("a wordvec block needs a word-vector table of its dimension")

    def _inputs(self, texts: list[str]) -> tuple[list[str], list[list[str]] | None]:
        """Normalised texts, and their words when a block needs them (tokenised once for all blocks)."""
        norm = [self.normalize(t) for t in texts]
        tokens = tokenize(norm) if any(b.uses_words for b in self.blocks) else None
        return norm, tokens

    def features(self, texts: list[str]):
        """(n, features) sparse matrix of the head's input, for training and inspection."""
        n = len(texts)
        norm, tokens = self._inputs(texts)
        parts = []
        for j, block in enumerate(self.blocks):
            lo, hi = self.offsets[j], self.offsets[j + 1]
            if block.dense:
                parts.append(sparse.csr_matrix(self.wordvec.mean_vectors(tokens)))
                continue
            r, c, v = block_values(*block.pairs(norm, tokens), n, self.idf[lo:hi])
            parts.append(sparse.csr_matrix((v, (r, c)), shape=(n, block.n_features), dtype=np.float64))
        return sparse.hstack(parts).tocsr()

    def logits(self, texts: list[str]) -> np.ndarray:
        """Raw logits (n, k) before temperature, without building a sparse matrix."""
        n = len(texts)
        k = self.weights.shape[1]
        out = np.zeros((n, k), dtype=np.float64)
        norm, tokens = self._inputs(texts)
        for j, block in enumerate(self.blocks):
            lo, hi = self.offsets[j], self.offsets[j + 1]
            if block.dense:
                out += self.wordvec.mean_vectors(tokens) @ self.weights[lo:hi]
                continue
            urows, ucols, vals = block_values(*block.pairs(norm, tokens), n, self.idf[lo:hi])
            contrib = self.weights[lo + ucols] * vals[:, None]
            for c in range(k):
                out[:, c] += np.bincount(urows, weights=contrib[:, c], minlength=n)
        return out + self.bias

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return softmax(self.logits(texts) / self.temperature)

    def save_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        q, scale = quantise(self.weights)
        arrays = {
            f"{prefix}__weights_q": q,
            f"{prefix}__weights_scale": scale,
            f"{prefix}__bias": self.bias.astype(np.float32),
            f"{prefix}__idf": self.idf.astype(np.float16),
        }
        return arrays

    def to_json(self) -> dict:
        return {
            "normalizer": self.normalizer,
            "blocks": [b.to_json() for b in self.blocks],
            "temperature": round(float(self.temperature), 6),
        }

    @classmethod
    def from_arrays(cls, spec: dict, arrays, prefix: str, wordvec: WordVectors | None = None) -> LinearHead:
        q = arrays[f"{prefix}__weights_q"].astype(np.float32)
        weights = q * arrays[f"{prefix}__weights_scale"].astype(np.float32)[None, :]
        return cls(
            spec["normalizer"],
            [
                FeatureBlock(b["kind"], int(b["n_features"]), int(b.get("ngram_max", 0)))
                for b in spec["blocks"]
            ],
            weights,
            arrays[f"{prefix}__bias"].astype(np.float32),
            arrays[f"{prefix}__idf"].astype(np.float32),
            float(spec.get("temperature", 1.0)),
            wordvec if any(b.get("kind") == "wordvec" for b in spec["blocks"]) else None,
        )


def quantise(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights with one float32 scale per output column."""
    scale = np.abs(weights).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(weights / scale[None, :]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


DOMAINS: tuple[str, str] = ("news", "social")
WORDVEC_PREFIX = "wordvec"  # the shared word-vector table's arrays in the model .npz
# Router probabilities this close to 0 or 1 skip the other head entirely (saves its featurisation).
ROUTER_SKIP = 1e-3


class LinearSentimentModel:
    """Two calibrated linear sentiment heads and a router between them.

    ``news`` is trained on news headlines (bdci2019), ``social`` on Weibo posts (plus headlines);
    ``router`` is a two-class (news, social) linear model of the text's register.  With ``domain``
    given, that head alone scores; with ``domain=None`` each text gets p(news) * news head +
    p(social) * social head, so mixed batches (the analysis runner) need no platform flag."""

    def __init__(self, name: str, heads: dict[str, LinearHead], meta: dict) -> None:
        self.name = name
        self.heads = heads
        self.meta = meta
        if tuple(meta["labels"]) != LABELS:
            raise ValueError(f"model {name!r} has labels {meta['labels']!r}, expected {LABELS!r}")
        missing = {"news", "social", "router"} - set(heads)
        if missing:
            raise ValueError(f"model {name!r} lacks heads {sorted(missing)}")

    @classmethod
    def load(cls, stem: Path, name: str | None = None) -> LinearSentimentModel:
        """Load ``<stem>.json`` (metadata) and ``<stem>.npz`` (weights) written by the trainer."""
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(stem.with_suffix(".npz"), allow_pickle=False) as arrays:
            wordvec = WordVectors.from_arrays(arrays, WORDVEC_PREFIX)
            heads = {h: LinearHead.from_arrays(spec, arrays, h, wordvec) for h, spec in meta["heads"].items()}
        return cls(name or meta.get("name", stem.name), heads, meta)

    def route(self, texts: list[str]) -> np.ndarray:
        """p(news) per text, from the router head."""
        return self.heads["router"].predict_proba(texts)[:, 0]

    def predict_proba(self, texts: list[str], domain: str | None = None) -> np.ndarray:
        texts = list(texts)
        if len(texts) == 0:
            return np.zeros((0, 3), dtype=np.float64)
        if domain is not None:
            if domain not in DOMAINS:
                raise ValueError(f"unknown domain {domain!r}; choose one of {DOMAINS} or None")
            return self.heads[domain].predict_proba(texts)
        p_news = self.route(texts)
        p_news = np.where(p_news < ROUTER_SKIP, 0.0, np.where(p_news > 1 - ROUTER_SKIP, 1.0, p_news))
        out = np.zeros((len(texts), 3), dtype=np.float64)
        for head, weight in (("news", p_news), ("social", 1.0 - p_news)):
            idx = np.flatnonzero(weight > 0)
            if idx.size:
                proba = self.heads[head].predict_proba([texts[i] for i in idx])
                out[idx] += weight[idx, None] * proba
        return out

    def predict(self, texts: list[str], domain: str | None = None) -> list[str]:
        return [LABELS[i] for i in np.argmax(self.predict_proba(texts, domain), axis=1)]


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

    def predict_proba(self, texts: list[str], domain: str | None = None) -> np.ndarray:
        """``domain`` is accepted for interface compatibility; SnowNLP has one model."""
        s = np.array([self.score(t) for t in texts], dtype=np.float64).reshape(-1, 1)
        raw = np.hstack([(1 - s) ** 2, 2 * s * (1 - s), s**2])
        return raw / raw.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str], domain: str | None = None) -> list[str]:
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


def score_sentiment(text: str, model: str = "project", domain: str | None = None) -> SentimentResult:
    """Sentiment of one text (headline, post or short passage); ``domain`` "news" / "social" picks the
    project model's head, None lets its router decide."""
    proba = get_model(model).predict_proba([text], domain=domain)[0]
    return SentimentResult.from_proba(proba)


@lru_cache(maxsize=4)
def model_version(name: str = "project") -> str:
    """A short fingerprint of the model's weights: analyses made with other weights are redone."""
    if name == "snownlp":
        from importlib.metadata import version

        return f"snownlp-{version('snownlp')}"
    digest = hashlib.sha1((MODEL_DIR / f"{PROJECT_MODEL_STEM}.npz").read_bytes()).hexdigest()
    return f"{name}-{digest[:10]}"


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


def score_article(
    title: str, body: str = "", model: str = "project", domain: str | None = "news"
) -> SentimentResult:
    """Sentiment of an article (headline; body lead only when the headline is missing or tiny), by the
    news head unless ``domain`` says otherwise."""
    return score_sentiment(article_text(title, body), model=model, domain=domain)


def score_many(texts: list[str], model: str = "project", domain: str | None = None) -> list[SentimentResult]:
    """Batch form of score_sentiment (much faster per text for the project model)."""
    proba = get_model(model).predict_proba(list(texts), domain=domain)
    return [SentimentResult.from_proba(row) for row in proba]
