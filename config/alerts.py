"""Alert rules, recipients and channels (`config/alerts.yaml`): typed, validated, secrets named not stored.

The file says *what* is worth telling (rules over triggers, limited by 方案, 本地 region and minimum heat),
*to whom* (recipients with a role, channels, delivery windows, quiet hours, a minimum interval and a daily
cap), *how* (named channels: SMTP, 企业微信 / 钉钉 / 飞书 group robots, a generic JSON webhook; each names the
environment variables holding its URL and secret), when an untouched event is sent up a level (escalation),
and how delivery retries. A typo, wrong type or dangling name raises `ConfigError` with one line naming the
file, the key and the problem (the project's one formatter, `config.errors.format_validation_error`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from config.errors import ConfigError, format_validation_error
from config.files import read_yaml
from config.loader import Strict, check_cidrs, parse_hhmm

# Triggers about events or documents: they accept the 方案 / 本地 / heat filters.
EVENT_TRIGGERS = ("event_class_a", "event_class_b", "office_criticism", "deadline_soon", "deadline_passed")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_span(value: str) -> tuple[int, int]:
    """'08:00-22:00' -> (480, 1320) minutes after midnight; the end may be before the start (crosses midnight)."""
    parts = [p.strip() for p in str(value).replace("–", "-").split("-")]
    if len(parts) != 2:
        raise ValueError(f"{value!r} must look like 08:00-22:00")
    out = []
    for p in parts:
        try:
            out.append(parse_hhmm(p))
        except ValueError:
            raise ValueError(f"{value!r}: {p!r} is not a time HH:MM") from None
    if out[0] == out[1]:
        raise ValueError(f"{value!r}: start and end are the same")
    return out[0], out[1]


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV.match(value):
        raise ValueError(
            f"{value!r} is not an environment variable name (the value itself belongs in the environment)"
        )
    return value


# ------------------------------------------------------------------------------------------- channels
class _Channel(Strict):
    @field_validator("url_env", "secret_env", "password_env", check_fields=False)
    @classmethod
    def _envs(cls, value: str | None) -> str | None:
        return _env_name(value)


class SmtpChannel(_Channel):
    type: Literal["smtp"]
    host: str = Field(min_length=1, description="SMTP server host name")
    port: int = Field(465, ge=1, le=65535, description="SMTP port: 465 for ssl, 587 for starttls")
    security: Literal["ssl", "starttls", "none"] = Field(
        "ssl", description="ssl (implicit TLS), starttls, or none (local test servers only, no password)"
    )
    username: str | None = Field(None, description="login name; no login when empty")
    password_env: str | None = Field(None, description="environment variable holding the SMTP password")
    sender: str = Field(min_length=3, description="From: address")
    ca_file: str | None = Field(None, description="CA bundle for a server with a private certificate")

    @model_validator(mode="after")
    def _no_plaintext_password(self) -> SmtpChannel:
        if self.security == "none" and self.password_env:
            raise ValueError("security none sends the password in clear: use ssl or starttls")
        return self


class WeComChannel(_Channel):
    type: Literal["wecom"]
    url_env: str = Field(description="environment variable holding the robot's webhook URL (with its key)")
    msgtype: Literal["markdown", "text"] = "markdown"


class DingTalkChannel(_Channel):
    type: Literal["dingtalk"]
    url_env: str = Field(description="environment variable holding the webhook URL (with access_token)")
    secret_env: str | None = Field(
        None, description="environment variable holding the signing secret (SEC...)"
    )
    msgtype: Literal["markdown", "text"] = "markdown"


class FeishuChannel(_Channel):
    type: Literal["feishu"]
    url_env: str = Field(description="environment variable holding the webhook URL")
    secret_env: str | None = Field(None, description="environment variable holding the signing secret")
    msgtype: Literal["post", "text"] = "post"


class WebhookChannel(_Channel):
    type: Literal["webhook"]
    url_env: str = Field(description="environment variable holding the URL to POST JSON to")
    secret_env: str | None = Field(
        None, description="environment variable holding an HMAC-SHA256 key for the X-Yuqing-Signature header"
    )


Channel = Annotated[
    SmtpChannel | WeComChannel | DingTalkChannel | FeishuChannel | WebhookChannel, Field(discriminator="type")
]


# ----------------------------------------------------------------------------------------- recipients
class Window(Strict):
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: list(DAYS)
    )
    hours: str = "00:00-23:59"

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_span(value)
        return value

    @property
    def span(self) -> tuple[int, int]:
        return parse_span(self.hours)


class RecipientChannel(Strict):
    channel: str = Field(min_length=1, description="name of a channel under channels:")
    to: str | None = Field(None, description="e-mail address (smtp channels only)")


class Recipient(Strict):
    name: str = Field(min_length=1)
    role: str = Field(
        min_length=1, description="值班领导 / 处置人员 / 分析员 / ...; rules and escalation pick by role"
    )
    channels: list[RecipientChannel] = Field(min_length=1)
    schedule: list[Window] = Field(default_factory=list, description="delivery windows; empty = any time")
    quiet_hours: str | None = Field(None, description="e.g. 22:00-07:00: nothing but urgent alerts")
    min_interval_minutes: float = Field(0, ge=0, description="at least this long between two messages")
    daily_cap: int = Field(0, ge=0, description="messages per local day at most; 0 = no cap")

    @field_validator("channels", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"channel": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value:
            parse_span(value)
        return value or None


# ----------------------------------------------------------------------------------------------- rules
class Rule(Strict):
    name: str = Field(min_length=1)
    trigger: Literal[
        "event_class_a", "event_class_b", "office_criticism", "plan_burst", "deadline_soon", "deadline_passed",
        "site_act", "integrity_high", "source_failing",
    ]  # fmt: skip
    enabled: bool = True
    roles: list[str] = Field(default_factory=list)
    recipients: list[str] = Field(default_factory=list)
    urgent: bool = False
    plans: list[str] = Field(default_factory=list)
    local_only: bool = False
    min_heat: float = Field(0, ge=0, le=100)
    lead_minutes: float | None = Field(None, gt=0)
    failures: int | None = Field(None, ge=1)
    z_threshold: float | None = Field(None, gt=0)
    min_count: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if not self.roles and not self.recipients:
            raise ValueError("a rule needs roles or recipients")
        if self.trigger not in EVENT_TRIGGERS:
            if self.local_only or self.min_heat:
                raise ValueError(
                    f"local_only and min_heat apply to event and document triggers, not {self.trigger}"
                )
            if self.plans and self.trigger != "plan_burst":
                raise ValueError(
                    f"plans apply to event, document and plan_burst triggers, not {self.trigger}"
                )
        only = {"lead_minutes": "deadline_soon", "failures": "source_failing", "z_threshold": "plan_burst",
                "min_count": "plan_burst"}  # fmt: skip
        for key, trigger in only.items():
            if getattr(self, key) is not None and self.trigger != trigger:
                raise ValueError(f"{key} applies only to trigger {trigger}")
        return self


class EscalationStep(Strict):
    name: str = Field(min_length=1)
    classes: list[Literal["A", "B"]] = Field(min_length=1)
    after_minutes: float = Field(ge=0)
    roles: list[str] = Field(default_factory=list)
    recipients: list[str] = Field(default_factory=list)
    urgent: bool = True

    @model_validator(mode="after")
    def _someone(self) -> EscalationStep:
        if not self.roles and not self.recipients:
            raise ValueError("an escalation step needs roles or recipients")
        return self


class Delivery(Strict):
    timeout_seconds: float = Field(10, gt=0, le=120)
    max_attempts: int = Field(8, ge=1, le=100)
    backoff_seconds: float = Field(60, ge=0)
    backoff_max_seconds: float = Field(3600, ge=0)
    lease_seconds: float = Field(120, gt=0)
    allow_private_networks: list[str] = Field(default_factory=list)

    @field_validator("allow_private_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        return check_cidrs(value)

    @model_validator(mode="after")
    def _lease_covers_a_send(self) -> Delivery:
        if self.lease_seconds <= self.timeout_seconds:
            raise ValueError(
                "lease_seconds must be longer than timeout_seconds (a send in progress keeps its lease)"
            )
        return self


class Evaluation(Strict):
    lookback_hours: float = Field(24, gt=0)
    overlap_minutes: float = Field(60, ge=0)


class AlertsConfig(Strict):
    enabled: bool = True
    local_area: str = ""
    evaluation: Evaluation = Evaluation()
    delivery: Delivery = Delivery()
    channels: dict[str, Channel] = Field(default_factory=dict)
    recipients: list[Recipient] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    escalation: list[EscalationStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_resolve(self) -> AlertsConfig:
        names = [r.name for r in self.recipients]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"recipient names used twice: {dup}")
        robots: dict[str, str] = {}
        for r in self.recipients:
            for rc in r.channels:
                ch = self.channels.get(rc.channel)
                if ch is None:
                    raise ValueError(
                        f"recipient {r.name!r}: channel {rc.channel!r} is not defined under channels"
                    )
                if ch.type == "smtp" and not rc.to:
                    raise ValueError(
                        f"recipient {r.name!r}: channel {rc.channel!r} (smtp) needs to: an address"
                    )
                if ch.type != "smtp":
                    if rc.to:
                        raise ValueError(f"recipient {r.name!r}: to: applies to smtp channels only")
                    if rc.channel in robots and robots[rc.channel] != r.name:
                        raise ValueError(
                            f"channel {rc.channel!r} is used by {robots[rc.channel]!r} and {r.name!r}: a robot posts "
                            "to one group, list the group once as a recipient"
                        )
                    robots[rc.channel] = r.name
        roles = {r.role for r in self.recipients}
        for kind, entries in (("rule", self.rules), ("escalation step", self.escalation)):
            seen: set[str] = set()
            for e in entries:
                if e.name in seen:
                    raise ValueError(f"{kind} name {e.name!r} is used twice")
                seen.add(e.name)
                for role in e.roles:
                    if role not in roles:
                        raise ValueError(f"{kind} {e.name!r}: no recipient has role {role!r}")
                for name in e.recipients:
                    if name not in names:
                        raise ValueError(f"{kind} {e.name!r}: no recipient named {name!r}")
        if any(r.local_only for r in self.rules) and not self.local_area.strip():
            raise ValueError("a rule sets local_only but local_area is empty")
        return self

    def recipient(self, name: str) -> Recipient | None:
        return next((r for r in self.recipients if r.name == name), None)

    def pick(self, roles: list[str], names: list[str]) -> list[Recipient]:
        """Recipients named, or holding one of the roles, in file order."""
        return [r for r in self.recipients if r.name in names or r.role in roles]


def load_alerts(path: str | Path) -> AlertsConfig:
    """Read and validate an alerts file; a missing file is an error (the settings name it)."""
    file = Path(path)
    if not file.exists():
        raise ConfigError(f"{file}: file not found")
    data = read_yaml(file)
    try:
        return AlertsConfig.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(file, exc)) from None
