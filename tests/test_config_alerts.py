"""config/alerts.yaml and its loader: the shipped file loads, every key is documented in the file and the
README, and typos, dangling names and secrets written in place of variable names fail with one line naming
the file, the key and the problem."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel

from config.alerts import AlertsConfig, load_alerts
from config.loader import ROOT, ConfigError, load_settings

SHIPPED = ROOT / "config" / "alerts.yaml"

MINIMAL = """
channels:
  team: {type: wecom, url_env: WECOM_URL}
rules:
  - name: A类事件
    trigger: event_class_a
    roles: [处置人员]
recipients:
  - name: 处置群
    role: 处置人员
    channels: [team]
"""


def _write(tmp_path, text: str):
    p = tmp_path / "alerts.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _models(annotation) -> list[type[BaseModel]]:
    """Pydantic models inside an annotation (lists, dicts, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models(arg)
    return out


def _paths(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str]]:
    """(README path, key) for every field, e.g. ("recipients[].schedule[].days", "days")."""
    out = []
    for name, f in model.model_fields.items():
        origin = typing.get_origin(f.annotation)
        path = f"{prefix}{name}"
        out.append((path, name))
        sub = _models(f.annotation)
        if origin is dict:
            for m in sub:
                out += _paths(m, f"{path}.NAME.")
        elif origin is list:
            for m in sub:
                out += _paths(m, f"{path}[].")
        else:
            for m in sub:
                out += _paths(m, f"{path}.")
    return sorted(set(out))


def test_shipped_file_loads_and_is_off_until_configured():
    cfg = load_alerts(SHIPPED)
    assert cfg.enabled is False
    assert {c.type for c in cfg.channels.values()} == {"smtp", "wecom", "dingtalk", "feishu", "webhook"}
    assert {r.trigger for r in cfg.rules} >= {"event_class_a", "event_class_b", "office_criticism", "plan_burst",
                                              "deadline_soon", "deadline_passed", "site_act", "integrity_high",
                                              "source_failing"}  # fmt: skip
    assert next(r for r in cfg.rules if r.trigger == "event_class_a").urgent is True


def test_settings_name_the_alerts_file_and_the_dashboard_address():
    s = load_settings()
    assert s.path(s.alerts_file) == SHIPPED
    assert s.dashboard.base_url.startswith("http")


def test_every_key_is_documented_in_the_yaml_and_the_readme():
    text = SHIPPED.read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paths = _paths(AlertsConfig)
    missing_yaml = sorted({key for _, key in paths if f"# {key}:" not in text})
    missing_readme = [path for path, _ in paths if f"`{path}`" not in readme]
    assert not missing_yaml, f"undocumented in config/alerts.yaml: {missing_yaml}"
    assert not missing_readme, f"missing from the README alerts table: {missing_readme}"


def test_minimal_file_loads(tmp_path):
    cfg = load_alerts(_write(tmp_path, MINIMAL))
    assert (
        cfg.enabled and cfg.rules[0].roles == ["处置人员"] and cfg.recipients[0].channels[0].channel == "team"
    )


@pytest.mark.parametrize(
    ("edit", "key", "problem"),
    [
        (lambda t: t.replace("    trigger: event_class_a", "    triger: event_class_a"), "rules[0].triger",
         "unknown key"),
        (lambda t: t.replace("event_class_a", "event_class_c"), "rules[0].trigger", "Input should be"),
        (lambda t: t.replace("{type: wecom, url_env: WECOM_URL}", "{type: wecom, url_env: 'https://qyapi.weixin.qq.com/x'}"),
         "channels.team.wecom.url_env", "not an environment variable name"),
        (lambda t: t.replace("{type: wecom,", "{type: wechat,"), "channels.team", "does not match any of the expected tags"),
        (lambda t: t.replace("roles: [处置人员]", "roles: [值班领导]"), "(top level)", "no recipient has role '值班领导'"),
        (lambda t: t.replace("channels: [team]", "channels: [tean]"), "(top level)", "channel 'tean' is not defined"),
        (lambda t: t + "  - name: 早\n    role: x\n    channels: [team]\n    quiet_hours: 25:00-07:00\n",
         "recipients[1].quiet_hours", "not a time"),
        (lambda t: t + "delivery: {lease_seconds: 5, timeout_seconds: 10}\n", "delivery", "lease_seconds must be longer"),
        (lambda t: t.replace("    roles: [处置人员]", "    roles: [处置人员]\n    lead_minutes: 30"), "rules[0]",
         "lead_minutes applies only to trigger deadline_soon"),
    ],
)  # fmt: skip
def test_errors_name_file_key_and_problem(tmp_path, edit, key, problem):
    path = _write(tmp_path, edit(MINIMAL))
    with pytest.raises(ConfigError) as exc:
        load_alerts(path)
    message = str(exc.value)
    assert message.startswith(f"{path}: ") and f"{path}: {key}: " in message, message
    assert problem in message and "\n" not in message


def test_robot_shared_by_two_recipients_is_refused(tmp_path):
    text = MINIMAL + "  - name: 另一个群\n    role: 处置人员\n    channels: [team]\n"
    with pytest.raises(ConfigError, match="a robot posts to one group"):
        load_alerts(_write(tmp_path, text))


def test_smtp_needs_an_address_and_refuses_a_password_in_clear(tmp_path):
    base = MINIMAL.replace("  team: {type: wecom, url_env: WECOM_URL}",
                           "  team: {type: smtp, host: smtp.x.cn, sender: a@x.cn, security: none, password_env: P}")  # fmt: skip
    with pytest.raises(ConfigError, match=r"channels\.team\.smtp: .*password in clear"):
        load_alerts(_write(tmp_path, base))
    base = base.replace(", password_env: P", "")
    with pytest.raises(ConfigError, match="needs to: an address"):
        load_alerts(_write(tmp_path, base))
    ok = base.replace("channels: [team]", "channels: [{channel: team, to: wang@x.cn}]")
    assert load_alerts(_write(tmp_path, ok)).recipients[0].channels[0].to == "wang@x.cn"


def test_missing_file_and_bad_yaml_are_one_line(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_alerts(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_alerts(_write(tmp_path, "rules: [\n"))
