"""Typed, validated form of ``config/response_rules.yaml``: the word lists and thresholds of the response
classes (国办发〔2016〕61号 / 80号) that :func:`analysis.opinion.response.classify_response` applies.

``load_rules(path)`` raises :class:`config.errors.ConfigError` (a ValueError) naming the file and the key;
without a path it reads the shipped ``config/response_rules.yaml``. Each file is parsed once per process.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.errors import ConfigError, format_validation_error
from config.files import CONFIG_DIR, read_yaml

logger = logging.getLogger(__name__)

DEFAULT_RULES_FILE = CONFIG_DIR / "response_rules.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IncidentType(_Strict):
    label: str
    terms: tuple[str, ...]
    escalators: tuple[str, ...] = ()


class ClassARules(_Strict):
    deaths_with_incident: int = 1
    deaths_alone: int = 3
    injured_with_incident: int = 3
    poisoned_with_incident: int = 3
    trapped_with_incident: int = 1
    min_magnitude: float = 5.0
    incident_types: dict[str, IncidentType]
    severe_terms: tuple[str, ...] = ()
    blocked_prefixes: tuple[str, ...] = ()
    blocked_suffixes: tuple[str, ...] = ()
    past_suffixes: tuple[str, ...] = ()


class BCategory(_Strict):
    label: str
    terms: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    hint: str = ""


class ClassBRules(_Strict):
    categories: dict[str, BCategory]
    heat_threshold: float = 60
    negative_share_threshold: float = 0.5


class ResponseRules(_Strict):
    window_chars: int = Field(300, gt=0)
    b_window_chars: int = Field(600, gt=0)
    class_a: ClassARules
    class_b: ClassBRules


REQUIRED_B_CATEGORIES = ("rumor", "office_criticism", "emergency_minor")


def load_rules(path: str | Path | None = None) -> ResponseRules:
    """Read and validate a response-rules YAML file (default: the shipped `config/response_rules.yaml`).

    Raises ConfigError (a ValueError) naming the file and the problem when the file is malformed.
    """
    resolved = Path(path) if path is not None else DEFAULT_RULES_FILE
    return _load_rules_cached(str(resolved.resolve()))


@functools.lru_cache(maxsize=8)
def _load_rules_cached(path: str) -> ResponseRules:
    data = read_yaml(Path(path))
    try:
        rules = ResponseRules.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None
    missing = [name for name in REQUIRED_B_CATEGORIES if name not in rules.class_b.categories]
    if missing:
        raise ConfigError(f"{path}: class_b.categories lacks {', '.join(missing)}")
    logger.debug("loaded response rules from %s", path)
    return rules
