"""What the page declares about itself: <meta> tags, itemprop attributes and JSON-LD objects."""

from __future__ import annotations

import json
from typing import Any


def meta_map(root: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (
            meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or ""
        ).strip()
        val = (meta.get("content") or "").strip()
        if key and val and key.lower() not in out:
            out[key.lower()] = val
    for el in root.xpath("//*[@itemprop='datePublished' or @itemprop='author']"):
        key = el.get("itemprop").lower()
        val = (el.get("content") or el.get("datetime") or el.text_content() or "").strip()
        if val and key not in out:
            out[key] = val
    return out


def json_ld(root: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return found
