"""Configuration: valid files load; typos, wrong types and bad regexes fail with file, key and problem."""

from __future__ import annotations

import pytest

from config.loader import ROOT, ConfigError, Term, load_config, load_plans, load_settings, load_sources


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_config_loads():
    cfg = load_config()
    assert cfg.settings.crawl.robots_txt_obey is True
    assert cfg.settings.crawl.download_delay >= 1
    assert {p.name for p in cfg.plans} == {"审计署全国", "莒南县审计局"}
    assert all(
        s.level in ("central", "provincial", "municipal", "county", "self-media", "official")
        for s in cfg.sources
    )


def test_env_overrides_yaml(monkeypatch):
    monkeypatch.setenv("MONITOR_CRAWL__DOWNLOAD_DELAY", "3.5")
    monkeypatch.setenv("MONITOR_DB_URL", "postgresql+psycopg://u@h/db")
    s = load_settings()
    assert s.crawl.download_delay == 3.5
    assert s.crawl.robots_txt_obey is True  # the rest of the nested YAML survives
    assert s.resolved_db_url == "postgresql+psycopg://u@h/db"


def test_relative_sqlite_url_resolves_against_project_root():
    s = load_settings(db_url="sqlite:///data/x.db")
    assert s.resolved_db_url == f"sqlite:///{ROOT}/data/x.db"


def test_typo_in_nested_key_names_file_and_key(tmp_path):
    f = _write(tmp_path, "settings.yaml", "crawl:\n  download_dely: 2\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(f)
    assert (
        str(f) in str(exc.value)
        and "crawl.download_dely" in str(exc.value)
        and "unknown key" in str(exc.value)
    )


def test_wrong_type_names_key(tmp_path):
    f = _write(tmp_path, "settings.yaml", "crawl:\n  download_delay: soon\n")
    with pytest.raises(ConfigError, match=r"crawl\.download_delay"):
        load_settings(f)


def test_invalid_yaml_syntax(tmp_path):
    f = _write(tmp_path, "settings.yaml", "crawl: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_settings(f)


def test_invalid_cidr(tmp_path):
    f = _write(tmp_path, "settings.yaml", "crawl:\n  allow_private_networks: ['300.0.0.0/8']\n")
    with pytest.raises(ConfigError, match="allow_private_networks"):
        load_settings(f)


def test_invalid_regex_in_plan_names_plan_key_and_item(tmp_path):
    f = _write(tmp_path, "keywords.yaml", "plans:\n  - name: a\n    subject: [审计, '/审计(/']\n")
    with pytest.raises(ConfigError) as exc:
        load_plans(f)
    msg = str(exc.value)
    assert str(f) in msg and "plans[0].subject" in msg and "item [1]" in msg and "invalid regex" in msg


def test_plan_needs_subject(tmp_path):
    f = _write(tmp_path, "keywords.yaml", "plans:\n  - name: a\n    subject: ['!招聘']\n")
    with pytest.raises(ConfigError, match="主体词"):
        load_plans(f)


def test_source_bad_level_and_duplicate_name(tmp_path):
    f = _write(tmp_path, "s.yaml", "sources:\n  - {name: a, kind: rss, url: 'http://x', level: galactic}\n")
    with pytest.raises(ConfigError, match=r"sources\[0\]\.level"):
        load_sources(f)
    f = _write(
        tmp_path, "s2.yaml",
        "sources:\n  - {name: a, kind: rss, url: 'http://x', level: central}\n"
        "  - {name: a, kind: rss, url: 'http://y', level: central}\n",
    )  # fmt: skip
    with pytest.raises(ConfigError, match="used twice"):
        load_sources(f)


def test_source_bad_link_regex_and_cadence(tmp_path):
    f = _write(
        tmp_path,
        "s.yaml",
        "sources:\n  - {name: a, kind: list, url: 'http://x', level: county, link_allow: ['(']}\n",
    )
    with pytest.raises(ConfigError, match="link_allow"):
        load_sources(f)
    f = _write(
        tmp_path,
        "s2.yaml",
        "sources:\n  - {name: a, kind: rss, url: 'http://x', level: county, cadence: often}\n",
    )
    with pytest.raises(ConfigError, match="cadence"):
        load_sources(f)


def test_cadence_minutes():
    from config.loader import Source

    assert Source(name="a", kind="rss", url="http://x", level="county", cadence="2h").cadence_minutes == 120
    assert Source(name="a", kind="rss", url="http://x", level="county", cadence="1d").cadence_minutes == 1440


@pytest.mark.parametrize(
    ("raw", "mode", "text", "is_regex"),
    [("审计", "any", "审计", False), ("+莒南", "must", "莒南", False), ("!招聘", "exclude", "招聘", False),
     ("/审计(署|局)/", "any", "审计(署|局)", True), ("!/招聘|培训/", "exclude", "招聘|培训", True)],
)  # fmt: skip
def test_term_syntax(raw, mode, text, is_regex):
    t = Term.parse(raw)
    assert (t.mode, t.text, t.is_regex) == (mode, text, is_regex)


def test_every_setting_is_documented_in_yaml_and_readme():
    """datasette pattern: a setting missing from settings.yaml comments or the README table fails."""
    from config.loader import Settings

    yaml_text = (ROOT / "config" / "settings.yaml").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = []
    for name, field in Settings.model_fields.items():
        sub = getattr(field.annotation, "model_fields", None)
        if sub:
            names += [(f"{name}.{k}", k) for k in sub]
        else:
            names.append((name, name))
    missing_yaml = [full for full, short in names if f"# {short}:" not in yaml_text]
    missing_readme = [full for full, _ in names if f"`{full}`" not in readme]
    assert not missing_yaml, f"undocumented in config/settings.yaml: {missing_yaml}"
    assert not missing_readme, f"missing from the README settings table: {missing_readme}"
