"""Benchmark reprint grouping: pairwise precision / recall / F1 and throughput of analysis.opinion.reprints.

Two data sets, both printed (out of domain first):
* out of domain (bench.reprint_patterns): reprint patterns written apart from the algorithm, on real CEC,
  THUCNews and nlpcc2017 texts — templated releases of different offices (the hard negatives), re-edited
  copies, lead-only excerpts, headline-only copies, unrelated headlines; seed ``--ood-seed``;
* in domain: every article of ../shared/data/topics/thucnews_cnews_1000.csv is an original; 0–4 reprint
  variants of each are generated with a fixed seed (changed headline, site header/footer lines, a dropped
  paragraph, reordered paragraphs, a 40–70% excerpt, punctuation and spacing changes, a "来源 责任编辑"
  line). THUCNews bodies are mostly one paragraph, so "paragraphs" are runs of 1–3 sentences. The true
  group of a document is its original's id; distinct articles of the same THUCNews class are the hard
  negatives.
`--data CSV` instead reads columns id,group,text (optional title,published_at) and groups them as given.
With --json the last line holds the in-domain figures with the out-of-domain ones under ``out_of_domain``.
"""

from __future__ import annotations

import csv
import random
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from analysis.opinion.reprints import ReprintIndex
from analysis.textnorm import content_chars, split_sentences
from bench._common import emit, make_parser, pairwise_counts, shared_data_dir, timed
from bench.reprint_patterns import OOD_SEED, build_out_of_domain

SEED = 20240611
SOURCE_DUP_CONTAINMENT = 0.9
SOURCE_DUP_JACCARD = 0.8
SITES = [
    "人民网",
    "新华网",
    "中国新闻网",
    "央视网",
    "澎湃新闻",
    "网易新闻",
    "搜狐网",
    "凤凰网",
    "腾讯新闻",
    "今日头条",
    "光明网",
    "中国经济网",
    "东方财富网",
    "市政府门户网站",
    "北京青年报",
    "南方都市报",
]
NAMES = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷", "徐明", "孙丽"]
HEAD_LINES = [
    "首页 > 新闻中心 > 正文",
    "当前位置：首页 > {site} > 滚动新闻",
    "来源：{site}　作者：{name}　发布时间：2011-03-0{d} 10:2{d}",
    "字号：大 中 小　　【打印】【关闭】",
    "{site}讯",
    "原标题：{title}",
    "{site}客户端 {d}小时前",
    "阅读次数：{d}{d}{d}",
]
FOOT_LINES = [
    "来源：{site} 责任编辑：{name}",
    "（责任编辑：{name}）",
    "分享到：微信 微博 QQ空间",
    "本文系转载，版权归原作者所有，如有侵权请联系删除。",
    "扫一扫，关注{site}微信公众号",
    "相关阅读：{other}",
    "[打印本页] [关闭窗口]",
    "版权所有 © {site} 京ICP备0500{d}{d}{d}号",
    "点击进入专题：{other}",
    "更多精彩内容，请下载{site}客户端",
    "（本报记者 {name}）",
    "编辑：{name} 审核：{name}",
    "声明：本文仅代表作者观点，不代表{site}立场。",
    "https://www.example.com/news/20110{d}/{d}{d}{d}.html",
]
HEAD_PREFIX = ["", "", "重磅！", "转发：", "【关注】", "最新：", "热点｜", "独家：", "视频：", "快讯："]
HEAD_SUFFIX = ["", "", "（图）", "（组图）", "（附全文）", "_网易新闻", "|新浪网", " - 凤凰网"]


def _fill(template: str, rng: random.Random, title: str, other: str) -> str:
    return template.format(
        site=rng.choice(SITES), name=rng.choice(NAMES), d=rng.randint(1, 9), title=title, other=other
    )


def _paragraphs(body: str, rng: random.Random) -> list[str]:
    sents = split_sentences(body)
    paras: list[str] = []
    i = 0
    while i < len(sents):
        n = rng.randint(1, 3)
        paras.append("".join(sents[i : i + n]))
        i += n
    return paras


def _punctuation(text: str, rng: random.Random) -> str:
    table = {
        "，": rng.choice([",", "， ", " ", "，"]),
        "。": rng.choice([".", "。 ", "。"]),
        "：": rng.choice([":", "："]),
        "“": rng.choice(['"', "「", "“"]),
        "”": rng.choice(['"', "」", "”"]),
    }
    return "".join(table.get(ch, ch) if rng.random() < 0.7 else ch for ch in text)


def make_variant(text: str, rng: random.Random, other_title: str) -> tuple[str, str]:
    """One realistic reprint of `text`; returns (variant text, kind of body change)."""
    head_len = min(max(8, len(text) // 15), 24)
    orig_title, body = text[:head_len], text[head_len:]
    paras = _paragraphs(body, rng) or [body]
    kind = rng.choices(["full", "drop", "reorder", "excerpt"], weights=[30, 25, 15, 30])[0]
    if kind == "drop" and len(paras) >= 3:
        del paras[rng.randrange(len(paras))]
    elif kind == "reorder" and len(paras) >= 2:
        i = rng.randrange(len(paras) - 1)
        if rng.random() < 0.5:
            paras[i], paras[i + 1] = paras[i + 1], paras[i]
        else:
            head, tail = paras[:1], paras[1:]
            rng.shuffle(tail)
            paras = head + tail
    elif kind == "excerpt" and len(paras) >= 2:
        keep = max(1, round(len(paras) * rng.uniform(0.4, 0.7)))
        if rng.random() < 0.5:
            start = rng.randrange(len(paras) - keep + 1)
            paras = paras[start : start + keep]
        else:
            chosen = sorted(rng.sample(range(len(paras)), keep))
            paras = [paras[i] for i in chosen]
    else:
        kind = "full"
    if rng.random() < 0.6:  # new headline: a fragment of the body dressed up, or the old one re-dressed
        src = paras[rng.randrange(len(paras))]
        start = rng.randrange(max(1, len(src) - 12))
        core = src[start : start + rng.randint(8, 18)] if rng.random() < 0.6 else orig_title
        title = rng.choice(HEAD_PREFIX) + core + rng.choice(HEAD_SUFFIX)
    else:
        title = orig_title
    if rng.random() < 0.5:
        paras = [_punctuation(p, rng) for p in paras]
    lines: list[str] = []
    if rng.random() < 0.7:
        lines += [_fill(t, rng, orig_title, other_title) for t in rng.sample(HEAD_LINES, rng.randint(1, 2))]
    lines.append(title)
    lines += paras
    if rng.random() < 0.4:
        lines.append(f"来源：{rng.choice(SITES)} 责任编辑：{rng.choice(NAMES)}")
    if rng.random() < 0.7:
        lines += [_fill(t, rng, orig_title, other_title) for t in rng.sample(FOOT_LINES, rng.randint(1, 3))]
    sep = rng.choice(["\n", "\n\n", "\n　　", "\n"])
    return sep.join(lines), kind


def build_thucnews(path: Path, seed: int = SEED) -> list[dict[str, Any]]:
    """Originals plus generated variants, shuffled into a plausible arrival order."""
    rng = random.Random(seed)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    base = datetime(2011, 3, 1, 8, 0)
    docs: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        text = row["text"]
        t0 = base + timedelta(hours=rng.randint(0, 24 * 20))
        docs.append(
            {
                "id": f"o{i}",
                "group": f"o{i}",
                "label": row["label"],
                "text": text,
                "published_at": t0,
                "kind": "original",
            }
        )
        for j in range(rng.randint(0, 4)):
            other = rows[rng.randrange(len(rows))]["text"][:20]
            vtext, kind = make_variant(text, rng, other)
            docs.append(
                {
                    "id": f"o{i}v{j}",
                    "group": f"o{i}",
                    "label": row["label"],
                    "text": vtext,
                    "published_at": t0 + timedelta(minutes=rng.randint(5, 60 * 72)),
                    "kind": kind,
                }
            )
    rng.shuffle(docs)
    return docs


def read_csv(path: Path) -> list[dict[str, Any]]:
    """A user CSV with id,group,text (optional title,published_at)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    docs = []
    for row in rows:
        text = row["text"]
        if row.get("title"):
            text = row["title"] + "\n" + text
        docs.append(
            {
                "id": row["id"],
                "group": row["group"],
                "label": "",
                "text": text,
                "published_at": row.get("published_at") or None,
                "kind": "",
            }
        )
    return docs


def source_duplicates(docs: list[dict[str, Any]], originals: set[str]) -> dict[str, str]:
    """Originals that are already reprints of each other in the source data, by an exact test independent
    of analysis.opinion.reprints's sampling: full char 5-gram sets, shorter >= SOURCE_DUP_CONTAINMENT inside the longer
    (or Jaccard >= SOURCE_DUP_JACCARD). Returns original id -> id of its source-duplicate cluster."""
    from collections import defaultdict

    texts = {d["id"]: content_chars(d["text"]) for d in docs if d["id"] in originals}
    sets = {k: {c[i : i + 5] for i in range(max(1, len(c) - 4))} for k, c in texts.items() if c}
    inverted: dict[str, list[str]] = defaultdict(list)
    for k, s in sets.items():
        for g in s:
            inverted[g].append(k)
    parent = {k: k for k in texts}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for k, s in sets.items():
        shared: Counter[str] = Counter()
        for g in s:
            shared.update(o for o in inverted[g] if o > k)
        for o, n in shared.items():
            small = min(len(s), len(sets[o]))
            if n / small >= SOURCE_DUP_CONTAINMENT or n / (len(s) + len(sets[o]) - n) >= SOURCE_DUP_JACCARD:
                parent[find(o)] = find(k)
    return {k: find(k) for k in texts}


def _prf(pred: dict[Any, Any], truth: dict[Any, Any]) -> tuple[float, float, float]:
    both, n_pred, n_truth = pairwise_counts(pred, truth)
    precision = both / n_pred if n_pred else 1.0
    recall = both / n_truth if n_truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate(
    docs: list[dict[str, Any]], merge_source_duplicates: bool = True, original_kinds: set[str] | None = None
) -> dict[str, Any]:
    """Pairwise figures of ReprintIndex on `docs`. With `merge_source_duplicates`, originals (documents of
    `original_kinds`, default: every group id) that already copy each other in the source data share a
    group in the truth."""
    index = ReprintIndex()
    with timed() as t:
        for d in docs:
            index.add(d["id"], d["text"], published_at=d["published_at"])
    groups = index.groups()
    pred = {doc_id: gid for gid, members in groups.items() for doc_id in members}
    raw_truth = {d["id"]: d["group"] for d in docs}
    truth = dict(raw_truth)
    n_source_dups = 0
    if merge_source_duplicates:
        originals = set(raw_truth.values())
        if original_kinds is not None:
            originals = {d["id"] for d in docs if d["kind"] in original_kinds}
        dup_of = source_duplicates(docs, originals)
        truth = {k: dup_of.get(g, g) for k, g in raw_truth.items()}
        n_source_dups = sum(1 for k, v in dup_of.items() if k != v)
    precision, recall, f1 = _prf(pred, truth)
    raw_precision, raw_recall, _ = _prf(pred, raw_truth)
    by_id = {d["id"]: d for d in docs}
    # false merges, split by whether the two articles share a topic class (the hard negatives)
    same_class = cross_class = 0
    false_by_kinds: Counter[str] = Counter()
    for members in groups.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                da, db = by_id[members[a]], by_id[members[b]]
                if truth[da["id"]] != truth[db["id"]]:
                    false_by_kinds["×".join(sorted((da["kind"] or "-", db["kind"] or "-")))] += 1
                    if da["label"] == db["label"]:
                        same_class += 1
                    else:
                        cross_class += 1
    # recall per kind of variant: share of variants put in their original's group
    kind_total: Counter[str] = Counter()
    kind_hit: Counter[str] = Counter()
    for d in docs:
        if d["kind"] and d["group"] != d["id"] and d["group"] in pred:
            kind_total[d["kind"]] += 1
            kind_hit[d["kind"]] += pred[d["id"]] == pred[d["group"]]
    # 首发: the original (earliest) should be named first publisher of its group
    first_ok = first_n = 0
    for gid, members in groups.items():
        groups_here = {by_id[m]["group"] for m in members}
        if len(members) > 1 and len(groups_here) == 1 and next(iter(groups_here)) in members:
            first_n += 1
            first_ok += index.first_publisher(gid) == next(iter(groups_here))
    return {
        "docs": len(docs),
        "true_groups": len(set(truth.values())),
        "pred_groups": len(groups),
        "source_duplicate_originals": n_source_dups,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "precision_raw_truth": round(raw_precision, 4),
        "recall_raw_truth": round(raw_recall, 4),
        "false_pairs_same_class": same_class,
        "false_pairs_cross_class": cross_class,
        "recall_by_kind": {k: round(kind_hit[k] / kind_total[k], 4) for k in sorted(kind_total)},
        "false_pairs_by_kinds": dict(false_by_kinds.most_common()),
        "first_publisher_accuracy": round(first_ok / first_n, 4) if first_n else None,
        "seconds": round(t["seconds"], 3),
        "docs_per_s": round(len(docs) / t["seconds"], 1) if t["seconds"] else None,
    }


def _print_result(result: dict[str, Any]) -> None:
    print(
        f"  docs {result['docs']}, true groups {result['true_groups']}, predicted groups {result['pred_groups']}"
    )
    if result["source_duplicate_originals"]:
        print(
            f"  {result['source_duplicate_originals']} originals are verbatim reprints of another original in the "
            f"source data (>= {SOURCE_DUP_CONTAINMENT:.0%} contained or Jaccard >= {SOURCE_DUP_JACCARD}): "
            "the truth puts them in one group"
        )
        print(
            f"    against the uncorrected truth: precision {result['precision_raw_truth']:.4f} "
            f"recall {result['recall_raw_truth']:.4f}"
        )
    print(
        f"  pairwise precision {result['precision']:.4f}  recall {result['recall']:.4f}  f1 {result['f1']:.4f}"
    )
    print(
        f"  false pairs: same class {result['false_pairs_same_class']}, "
        f"other class {result['false_pairs_cross_class']}"
        + (
            "; by kinds " + ", ".join(f"{k} {v}" for k, v in list(result["false_pairs_by_kinds"].items())[:6])
            if result["false_pairs_by_kinds"]
            else ""
        )
    )
    if result["recall_by_kind"]:
        print(
            "  grouped with their original: "
            + ", ".join(f"{k} {v:.3f}" for k, v in result["recall_by_kind"].items())
        )
    if result["first_publisher_accuracy"] is not None:
        print(f"  first publisher = original in {result['first_publisher_accuracy']:.3f} of pure groups")
    print(f"  {result['docs_per_s']} docs/s ({result['seconds']} s)")


def main(argv: list[str] | None = None) -> int:
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="CSV with id,group,text[,title,published_at]")
    parser.add_argument("--seed", type=int, default=SEED, help="seed for generated variants")
    parser.add_argument("--ood-seed", type=int, default=OOD_SEED, help="seed for the out-of-domain patterns")
    parser.add_argument(
        "--ood-seeds",
        type=int,
        default=1,
        help="also run this many more seeds (N, N+1, …) and print mean and min",
    )
    args = parser.parse_args(argv)
    if args.data:
        docs = read_csv(args.data)
        result = evaluate(docs, merge_source_duplicates=False)
        print(f"data: {args.data.name}")
        _print_result(result)
        emit(result, args.json)
        return 0
    topics = shared_data_dir() / "topics"
    path = topics / "thucnews_cnews_1000.csv"
    if not path.is_file():
        print(f"shared data not found: {path}", file=sys.stderr)
        return 2
    ood_docs = build_out_of_domain(topics, args.ood_seed)
    ood = evaluate(ood_docs, original_kinds={"original"})
    print(
        f"out of domain: patterns written apart from the algorithm (bench.reprint_patterns, seed {args.ood_seed}) "
        "on CEC, THUCNews and nlpcc2017: templated releases of different offices, re-edits, lead-only "
        "excerpts, headline-only copies, unrelated headlines"
    )
    _print_result(ood)
    if args.ood_seeds > 1:
        runs = [
            evaluate(build_out_of_domain(topics, args.ood_seed + k), original_kinds={"original"})
            for k in range(1, args.ood_seeds + 1)
        ]
        ps, rs = [r["precision"] for r in runs], [r["recall"] for r in runs]
        ood["seeds"] = {"n": len(runs), "precision_mean": round(sum(ps) / len(ps), 4),
                        "precision_min": min(ps), "recall_mean": round(sum(rs) / len(rs), 4), "recall_min": min(rs)}  # fmt: skip
        print(
            f"  over {len(runs)} more seeds: precision mean {ood['seeds']['precision_mean']:.4f} (min "
            f"{ood['seeds']['precision_min']:.4f}), recall mean {ood['seeds']['recall_mean']:.4f} (min "
            f"{ood['seeds']['recall_min']:.4f})"
        )
    result = evaluate(build_thucnews(path, args.seed))
    print(f"in domain: thucnews_cnews_1000 + generated reprints (seed {args.seed})")
    _print_result(result)
    result["out_of_domain"] = ood
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
