"""Chinese text processing: jieba with the audit-domain dictionary, stopwords, segmentation and keywords."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
USER_DICT = CONFIG_DIR / "audit_dict.txt"
STOPWORDS = CONFIG_DIR / "stopwords.txt"

_lock = threading.Lock()
_ready = False


def jieba_init():
    """Initialise jieba once per process with the audit dictionary; returns the jieba module."""
    global _ready
    import jieba

    if _ready:
        return jieba
    with _lock:
        if not _ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            jieba.load_userdict(str(USER_DICT))
            _ready = True
    return jieba


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    words = {w.strip() for w in STOPWORDS.read_text(encoding="utf-8").splitlines() if w.strip()}
    return frozenset(words)


def segment(text: str) -> list[str]:
    """Words of `text` (jieba precise mode with the audit dictionary), without stopwords and punctuation."""
    jieba = jieba_init()
    sw = stopwords()
    return [w for w in jieba.lcut(text) if len(w.strip()) > 1 and w not in sw and not w.isdigit()]


@lru_cache(maxsize=1)
def _tfidf():
    import jieba.analyse

    jieba_init()
    extractor = jieba.analyse.TFIDF()
    extractor.tokenizer = jieba.dt
    extractor.set_stop_words(str(STOPWORDS))
    return extractor


def extract_keywords(text: str, k: int = 8) -> list[str]:
    """Top-k keywords by TF-IDF (jieba's IDF table, audit dictionary, project stopwords)."""
    if not text.strip():
        return []
    words = _tfidf().extract_tags(text, topK=k * 2)
    sw = stopwords()
    return [w for w in words if w not in sw and not w.isdigit() and len(w) > 1][:k]
