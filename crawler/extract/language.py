"""Language: Chinese when CJK characters are a fair share of the text, else the declared lang, else English."""

from __future__ import annotations

import re
from typing import Any

from crawler.extract.utils import CJK


def find_language(root: Any, text: str) -> str | None:
    """ "zh", the declared language, "en" for Latin text, or None when the text has neither."""
    lang = (root.get("lang") or root.get("xml:lang") or "").strip().lower()
    sample = text[:3000]
    cjk = len(CJK.findall(sample))
    latin = len(re.findall(r"[A-Za-z]", sample))
    if cjk and cjk >= latin * 0.25:
        return "zh"
    if latin:
        return lang.split("-")[0] if lang else "en"
    return lang.split("-")[0] if lang else None
