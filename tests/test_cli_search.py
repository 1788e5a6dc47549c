"""`yuqing search` and `yuqing export documents --query`: the same hits as the store's search, a table aligned
by display width, filters, and one-line errors with exit code 2."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_store_search import CORPUS, _expected, corpus  # noqa: F401 - corpus: the fixture
from yuqing.cli import main
from yuqing.cli.search import _width


@pytest.fixture
def db(corpus, monkeypatch):  # noqa: F811 - the imported fixture
    engine, ids = corpus
    monkeypatch.setenv("MONITOR_DB_URL", engine.url.render_as_string(hide_password=False))
    return ids


def _ids(output: str) -> list[int]:
    return [int(line.split()[0]) for line in output.splitlines()[1:-1] if line[:1].isdigit()]


def test_search_prints_the_hits_newest_first(db, capsys):
    assert main(["search", "审计"]) == 0
    out = capsys.readouterr().out
    assert _ids(out) == [db[k] for k in _expected("审计")]
    assert out.splitlines()[-1].startswith(f"共 {len(_expected('审计'))} 篇，第 1/1 页")
    header, first = out.splitlines()[:2]
    title = CORPUS[_expected("审计")[0]][0]
    # the title column starts at the same display column (CJK characters are two wide) in every line
    assert _width(header[: header.index("标题")]) == _width(first[: first.index(title)]) == 54


def test_search_filters_and_pages(db, capsys):
    assert main(["search", "审计", "--sentiment", "负面", "--limit", "1", "--page", "2", "--snippets"]) == 0
    out = capsys.readouterr().out
    assert _ids(out) == [db["s2"]]
    assert "https://news.example.cn/s2.html" in out and "共 2 篇，第 2/2 页" in out


def test_export_with_query_writes_the_same_hits(db, tmp_path, capsys):
    path = tmp_path / "hits.csv"
    assert main(["export", "documents", "--query", "第3号公告", "--event", "1", "--out", str(path)]) == 0
    assert pd.read_csv(path, encoding="utf-8-sig")["编号"].tolist() == [db["s3"], db["s1"]]


@pytest.mark.parametrize(("argv", "message"), [
    (["search", "审计", "--sentiment", "坏"], "参数错误：未知的情感"),
    (["search", "审计", "--event", "x"], "参数错误：--event 应为事件编号"),
    (["search", "审计", "--limit", "0"], "参数错误：--limit"),
])  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(db, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err
