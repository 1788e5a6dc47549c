"""Typed, validated form of ``config/impersonation.yaml``: the lexicons, weights, thresholds and tiers of the
impersonation scoring (仿冒网站识别) in :mod:`analysis.sitewatch.impersonation`.

``load_impersonation_config(path)`` raises :class:`config.errors.ConfigError` naming the file and the key
(unknown keys are errors: every model sets ``extra="forbid"``; every ``gov_body_patterns`` entry must compile).
Without a path it reads the shipped ``config/impersonation.yaml``, parsed once per process.

``names.national_register.file`` optionally names a CSV or TXT of the national social organisations registered with
民政部 (全国性社会组织名录, downloaded from chinanpo.mca.gov.cn by the office; none is shipped). The loader reads
it once, normalises every name with :func:`register_key` and keeps the keys on the :class:`Register`; a
missing, unreadable or empty file, or a CSV without a name column, is a :class:`ConfigError` naming both files.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, field_validator, model_validator

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
    regional_note: int = 15
    clan: int = 30
    latin_letters: int = 20
    audit_term: int = 15
    no_region: int = 15
    not_registered: int = (
        20  # only with names.national_register.file: the national shape, not on the register
    )
    registered: int = -30  # only with names.national_register.file: on the register (or exempt)

    @field_validator("not_registered")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more (it is the points for a name missing from the register)")
        return value

    @field_validator("registered")
    @classmethod
    def _not_positive(cls, value: int) -> int:
        if value > 0:
            raise ValueError("must be 0 or less (a name on the register is evidence against a flag)")
        return value


# Column headers that hold the organisation's name in a register CSV (first match wins; names.national_register.column
# overrides). 社会组织名称 is the column of the 民政部 全国性社会组织 list.
REGISTER_NAME_COLUMNS = ("社会组织名称", "组织名称", "单位名称", "名称", "name")
# Notes after a name that do not change which body it is: (筹) / (筹备) / (筹备组) / (筹委会).
_PREP_NOTE = re.compile(r"\((筹|筹备|筹备组|筹委会)\)$")
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")


def register_key(name: str) -> str:
    """The form names are compared in: NFKC (full-width letters, digits and brackets to half-width), no
    whitespace or full-width spaces, and no trailing (筹)-type note. ``中国 室内装饰协会（筹）`` and
    ``中国室内装饰协会`` have the same key."""
    s = unicodedata.normalize("NFKC", name or "")
    s = re.sub(r"\s+", "", s).replace("【", "(").replace("】", ")")
    return _PREP_NOTE.sub("", s)


class Register(_Strict):
    """The 民政部 register of national social organisations, when the office configured one."""

    file: Path | None = None
    column: str = ""
    exempt: tuple[str, ...] = ()
    _keys: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @property
    def configured(self) -> bool:
        """True when a register was loaded (only then do the register signals fire)."""
        return bool(self._keys)

    @property
    def size(self) -> int:
        return len(self._keys)

    def contains(self, name: str) -> bool:
        """Whether the name (normalised with :func:`register_key`) is on the register or exempt."""
        return register_key(name) in self._keys

    def with_names(self, names: Iterable[str]) -> Register:
        """A copy whose lookup holds ``names`` (plus the exempt bodies); used by the loader and the bench."""
        out = self.model_copy()
        keys: set[str] = set()
        for n in (*names, *self.exempt):
            k = register_key(n)
            if k:
                keys.add(k)
                # a register cell may carry a short name or note after the name: 中国注册会计师协会（中注协）
                short = _TRAILING_NOTE.sub("", k)
                if short:
                    keys.add(short)
        out._keys = frozenset(keys)
        return out


class NameRules(_Strict):
    national_prefixes: tuple[str, ...]
    state_prefixes: tuple[str, ...] = ("国家", "中央", "国务院")
    supranational_prefixes: tuple[str, ...]
    org_forms: tuple[str, ...]
    association_forms: tuple[str, ...] = ()
    loose_forms: tuple[str, ...]
    branch_forms: tuple[str, ...] = ()
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
    national_register: Register = Register()
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

    @model_validator(mode="after")
    def _not_registered_alone_below_act(self) -> ImpersonationConfig:
        w = self.names.weights
        # the shapes not_registered fires on by itself: 中国…协会, and with a register configured also 国际…协会 and
        # a full name without a division (checked only then, so a config without a register keeps its old bounds)
        shapes = {"national_prefix": w.national_prefix}
        if self.names.national_register.file is not None:
            shapes |= {"supranational_prefix": w.supranational_prefix, "no_region": w.no_region}
        key = max(shapes, key=lambda k: shapes[k])
        plain = shapes[key] + w.org_form + w.not_registered
        if plain >= self.tiers.act:
            raise ValueError(
                f"names.weights.not_registered: {w.not_registered} with {key} ({shapes[key]}) puts a plain name "
                f"missing from the register at {plain}, at or above tiers.act ({self.tiers.act}); it must reach "
                f"review, not act"
            )
        return self


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
    reg = cfg.names.national_register
    if reg.file is not None:
        path = reg.file if reg.file.is_absolute() else file.parent / reg.file
        names = read_register(path, reg.column, where=f"{file}: names.national_register")
        reg = reg.with_names(names)
        cfg = cfg.model_copy(update={"names": cfg.names.model_copy(update={"national_register": reg})})
        logger.info("impersonation: %d names on the register %s", len(names), path)
    logger.debug("loaded impersonation config from %s", file)
    return cfg


def read_register(path: Path, column: str = "", *, where: str = "names.national_register") -> list[str]:
    """Names from a register file: ``.txt`` one name a line (``#`` comments), ``.csv`` the name column
    (``column``, else the first of :data:`REGISTER_NAME_COLUMNS` in the header). UTF-8 (with or without BOM),
    else GB18030 (what a download opened and saved in a Chinese Excel is). Every problem is a
    :class:`ConfigError` ``<where>.file: <path>: <problem>`` (``<where>.column`` for the column)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt"):
        raise ConfigError(f"{where}.file: {path}: must be a .csv or .txt file (save the register as CSV)")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{where}.file: {path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{where}.file: {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ConfigError(f"{where}.file: {path}: neither UTF-8 nor GB18030 text") from None
    if suffix == ".txt":
        if column:
            raise ConfigError(f"{where}.column: {column!r} is for a .csv register; {path} is a .txt file")
        names = [ln.strip() for ln in text.splitlines()]
        names = [n for n in names if n and not n.startswith("#")]
    else:
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        header = [c.strip() for c in rows[0]] if rows else []
        if column:
            if column not in header:
                raise ConfigError(
                    f"{where}.column: {column!r} is not a column of {path} (header: {'、'.join(header) or '-'})"
                )
            idx = header.index(column)
        else:
            idx = next((header.index(c) for c in REGISTER_NAME_COLUMNS if c in header), -1)
            if idx < 0:
                raise ConfigError(
                    f"{where}.file: {path}: no name column in the header ({'、'.join(header) or '-'}); "
                    f"name it with names.national_register.column or use one of {'、'.join(REGISTER_NAME_COLUMNS)}"
                )
        names = [r[idx].strip() for r in rows[1:] if idx < len(r) and r[idx].strip()]
    if not names:
        raise ConfigError(f"{where}.file: {path}: no names in the register")
    return names
