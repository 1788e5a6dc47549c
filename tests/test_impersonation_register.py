"""The 民政部 register lookup of the impersonation name rules: names.national_register in config/impersonation.yaml
(validation errors name the file, the key and the problem), normalisation, and the registered / not_registered
signals of analysis.sitewatch.impersonation.score_org_name. The registers here are small fixtures written by the
tests; none is shipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.sitewatch.impersonation import score_org_name
from config.errors import ConfigError
from config.impersonation import DEFAULT_IMPERSONATION_FILE, load_impersonation_config, register_key
from config.vocabulary import SIGNAL_LABELS, TIER_ACT, TIER_NONE, TIER_REVIEW

REGISTER_CSV = "统一社会信用代码,社会组织名称,登记管理机关\n5110000050000000XA,中国室内装饰协会,民政部\n" \
    "5110000050000001XA,中国硬笔书法协会,民政部\n5110000050000002XA,中国资产评估协会（中评协）,民政部\n"  # fmt: skip


def _config(tmp_path: Path, register_lines: str, *, column: str = "", name: str = "register.csv",
            extra: str = "", encoding: str = "utf-8") -> Path:  # fmt: skip
    """A copy of the shipped impersonation.yaml in tmp_path whose national_register names a fixture file."""
    (tmp_path / name).write_bytes(register_lines.encode(encoding))
    text = DEFAULT_IMPERSONATION_FILE.read_text(encoding="utf-8")
    old = "    file:              #"
    assert old in text
    text = text.replace(old, f"    file: {name}    #", 1)
    if column:
        text = text.replace('    column: ""', f"    column: {column}", 1)
    text += extra
    cfg = tmp_path / "impersonation.yaml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _codes(verdict) -> list[str]:
    return [s.code for s in verdict.signals]


@pytest.fixture()
def cfg(tmp_path):
    return load_impersonation_config(_config(tmp_path, REGISTER_CSV))


def test_shipped_config_has_no_register_and_no_register_signals():
    cfg = load_impersonation_config()
    assert not cfg.names.national_register.configured
    v = score_org_name("中国室内装修协会", cfg)
    assert v.tier == TIER_NONE and not {"registered", "not_registered"} & set(_codes(v))


def test_off_register_national_name_goes_to_review_not_act(cfg):
    assert cfg.names.national_register.configured
    v = score_org_name("中国室内装修协会", cfg)  # illegal look-alike of the registered 中国室内装饰协会
    assert v.tier == TIER_REVIEW
    sig = {s.code: s for s in v.signals}
    assert sig["not_registered"].label == SIGNAL_LABELS["not_registered"] == "未在民政部全国性社会组织名录中"
    assert sig["not_registered"].weight > 0


def test_on_register_name_gets_negative_signal(cfg):
    v = score_org_name("中国室内装饰协会", cfg)
    assert v.tier == TIER_NONE
    reg = next(s for s in v.signals if s.code == "registered")
    assert reg.weight < 0 and "not_registered" not in _codes(v)


def test_register_outweighs_one_structural_mark(cfg, tmp_path):
    """中国民间文艺家协会 has two buzzwords (review without a register); on the exempt list it is not flagged."""
    shipped = load_impersonation_config()
    assert score_org_name("中国民间文艺家协会", shipped).tier == TIER_REVIEW
    assert score_org_name("中国民间文艺家协会", cfg).tier == TIER_NONE


def test_off_register_with_another_mark_reaches_act(cfg):
    assert score_org_name("中国爱国文艺家协会", cfg).tier == TIER_ACT


def test_only_the_national_shape_gets_not_registered(cfg):
    for name in ("杭州市书法协会", "中国室内装饰研究中心", "夏梦艺术中心"):
        assert "not_registered" not in _codes(score_org_name(name, cfg)), name


def test_a_full_name_without_a_division_must_be_on_the_register(cfg):
    """Every local body carries its division; a full name without one (and without 中国…) claims national scope,
    so a registrable form off the register gets not_registered. Without a register it is no_region only."""
    shipped = load_impersonation_config()
    for name in ("海川钓友联合协会", "国际茶道文化协会"):
        v = score_org_name(name, cfg)
        assert "not_registered" in _codes(v) and v.tier == TIER_REVIEW, (name, v.score, v.reasons)
        assert "not_registered" not in _codes(score_org_name(name, shipped))
    assert score_org_name("海川钓友联合协会", shipped).tier == TIER_NONE


def test_short_forms_branches_and_institutions_are_not_looked_up(cfg):
    """A bare field + form is a short form (审计学会); a branch or representative office is never on the register
    under its own name; institutions (…中心/…院/…馆) may be 事业单位, which the 民政部 list does not hold."""
    for name in (
        "审计学会",
        "内审协会",
        "中国室内装饰协会培训分会",
        "海川钓友协会北京代表处",
        "海川艺术中心",
    ):
        assert "not_registered" not in _codes(score_org_name(name, cfg)), name


@pytest.mark.parametrize(
    "name",
    [
        "中国 室内装饰协会",
        "中国室内装饰协会（筹）",
        "中国室内装饰协会(筹备组)",
        "中国室内装饰协会\u3000",
        "中国硬笔书法协会",
    ],
)
def test_normalised_names_match_the_register(cfg, name):
    assert "registered" in _codes(score_org_name(name, cfg)), name


def test_a_regional_note_is_not_the_registered_body(cfg):
    v = score_org_name("中国室内装饰协会（浙江）", cfg)
    assert "registered" not in _codes(v) and "not_registered" in _codes(v) and v.tier == TIER_REVIEW


def test_register_cell_with_a_short_name_matches_the_full_name(cfg):
    assert "registered" in _codes(score_org_name("中国资产评估协会", cfg))


def test_register_key_normalises_width_spaces_and_preparation_note():
    assert register_key("中国　ＡＢＣ 协会（筹）") == register_key("中国ABC协会") == "中国ABC协会"
    assert register_key("中华谭（弹）腿联合总会") == "中华谭(弹)腿联合总会"  # inner brackets stay


def test_txt_register_and_gb18030(tmp_path):
    path = _config(
        tmp_path, "# 民政部 全国性社会组织\n中国室内装饰协会\n\n", name="register.txt", encoding="gb18030"
    )
    cfg = load_impersonation_config(path)
    assert cfg.names.national_register.size >= 1
    assert "registered" in _codes(score_org_name("中国室内装饰协会", cfg))
    assert "not_registered" in _codes(score_org_name("中国室内装修协会", cfg))


def test_named_column(tmp_path):
    path = _config(tmp_path, "代码,全称\n1,中国室内装饰协会\n", column="全称")
    cfg = load_impersonation_config(path)
    assert "registered" in _codes(score_org_name("中国室内装饰协会", cfg))


def test_exempt_bodies_count_as_registered(cfg):
    """People's organisations are exempt from registration and not on the downloaded list."""
    assert "registered" in _codes(score_org_name("中国作家协会", cfg))


@pytest.mark.parametrize(
    ("lines", "kwargs", "key", "problem"),
    [
        (None, {}, "names.national_register.file", "file not found"),
        (
            "中国室内装饰协会\n",
            {"name": "register.xlsx"},
            "names.national_register.file",
            "must be a .csv or .txt",
        ),
        ("代码,全称\n1,中国室内装饰协会\n", {}, "names.national_register.file", "no name column"),
        ("社会组织名称\n", {}, "names.national_register.file", "no names in the register"),
        (
            "社会组织名称\n中国室内装饰协会\n",
            {"column": "全称"},
            "names.national_register.column",
            "is not a column",
        ),
        ("中国室内装饰协会\n", {"name": "r.txt", "column": "名称"}, "names.national_register.column", ".txt"),
    ],
)
def test_register_errors_name_file_key_and_problem(tmp_path, lines, kwargs, key, problem):
    path = _config(tmp_path, lines or "x", **kwargs)
    if lines is None:
        (tmp_path / kwargs.get("name", "register.csv")).unlink()
    with pytest.raises(ConfigError) as exc:
        load_impersonation_config(path)
    msg = str(exc.value)
    assert str(path) in msg and key in msg and problem in msg


def test_register_file_not_utf8_or_gb18030(tmp_path):
    path = _config(tmp_path, "x")
    (tmp_path / "register.csv").write_bytes(b"\xff\xfe\x00\xd8\x81\x81\xff")
    with pytest.raises(ConfigError, match="neither UTF-8 nor GB18030"):
        load_impersonation_config(path)


@pytest.mark.parametrize(
    ("weights", "problem"),
    [
        ("    not_registered: -5\n", "names.weights.not_registered"),
        ("    registered: 10\n", "names.weights.registered"),
        ("    not_registered: 60\n", "tiers.act"),
        ("    supranational_prefix: 50\n", "supranational_prefix (50)"),
    ],
)
def test_register_weights_are_validated(tmp_path, weights, problem):
    path = _config(tmp_path, REGISTER_CSV)
    text = path.read_text(encoding="utf-8")
    key = weights.split(":")[0].strip()
    text = "\n".join(ln for ln in text.splitlines() if not ln.strip().startswith(f"{key}:")) + "\n"
    text = text.replace("  weights:\n    national_prefix:", f"  weights:\n{weights}    national_prefix:", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_impersonation_config(path)
    assert str(path) in str(exc.value) and problem in str(exc.value)


def test_bench_reports_figures_with_a_register():
    from bench.impersonation import bench_names

    res = bench_names(None)
    if "skipped" in res:
        pytest.skip(res["skipped"])
    rg = res["with_register"]
    assert rg["register_size"] > 100
    assert rg["held_out"]["recall"] >= res["held_out"]["recall"]
    # measured 0.947 (0.874 before full names without a division and 国际… names were looked up); issue 13 asks 0.90
    assert rg["held_out"]["recall"] >= 0.90 and rg["held_out_by_list"]["recall"] >= 0.90
    assert rg["held_out"]["legit_flagged"] == 0
    assert rg["national_bodies"]["legit_flagged"] == 0
    assert rg["bodies_missing_from_register"]["legit_flagged_review"] > 0  # the register's honest limit
