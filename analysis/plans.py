"""Match documents against 监测方案 (topic plans): which plans keep a document, and the terms that fired."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from config.loader import Plan, Term


@dataclass(frozen=True)
class PlanMatch:
    plans: list[str] = field(default_factory=list)  # plans that keep the document
    terms: list[str] = field(default_factory=list)  # terms that fired in those plans (deduplicated, in order)
    excluded_by: dict[str, str] = field(default_factory=dict)  # plan -> 屏蔽词 / !term that excluded it

    @property
    def kept(self) -> bool:
        return bool(self.plans)


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _find(term: Term, text: str) -> str | None:
    """Return the matched text if `term` occurs in `text`."""
    if term.is_regex:
        m = _regex(term.text).search(text)
        return m.group(0) if m else None
    return term.text if term.text in text else None


def _group(terms: Sequence[Term], text: str) -> tuple[bool, list[str], str | None]:
    """Evaluate one term group: (satisfied, fired terms, excluding term or None)."""
    fired: list[str] = []
    any_terms = [t for t in terms if t.mode == "any"]
    for t in terms:
        if t.mode == "exclude" and _find(t, text):
            return False, [], t.raw
    for t in terms:
        if t.mode == "must":
            hit = _find(t, text)
            if not hit:
                return False, [], None
            fired.append(hit)
    if any_terms:
        hits = [h for t in any_terms if (h := _find(t, text))]
        if not hits:
            return False, [], None
        fired.extend(hits)
    return True, fired, None


def match_plans(plans: Sequence[Plan], title: str, body: str) -> PlanMatch:
    """Which plans keep a document with this title and body; groups are ANDed, terms in a group ORed."""
    text = f"{title}\n{body}"
    kept: list[str] = []
    terms: list[str] = []
    excluded: dict[str, str] = {}
    for plan in plans:
        fired_all: list[str] = []
        ok = True
        for group in (plan.subject, plan.region, plan.event):
            if not group:
                continue
            sat, fired, excl = _group(group, text)
            if excl:
                excluded[plan.name] = excl
            if not sat:
                ok = False
                break
            fired_all.extend(fired)
        if not ok:
            continue
        blocker = next((t.raw for t in plan.exclude if t.mode != "must" and _find(t, text)), None)
        if blocker:
            excluded[plan.name] = blocker
            continue
        kept.append(plan.name)
        terms.extend(fired_all)
    return PlanMatch(plans=kept, terms=list(dict.fromkeys(terms)), excluded_by=excluded)
