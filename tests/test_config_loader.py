"""Configuration: valid files load; typos, wrong types and bad regexes fail with file, key and problem."""

from __future__ import annotations

import re
import typing

import pytest
import yaml
from pydantic import BaseModel

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


# ---------------------------------------------------------------- every key of every file is documented
def _nested_models(annotation) -> list[type[BaseModel]]:
    """The config models inside a field's type (a model, or a list / tuple / dict / optional of models).
    Config models are the ones read from YAML mappings: they all set extra="forbid" (Term, parsed from a
    string, does not)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation] if annotation.model_config.get("extra") == "forbid" else []
    return [m for arg in typing.get_args(annotation) for m in _nested_models(arg)]


def _field_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every field of `model` and of the config models nested in it, as key paths; `*` stands for the items
    of a list or the values of a dict (`watch.*.columns.*.max_days`, `class_a.incident_types.*.label`)."""
    paths = []
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        paths.append(path)
        wrapped = typing.get_origin(field.annotation) in (list, tuple, dict)
        for sub in _nested_models(field.annotation):
            paths += _field_paths(sub, (*path, "*") if wrapped else path)
    return paths


def _comments(text: str) -> list[tuple[str, bool]]:
    """Per line: the comment text ("" if none) and whether the whole line is a comment. A `#` starts a
    comment at the start of a line or after a space, outside quotes ("#yaowen li" is a CSS selector)."""
    out = []
    for line in text.splitlines():
        quote, comment = "", ""
        for i, ch in enumerate(line):
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "'\"":
                quote = ch
            elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
                comment = line[i + 1 :]
                break
        out.append((comment, bool(comment) and line.lstrip().startswith("#")))
    return out


def _last_line(node: yaml.Node) -> int:
    if isinstance(node, yaml.ScalarNode):
        return node.end_mark.line
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for kv in node.value for n in kv]
    return max([node.start_mark.line, *(_last_line(c) for c in children)])


def _undocumented_keys(model: type[BaseModel], file) -> list[str]:
    """Keys of `model` not documented in the comments of `file`, the shipped YAML. A key is documented when
    the line that sets it carries a comment or follows a comment line, or when a comment in a section that
    contains it (from the comment lines above the section's key to its last line) names it."""
    text = file.read_text(encoding="utf-8")
    comments = _comments(text)
    root = yaml.compose(text)
    missing = []
    for path in _field_paths(model):
        node, pairs, complete = root, [], True  # the (key, value) nodes along the path in the shipped file
        for seg in path:
            if seg == "*" and isinstance(node, yaml.SequenceNode) and node.value:
                node = node.value[0]
                continue
            pair = None
            if isinstance(node, yaml.MappingNode) and node.value:
                pair = (
                    node.value[0]
                    if seg == "*"
                    else next((kv for kv in node.value if kv[0].value == seg), None)
                )
            if pair is None:
                complete = False
                break
            pairs.append(pair)
            node = pair[1]
        if complete:
            line = pairs[-1][0].start_mark.line
            if comments[line][0] or (line > 0 and comments[line - 1][1]):
                continue
        word = re.compile(rf"(?<![\w.]){re.escape(path[-1])}(?!\w)")
        sections = pairs[:-1] if complete else pairs
        for key, value in sections:
            first = key.start_mark.line
            while first > 0 and comments[first - 1][1]:
                first -= 1
            if any(word.search(c) for c, _ in comments[first : _last_line(value) + 1]):
                break
        else:
            missing.append(".".join(path))
    return missing


def _readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(title)
    end = readme.find("\n#", start + len(title))
    return readme[start : end if end != -1 else None]


CONFIG_FILES = {  # file -> how its keys are documented
    "sources.yaml": ("README", "### Sources (`config/sources.yaml`)", "config.loader", "Source"),
    "keywords.yaml": ("comments", None, "config.loader", "PlansFile"),
    "official_sites.yaml": ("comments", None, "config.sitewatch", "SiteWatchConfig"),
    "impersonation.yaml": ("comments", None, "config.impersonation", "ImpersonationConfig"),
    "response_rules.yaml": ("comments", None, "config.response_rules", "ResponseRules"),
}


@pytest.mark.parametrize("name", sorted(CONFIG_FILES))
def test_every_key_of_every_config_file_is_documented(name):
    """settings.yaml: the test above. Sources: a row of the README table per field. The other files: a
    comment in the shipped YAML on or above the key, or one naming it in a section that contains it."""
    import importlib

    how, title, module, cls = CONFIG_FILES[name]
    model = getattr(importlib.import_module(module), cls)
    if how == "README":
        section = _readme_section(title)
        missing = [".".join(p) for p in _field_paths(model) if f"`{p[-1]}`" not in section]
        assert not missing, f"missing from the README table {title}: {missing}"
    else:
        missing = _undocumented_keys(model, ROOT / "config" / name)
        assert not missing, f"undocumented in config/{name} (add a comment on or above the key): {missing}"


def test_documentation_check_reports_keys_without_a_comment(tmp_path):
    class Inner(BaseModel):
        model_config = {"extra": "forbid"}
        documented: int = 1
        bare: int = 2

    class Outer(BaseModel):
        model_config = {"extra": "forbid"}
        inner: Inner
        items: list[Inner] = []

    f = _write(tmp_path, "x.yaml", "# inner: what it is\ninner:\n  documented: 1  # one\n  bare: 2\n")
    assert _undocumented_keys(Outer, f) == ["inner.bare", "items", "items.*.documented", "items.*.bare"]
    f = _write(
        tmp_path, "y.yaml", "# inner: what it is (bare is explained here)\ninner:\n  documented: 1  # one\n"
    )
    assert "inner.bare" not in _undocumented_keys(Outer, f)
