"""Tests for analysis.sentiment (the shipped project model and the snownlp baseline) and its trainer."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from analysis import sentiment
from analysis.sentiment import (
    LABELS,
    LinearSentimentModel,
    SentimentResult,
    WordVectors,
    article_text,
    get_model,
    hash_ngrams,
    hash_word_pairs,
    normalize_news,
    normalize_text,
    score_article,
    score_many,
    score_sentiment,
)

NEGATIVE_NEWS = [
    "货车与客车相撞致3人死亡多人受伤",
    "男子酒驾撞死路人后逃逸被警方抓获",
    "某公司拖欠农民工工资数百万元 工人讨薪无果",
    "小区居民楼突发大火 一家三口不幸遇难",
]
NEUTRAL_NEWS = [
    "关于2024年度部门预算公开的公告",
    "市政府召开常务会议研究部署近期工作",
    "关于调整部分公交线路的通知",
    "国家统计局发布10月份居民消费价格数据",
]


SOCIAL_POSTS = [
    "今天心情超级好，和闺蜜去吃了火锅哈哈哈[哈哈]",
    "气死我了！！快递又丢了，客服还不理人",
    "@小明 你看这个视频了吗 太搞笑了吧",
    "好想回家啊……想吃妈妈做的饭了",
]


def test_project_model_loads_fast_and_has_news_social_and_router_heads():
    t0 = time.perf_counter()
    model = LinearSentimentModel.load(sentiment.MODEL_DIR / sentiment.PROJECT_MODEL_STEM)
    assert time.perf_counter() - t0 < 5  # generous; typically ~0.2 s
    assert set(model.heads) == {"news", "social", "router"}
    for name in ("news", "social"):
        head = model.heads[name]
        assert head.weights.shape == (sum(b.n_features for b in head.blocks), 3)
    assert model.heads["router"].weights.shape[1] == 2
    assert [b.kind for b in model.heads["news"].blocks] == ["char", "word", "wordvec"]
    wordvec = model.heads["news"].wordvec
    assert wordvec is not None and wordvec.dim == model.heads["news"].blocks[-1].n_features
    assert len(wordvec.words) > 20_000 and "审计" in wordvec.index
    assert model.meta["labels"] == list(LABELS)
    assert model.meta["training"]["n_trained"] > 10_000
    size = sum(
        (sentiment.MODEL_DIR / f"{sentiment.PROJECT_MODEL_STEM}{ext}").stat().st_size
        for ext in (".npz", ".json")
    )
    assert size < 8 * 2**20  # about 6 MB: int8 weights and the 51k-word vector table


def test_router_sends_headlines_to_news_and_posts_to_social():
    model = get_model()
    assert (model.route(NEGATIVE_NEWS + NEUTRAL_NEWS) > 0.5).mean() >= 0.75
    assert (model.route(SOCIAL_POSTS) < 0.5).all()


def test_domain_selects_a_head_and_auto_mixes_them():
    model = get_model()
    texts = NEGATIVE_NEWS[:2] + SOCIAL_POSTS[:2]
    news = model.predict_proba(texts, domain="news")
    social = model.predict_proba(texts, domain="social")
    auto = model.predict_proba(texts)
    assert not np.allclose(news, social)
    p_news = model.route(texts)[:, None]
    mixed = p_news * news + (1 - p_news) * social
    assert np.allclose(auto, mixed, atol=2e-3)  # heads below ROUTER_SKIP weight are skipped
    assert np.allclose(auto.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="unknown domain"):
        model.predict_proba(texts, domain="forum")


def test_score_article_uses_the_news_head():
    title = "男子持刀伤人致两死三伤"
    expected = get_model().predict_proba([title], domain="news")[0]
    r = score_article(title, "昨日下午，某地发生一起持刀伤人案件。")
    assert [r.p_neg, r.p_neu, r.p_pos] == pytest.approx(list(expected))
    assert score_sentiment(title, domain="social").p_neg != pytest.approx(r.p_neg)


def test_normalize_news_keeps_chinese_characters_only_like_the_training_headlines():
    # the bdci2019 headlines have no digits, Latin, punctuation or 年/月/日: inference folds the same way
    assert normalize_news("2024年10月5日，ＡＢＣ公司：3人受伤！") == "公司人受伤"
    assert normalize_news("") == ""


def test_hash_word_pairs_are_deterministic_per_word():
    rows, cols = hash_word_pairs(["审计发现挪用资金", "", "审计"], 2**16)
    assert rows.tolist()[:1] == [0] and 1 not in rows.tolist()
    first = cols[rows == 0].tolist()
    again_rows, again_cols = hash_word_pairs(["审计发现挪用资金"], 2**16)
    assert again_cols.tolist() == first
    assert cols[rows == 2].tolist() == [first[0]]  # "审计" hashes to the same bucket in any text
    assert ((cols >= 0) & (cols < 2**16)).all()


def test_word_vectors_mean_is_normalised_over_known_words_and_round_trips():
    table = WordVectors(["审计", "发现", "问题"], np.array([[3.0, 0.0], [0.0, 4.0], [1.0, 1.0]]))
    out = table.mean_vectors([["审计", "发现", "未知词"], ["未知词"], [], ["问题", "问题"]])
    assert out.shape == (4, 2)
    assert out[0] == pytest.approx([0.6, 0.8])  # mean (1.5, 2.0), unknown word ignored, unit length
    assert out[1].tolist() == [0.0, 0.0] and out[2].tolist() == [0.0, 0.0]
    assert out[3] == pytest.approx([2**-0.5, 2**-0.5])
    back = WordVectors.from_arrays(table.save_arrays("news"), "news")
    assert back.words == table.words
    assert np.abs(back.vectors - table.vectors).max() <= 4.0 / 127  # int8 rows, one scale per row
    assert WordVectors.from_arrays({}, "news") is None


def test_news_head_word_vectors_move_the_logits():
    head = get_model().heads["news"]
    text = "审计发现挪用扶贫资金"
    with_vectors = head.logits([text])
    lo = head.offsets[-2]
    saved = head.weights[lo:].copy()
    try:
        head.weights[lo:] = 0.0
        without = head.logits([text])
    finally:
        head.weights[lo:] = saved
    assert not np.allclose(with_vectors, without)


def test_get_model_is_cached_once_per_process():
    assert get_model("project") is get_model("project")


def test_get_model_unknown_name_raises():
    with pytest.raises(ValueError, match="unknown sentiment model"):
        get_model("bert")


def test_predict_proba_rows_sum_to_one_in_class_order():
    texts = NEGATIVE_NEWS + NEUTRAL_NEWS + ["", "   ", "😀", "a" * 5000]
    proba = get_model().predict_proba(texts)
    assert proba.shape == (len(texts), 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (proba >= 0).all()
    assert get_model().predict_proba([]).shape == (0, 3)


def test_clear_negative_headlines_are_negative():
    labels = get_model().predict(NEGATIVE_NEWS)
    assert labels == ["neg"] * len(NEGATIVE_NEWS)


def test_neutral_announcements_are_not_called_positive_or_negative():
    labels = get_model().predict(NEUTRAL_NEWS)
    assert labels.count("neu") >= len(NEUTRAL_NEWS) - 1


@pytest.mark.slow
def test_project_calls_neutral_news_neutral_more_than_snownlp():
    pytest.importorskip("snownlp")
    project = get_model("project").predict_proba(NEUTRAL_NEWS)[:, 1].mean()
    baseline = get_model("snownlp").predict_proba(NEUTRAL_NEWS)[:, 1].mean()
    assert project > baseline


def test_positive_post_is_positive():
    result = score_sentiment("太感动了！为最美逆行者点赞，谢谢你们辛苦了！")
    assert result.label == "pos"
    assert result.score > 0.3


def test_score_sentiment_result_is_consistent():
    r = score_sentiment(NEGATIVE_NEWS[0])
    assert isinstance(r, SentimentResult)
    assert r.label == "neg" and r.label_zh == "负面"
    assert r.p_neg + r.p_neu + r.p_pos == pytest.approx(1.0)
    assert r.score == pytest.approx(r.p_pos - r.p_neg)
    assert -1.0 <= r.score <= 1.0


def test_score_many_matches_single_scoring():
    many = score_many(NEGATIVE_NEWS[:2])
    assert [m.p_neg for m in many] == pytest.approx([score_sentiment(t).p_neg for t in NEGATIVE_NEWS[:2]])


def test_article_text_is_headline_or_short_title_plus_lead():
    body = "正文" * 400
    assert article_text("市政府召开常务会议", body) == "市政府召开常务会议"
    text = article_text("通报", body)
    assert text.startswith("通报。")
    assert len(text) == len("通报。") + sentiment.LEAD_CHARS
    assert article_text("", "只有正文") == "只有正文"
    assert score_article("男子持刀伤人致两死三伤", "昨日下午，某地发生一起持刀伤人案件。").label == "neg"
    assert score_article("", "昨日下午，某地发生一起严重车祸，造成三人死亡。").label == "neg"


def test_normalize_text_folds_width_digits_urls_mentions():
    assert normalize_text("ＡＢＣ１２３  http://t.cn/abc @张三:好") == "abc0 U @:好"


def test_hash_ngrams_is_deterministic_and_counts_ngrams():
    m = hash_ngrams(["审计", "审计"], n_features=2**16, ngram_max=2)
    # "审计" wrapped in boundaries: unigrams 审,计 + bigrams ^审,审计,计$ = 5 n-grams
    assert m[0].sum() == 5
    assert (m[0] != m[1]).nnz == 0
    again = hash_ngrams(["审计"], n_features=2**16, ngram_max=2)
    assert sorted(again.indices) == sorted(m[0].indices)
    # texts never share cross-boundary n-grams: a batch equals the rows scored alone
    batch = hash_ngrams(["甲乙", "丙"], 2**16, 3)
    assert batch[1].sum() == hash_ngrams(["丙"], 2**16, 3).sum()


@pytest.mark.slow
def test_snownlp_baseline_maps_score_to_three_classes():
    pytest.importorskip("snownlp")
    model = get_model("snownlp")
    proba = model.predict_proba(["这个酒店太差了，再也不来了", "非常好，很满意，强烈推荐"])
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.predict(["这个酒店太差了，再也不来了", "非常好，很满意，强烈推荐"]) == ["neg", "pos"]


def test_model_metadata_records_held_out_split_and_figures():
    meta = json.loads((sentiment.MODEL_DIR / f"{sentiment.PROJECT_MODEL_STEM}.json").read_text("utf-8"))
    assert meta["recipe"]["split"]["method"] == "md5"
    assert set(meta["training"]["sets"]) >= {"bdci2019"}
    assert meta["held_out_figures"]["bdci2019"]["n"] > 500
    assert set(meta["held_out_figures_by_domain"]) == {"news", "social"}
    assert len(meta["training"]["heads"]["news"]["decision_bias"]) == 3
    for fig in meta["held_out_figures"].values():
        assert 0 <= fig["ece"] < 0.15


@pytest.mark.slow
@pytest.mark.requires_shared_data
def test_held_out_split_never_overlaps_training(shared_data):
    from analysis.train_sentiment import keys_digest, load_sets, split_rows

    meta = get_model().meta
    sets = load_sets(shared_data)
    train_rows, held_out = split_rows(sets, list(meta["recipe"]["train_sets"]), meta["recipe"]["split"])
    assert keys_digest(train_rows) == meta["training"]["trained_keys_sha256"]
    trained = {r.key for r in train_rows}
    for rows in held_out.values():
        assert not trained & {r.key for r in rows}
    assert all(r.source_split == "dev" for r in held_out["bdci2019"])


@pytest.mark.slow
@pytest.mark.requires_shared_data
def test_conformance_held_out_bdci_macro_f1(shared_data):
    from analysis.train_sentiment import evaluate, load_sets, split_rows

    meta = get_model().meta
    sets = load_sets(shared_data, ["bdci2019", "nlpcc2013", "covid19"])
    _train, held_out = split_rows(sets, list(meta["recipe"]["train_sets"]), meta["recipe"]["split"])
    rows = held_out["bdci2019"]
    texts, gold = [r.text for r in rows], [r.polarity for r in rows]
    # floors measured on the held-out dev split (router 0.708, news head 0.706 at training, 0.690 / 0.692
    # before the word vectors; target 0.75 is not met, see SENTIMENT_MODEL_CARD.md)
    fig = evaluate(get_model().predict_proba(texts), gold, False)
    assert fig["macro_f1"] >= 0.69
    assert fig["accuracy"] >= 0.74
    news = evaluate(get_model().predict_proba(texts, domain="news"), gold, False)
    assert news["macro_f1"] >= 0.69
    assert news["per_class_f1"]["pos"] >= 0.49  # the decision bias lifts the rare class (0.47 before it)
    polar = held_out["covid19"]
    for domain in (None, "social"):
        proba = get_model().predict_proba([r.text for r in polar], domain=domain)
        assert evaluate(proba, [r.polarity for r in polar], True)["accuracy"] >= 0.80
    weibo = held_out["nlpcc2013"]
    social = evaluate(
        get_model().predict_proba([r.text for r in weibo], domain="social"),
        [r.polarity for r in weibo],
        False,
    )
    assert social["macro_f1"] >= 0.62


@pytest.mark.requires_shared_data
@pytest.mark.slow
def test_trainer_is_deterministic_on_small_recipe(shared_data, tmp_path):
    from analysis.train_sentiment import RECIPE, train

    recipe = json.loads(json.dumps(RECIPE))
    recipe["train_sets"] = {"bdci2019": 1.0, "covid19": 0.5}
    for head in ("news", "social", "router"):
        for block in recipe[head]["blocks"]:
            block["n_features"] = 2**12
    recipe["news"]["cv"]["folds"] = 2
    recipe["news"]["bias_grid"]["steps"] = 9
    recipe["router"]["social_sets"] = ["covid19"]
    recipe["router"]["extra_news_file"] = None
    recipe["news"]["blocks"][-1]["n_features"] = 8
    recipe["wordvec"].update(
        labelled_sets=["bdci2019"], unlabelled=[], vector_size=8, epochs=1, min_count=2, max_vocab=500
    )
    a = train(shared_data, tmp_path / "a", recipe)
    b = train(shared_data, tmp_path / "b", recipe)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert a["held_out_figures"]["bdci2019"] == b["held_out_figures"]["bdci2019"]
    model = LinearSentimentModel.load(tmp_path / "a")
    assert model.heads["news"].temperature == pytest.approx(a["training"]["heads"]["news"]["temperature"])


@pytest.mark.slow
@pytest.mark.requires_shared_data
def test_leave_one_set_out_refits_without_the_set_and_scores_it(shared_data):
    """Out of domain: the social head refit without weibo2018 still separates its posts (0.79 measured;
    0.832 in domain), and the refit never saw them."""
    from analysis.train_sentiment import leave_one_set_out

    recipe = get_model().meta["recipe"]
    assert "weibo2018" in recipe["train_sets"]
    figures = leave_one_set_out(shared_data, recipe, names=["weibo2018"])
    assert set(figures) == {"weibo2018"}
    assert figures["weibo2018"]["n"] > 1500
    assert figures["weibo2018"]["macro_f1"] >= 0.72


@pytest.mark.slow
@pytest.mark.requires_shared_data
def test_conformance_held_out_new_weibo_sets(shared_data):
    """In-domain floors on the sets added for breadth (measured: social head smp2020_usual 0.788,
    smp2020_virus 0.763, weibo2018 0.832; the previous model, which never saw them, 0.442 / 0.605 / 0.755)."""
    from analysis.train_sentiment import evaluate, load_sets, split_rows

    meta = get_model().meta
    sets = load_sets(shared_data)
    _train, held_out = split_rows(sets, list(meta["recipe"]["train_sets"]), meta["recipe"]["split"])
    floors = {"smp2020_usual": (False, 0.77), "smp2020_virus": (False, 0.74), "weibo2018": (True, 0.81)}
    for name, (polar, floor) in floors.items():
        rows = held_out[name]
        proba = get_model().predict_proba([r.text for r in rows], domain="social")
        assert evaluate(proba, [r.polarity for r in rows], polar)["macro_f1"] >= floor, name
