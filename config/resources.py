"""The text resources `analysis.text` segments with: the audit-domain dictionary (`config/audit_dict.txt`,
jieba user-dictionary format: `word [freq] [POS]` per line) and the stopwords (`config/stopwords.txt`, one
per line). Entry points call `load_text_resources()` and hand the result to `analysis.text.configure`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from config.errors import ConfigError
from config.files import CONFIG_DIR

DEFAULT_USER_DICT = CONFIG_DIR / "audit_dict.txt"
DEFAULT_STOPWORDS = CONFIG_DIR / "stopwords.txt"


@dataclass(frozen=True)
class TextResources:
    """Where the segmentation resources are (read lazily, once per process, by `analysis.text`)."""

    user_dict: Path
    stopwords: Path


def load_text_resources(
    user_dict: str | Path | None = None, stopwords: str | Path | None = None
) -> TextResources:
    """The dictionary and stopword files (default: the shipped ones); ConfigError when one is missing."""
    res = TextResources(
        user_dict=Path(user_dict) if user_dict is not None else DEFAULT_USER_DICT,
        stopwords=Path(stopwords) if stopwords is not None else DEFAULT_STOPWORDS,
    )
    for file in (res.user_dict, res.stopwords):
        if not file.is_file():
            raise ConfigError(f"{file}: file not found")
    return res
