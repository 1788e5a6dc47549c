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


def display_url(url: Any) -> Any:
    """`url` as the browser should open it: a demo host rewritten to its local server, anything else as is."""
    links = _demo_links()
    if not links or not isinstance(url, str) or not url.startswith("http"):
        return url
    parts = urlsplit(url)
    target = links.get((parts.hostname or "").lower())
    return urlunsplit(("http", target, parts.path, parts.query, parts.fragment)) if target else url


def display_frame(df: Any) -> Any:
    """A table with every demo link rewritten (a copy; the frame itself is left alone)."""
    if not _demo_links() or not hasattr(df, "columns") or not hasattr(df, "map"):
        return df
    out = df.copy()
    for col in out.columns:
        if is_object_dtype(out[col]) or is_string_dtype(out[col]):
            out[col] = out[col].map(display_url)
    return out
