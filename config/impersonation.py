"""Typed, validated form of ``config/impersonation.yaml``: the lexicons, weights, thresholds and tiers of the
impersonation scoring (仿冒网站识别) in :mod:`analysis.sitewatch.impersonation`.

``load_impersonation_config(path)`` raises :class:`config.errors.ConfigError` naming the file and the key
(unknown keys are errors: every model sets ``extra="forbid"``; every ``gov_body_patterns`` entry must compile).
Without a path it reads the shipped ``config/impersonation.yaml``, parsed once per process.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from config.errors import ConfigError, format_validation_error
from config.files import CONFIG_DIR, read_yaml

logger = logging.getLogger(__name__)

DEFAULT_IMPERSONATION_FILE = CONFIG_DIR / "impersonation.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NameWeights(_Strict):
    national_prefix: int = 20
    state_prefix: int = 45
    supranational_prefix: int = 35
    org_form: int = 15
    loose_form: int = 35
    national_institution: int = 25
    national_organ_form: int = 25
    organ_terms: int = 40
    scope_stack: int = 20
    honorific_term: int = 25
    buzzword: int = 10
    buzzword_cap: int = 20
    authority_term: int = 30
    stacked_forms: int = 20
    regional_branch: int = 30
    clan: int = 30
    latin_letters: int = 20
    audit_term: int = 15
    no_region: int = 15


class NameRules(_Strict):
    national_prefixes: tuple[str, ...]
    state_prefixes: tuple[str, ...] = ("国家", "中央", "国务院")
    supranational_prefixes: tuple[str, ...]
    org_forms: tuple[str, ...]
    association_forms: tuple[str, ...] = ()
    loose_forms: tuple[str, ...]
    institution_forms: tuple[str, ...] = ()
    organ_forms: tuple[str, ...] = ()
    organ_terms: tuple[str, ...] = ()
    scope_terms: tuple[str, ...] = ()
    scope_field_compounds: tuple[str, ...] = ()
    honorific_terms: tuple[str, ...] = ()
    buzzwords: tuple[str, ...] = ()
    authority_terms: tuple[str, ...]
    audit_terms: tuple[str, ...] = ("审计",)
    clan_terms: tuple[str, ...] = ()
    region_words: tuple[str, ...] = ()
    weights: NameWeights = NameWeights()


class SiteWeights(_Strict):
    gov_posing: int = 40
    site_code_on_non_gov: int = 35
    site_code_copied: int = 10
    badge_on_non_gov: int = 35
    authorisation_claim: int = 45
    cooperation_claim: int = 35
    official_status_claim: int = 15
    fee_with_training: int = 15
    audit_org_name: int = 30
    audit_org_name_no_prefix: int = 15
    suspicious_org_name: int = 15
    no_icp: int = 10
    text_similarity: int = 30
    layout_similarity: int = 25
    favicon_copied: int = 25
    parked_cap: int = 20


class SiteThresholds(_Strict):
    text_similarity: float = 0.35
    layout_similarity: float = 0.6


class SiteRules(_Strict):
    audit_refs: tuple[str, ...]
    authorisation_words: tuple[str, ...]
    cooperation_words: tuple[str, ...]
    training_cert_words: tuple[str, ...]
    official_status_words: tuple[str, ...]
    negation_words: tuple[str, ...]
    fee_words: tuple[str, ...]
    parked_markers: tuple[str, ...]
    gov_body_patterns: tuple[str, ...]
    weights: SiteWeights = SiteWeights()
    thresholds: SiteThresholds = SiteThresholds()

    @field_validator("gov_body_patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, pattern in enumerate(value):
            try:
                re.compile(pattern)  # fail fast on a bad pattern
            except re.error as exc:
                raise ValueError(f"item [{i}] {pattern!r} is not a valid regex: {exc}") from None
        return value


class OfficialSite(_Strict):
    name: str
    host: str


class Tiers(_Strict):
    act: int = 80
    review: int = 50


class ImpersonationConfig(_Strict):
    """Typed form of ``config/impersonation.yaml`` (unknown keys are an error)."""

    official_domains: tuple[str, ...]
    gov_suffixes: tuple[str, ...] = (".gov.cn", ".政务", ".xn--zfr164b")
    legit_orgs: tuple[str, ...] = ()
    official_site: OfficialSite
    names: NameRules
    site: SiteRules
    tiers: Tiers = Tiers()


def load_impersonation_config(path: str | Path | None = None) -> ImpersonationConfig:
    """Load and validate the impersonation config (default: the shipped ``config/impersonation.yaml``)."""
    if path is None:
        return _default_config()  # parsed once per process
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_config() -> ImpersonationConfig:
    return _load(DEFAULT_IMPERSONATION_FILE)


def _load(file: Path) -> ImpersonationConfig:
    data = read_yaml(file)
    try:
        cfg = ImpersonationConfig.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(file, exc)) from None
    logger.debug("loaded impersonation config from %s", file)
    return cfg
