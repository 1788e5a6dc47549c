"""Where a document's link points in the browser. Stored URLs keep the demo's stable host names
(`http://<site>.demo.yuqing.test/...`, a reserved domain that resolves nowhere), so that the store does not
depend on the ports the demo happened to get. `yuqing demo` hands its dashboard the map from those names to
the local servers (MONITOR_DEMO_LINKS, JSON host → "127.0.0.1:port"), and links are rewritten for display
only. Without the variable (every real deployment) links are shown as stored."""

from __future__ import annotations

import functools
import json
import logging
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

logger = logging.getLogger(__name__)

DEMO_LINKS_ENV = "MONITOR_DEMO_LINKS"


@functools.cache
def _demo_links() -> dict[str, str]:
    raw = os.environ.get(DEMO_LINKS_ENV)
    if not raw:
        return {}
    try:
        mapping = json.loads(raw)
    except ValueError:
        logger.warning("%s is not JSON; demo links are shown as stored", DEMO_LINKS_ENV)
        return {}
    if not isinstance(mapping, dict):
        return {}
    return {str(k).lower(): str(v) for k, v in mapping.items()}


MAX_LINK_IDS = 500  # ids one link may carry (?id=…&id=…): SQLite binds at most a few thousand parameters


def link_ids(values: Any) -> list[int]:
    """Positive 64-bit ids from link parameters; anything else (²、-1、1e9999, a huge number) is ignored."""
    out = []
    for v in values or ():
        if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) <= 18:
            out.append(int(v))
        if len(out) >= MAX_LINK_IDS:
            break
    return out


def display_url(url: Any) -> Any:
    """`url` as the browser should open it: a demo host rewritten to its local server, anything else as is."""
    links = _demo_links()
    if not links or not isinstance(url, str) or not url.startswith("http"):
        return url
    parts = urlsplit(url)
    target = links.get((parts.hostname or "").lower())
    return urlunsplit(("http", target, parts.path, parts.query, parts.fragment)) if target else url


def display_frame(df: Any) -> Any:
    """A table with every demo link rewritten: a DataFrame is copied; a Styler (whose styles are already
    attached to its frame) has its frame's cells rewritten in place."""
    if not _demo_links():
        return df
    if isinstance(df, pd.DataFrame):
        out = df.copy()
        _rewrite(out)
        return out
    if isinstance(getattr(df, "data", None), pd.DataFrame):  # a pandas Styler
        _rewrite(df.data)
    return df


def _rewrite(frame: pd.DataFrame) -> None:
    for col in frame.columns:
        if is_object_dtype(frame[col]) or is_string_dtype(frame[col]):
            frame[col] = frame[col].map(display_url)
