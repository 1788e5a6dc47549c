"""The few numbers the body extractor is allowed to tune, in one place, with the values a tuner may try.

Everything else in the extractor is structural (text, link and punctuation density over the DOM, nesting
of the two extractors' outputs, position relative to the headline) and has no knob. `bench.extraction`
chooses these values by leave-one-site-out: for each site, the values that score best on the other sites
are scored on it, so a knob fitted to a few pages shows up as a gap between in- and out-of-domain figures.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Tuning:
    link_penalty: float = 0.5  # weight of a link line's characters against a container
    short_penalty: float = 0.3  # weight of a short unpunctuated line's characters (menus, labels)
    nested_ratio: float = 0.8  # trafilatura wins when its text sits inside ours and keeps at most this share


DEFAULT = Tuning()

# the values a tuner may try (the default is one of them)
GRID: dict[str, tuple[float, ...]] = {
    "link_penalty": (0.5, 1.0),
    "short_penalty": (0.3, 0.6),
    "nested_ratio": (0.0, 0.8, 0.9),  # 0.0: never trafilatura when both found text
}
# a tuner moves off the default only when another value scores at least this much better on its training
# pages (on the bench's objective, mean body F1 + mean date accuracy): near-ties are noise on a few pages
MARGIN = 0.01


def grid() -> list[Tuning]:
    """Every combination of the GRID values, the default first."""
    names = [f.name for f in fields(Tuning)]
    combos = [
        Tuning(**dict(zip(names, values, strict=True)))
        for values in itertools.product(*(GRID[n] for n in names))
    ]
    return [DEFAULT, *(t for t in combos if t != DEFAULT)]
