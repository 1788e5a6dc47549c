"""Tests for bench.criticism_patterns: the out-of-domain criticism rows (substitution and labelling rule)."""

from __future__ import annotations

import pytest

from bench.criticism_patterns import DEFAULT_DATA_DIR, label, main, select, substitute


def test_substitution_replaces_every_mention_with_one_audit_office_form():
    text = "卫健委说没事，卫健委又说有事"
    new = substitute(text, "卫健委")
    assert "卫健委" not in new and new.count("审计") == 2
    assert substitute(text, "卫健委") == new  # deterministic
    assert substitute("武汉市政府终于发声了", "市政府").startswith("武汉市审计")  # local forms after a place
    assert substitute("请看政府工作报告", "政府") == ""  # not the institution acting: not kept


def test_label_negative_target_versus_agent_and_source():
    assert label("审计局到底在干什么？", "neg") == ("yes", "rhetorical")
    assert label("审计署查处了一批违规企业，真气人", "neg") == ("no", "")  # the office acts on someone else
    assert label("据审计局通报，新增病例10例，好害怕", "neg") == ("no", "")  # the office is the source
    assert label("审计人员辛苦了", "pos") == ("no", "")


def test_absent_data_generates_nothing(tmp_path, capsys):
    assert select(tmp_path) == []
    assert main(["--data-dir", str(tmp_path)]) == 0
    assert "no criticism patterns generated" in capsys.readouterr().err


def test_rows_are_deterministic_and_split_in_fixed_halves():
    if not (DEFAULT_DATA_DIR / "sentiment").is_dir():
        pytest.skip("the real data is not on this machine; the absent case is tested above")
    rows = select()
    again = select()
    assert [r["id"] for r in rows] == [r["id"] for r in again]
    assert {r["half"] for r in rows} == {0, 1}
    assert all(r["half"] == int(r["id"], 16) % 2 for r in rows)
    assert all("审计" in r["text"] and r["criticises_office"] in ("yes", "no") for r in rows)
    assert {r["form"] for r in rows if r["criticises_office"] == "yes"} <= {
        "rhetorical",
        "sarcasm",
        "direct",
        "other",
    }
