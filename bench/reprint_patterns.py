"""Out-of-domain reprint patterns for bench.reprints: rules written apart from analysis.opinion.reprints, on
real texts from ../shared/data/topics, with a seed.

The in-domain generator (bench.reprints.make_variant) was written beside the algorithm; these patterns were
written without looking at its thresholds, and use their own sentence splitter, place list and number rule
(nothing from analysis.*):

* ``template``   releases from different offices on one boilerplate (a real CEC report or THUCNews
                 article): same wording, each office's own place, office line and figures. Every release
                 is its own group (the hard negatives); some releases get a true reprint of their own.
* ``reedit``     re-edited copies: paragraphs reordered, sentences inserted from the body of another
                 article of the same class, sentences deleted, clauses dropped (no synonyms: only cutting
                 and moving).
* ``lead``       an excerpt that is the lead paragraph only (the first 1–3 sentences, 40+ characters).
* ``headline``   a headline-only copy of a CEC report (the title, sometimes dressed with a site suffix).
* distractors    nlpcc2017 headlines and untouched THUCNews / CEC articles, each its own group.

Every document carries ``group`` (the truth), ``kind`` (the pattern) and ``label`` (the topic class).
"""

from __future__ import annotations

import csv
import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

OOD_SEED = 20251201

# Offices: (province, city, county) from the national division list, written out by hand.
OFFICES = [
    ("山东省", "临沂市", "莒南县"), ("江苏省", "徐州市", "沛县"), ("浙江省", "金华市", "义乌市"),
    ("河南省", "南阳市", "邓州市"), ("四川省", "绵阳市", "江油市"), ("湖北省", "宜昌市", "当阳市"),
    ("湖南省", "岳阳市", "华容县"), ("广东省", "湛江市", "雷州市"), ("安徽省", "阜阳市", "临泉县"),
    ("河北省", "保定市", "涿州市"), ("江西省", "赣州市", "瑞金市"), ("福建省", "泉州市", "晋江市"),
    ("陕西省", "宝鸡市", "凤翔县"), ("山西省", "运城市", "永济市"), ("云南省", "曲靖市", "宣威市"),
    ("贵州省", "遵义市", "仁怀市"), ("甘肃省", "天水市", "秦安县"), ("辽宁省", "锦州市", "凌海市"),
    ("吉林省", "四平市", "梨树县"), ("广西壮族自治区", "桂林市", "阳朔县"), ("黑龙江省", "绥化市", "海伦市"),
    ("内蒙古自治区", "赤峰市", "宁城县"), ("新疆维吾尔自治区", "昌吉回族自治州", "玛纳斯县"),
    ("海南省", "儋州市", "那大镇"),
]  # fmt: skip
OFFICE_KINDS = ["审计局", "应急管理局", "市场监督管理局", "人民政府办公室"]
OFFICE_LINES = ["{office}消息", "来源：{office}", "（{office}供稿）", "{office}发布"]
SITE_SUFFIX = ["", "", "_新浪新闻", "|网易", " - 中国新闻网", "（转）"]
FURNITURE = [
    "来源：{site}　责任编辑：{name}",
    "分享到：微信 微博",
    "（编辑：{name}）",
    "本文来自{site}，转载请注明出处。",
    "打印本页　关闭窗口",
]
SITES = ["人民网", "新华网", "澎湃新闻", "网易新闻", "今日头条", "凤凰网", "县融媒体中心", "学习强国"]
NAMES = ["王磊", "李静", "张敏", "刘强", "陈晨", "赵颖"]

_SENT = re.compile(r"[^。！？!?；;]+[。！？!?；;]?[”」’]?")
_NUM = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_FW = str.maketrans("０１２３４５６７８９．", "0123456789.")


def sentences(text: str) -> list[str]:
    """Sentences ending in 。！？; (closing quotes kept); whitespace-only pieces dropped."""
    return [s for s in (m.group(0).strip() for m in _SENT.finditer(text)) if s]


def paragraphs(text: str, rng: random.Random) -> list[str]:
    """Real paragraphs when the text has line breaks, else runs of 1–3 sentences."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) >= 3:
        return lines
    sents = sentences(text)
    out, i = [], 0
    while i < len(sents):
        n = rng.randint(1, 3)
        out.append("".join(sents[i : i + n]))
        i += n
    return out


def _new_number(tok: str, rng: random.Random) -> str:
    plain = tok.translate(_FW)
    if re.fullmatch(r"(19|20)\d\d", plain):
        return tok  # a year: offices filling one template share it
    if "." in plain:
        whole, frac = plain.split(".")
        new = f"{rng.randint(1, 10 ** len(whole) - 1)}.{rng.randint(0, 10 ** len(frac) - 1):0{len(frac)}d}"
    else:
        lo = 10 ** (len(plain) - 1) if len(plain) > 1 else 1
        new = str(rng.randint(lo, 10 ** len(plain) - 1))
        while new == plain and len(plain) > 1:
            new = str(rng.randint(lo, 10 ** len(plain) - 1))
    return new


def fill_template(text: str, office: tuple[str, str, str], kind: str, rng: random.Random) -> str:
    """One office's release: its place in the lead and the office line, its own figures throughout."""
    prov, city, county = office
    name = f"{county}{kind}"
    body = _NUM.sub(lambda m: _new_number(m.group(0), rng), text)
    paras = paragraphs(body, rng)
    if paras:
        paras[0] = f"据{prov}{city}{name}消息，近日{county}" + paras[0]
    if len(paras) > 2:
        k = rng.randrange(1, len(paras))
        paras[k] = f"{city}{county}" + paras[k]
    return "\n".join([rng.choice(OFFICE_LINES).format(office=name), *paras, f"（来源：{name}）"])


def dress(text: str, rng: random.Random, title: str | None = None) -> str:
    """A true reprint: site furniture above and below, sometimes a dressed headline."""
    lines = []
    if title:
        lines.append(title + rng.choice(SITE_SUFFIX))
    lines.append(text)
    for t in rng.sample(FURNITURE, rng.randint(1, 2)):
        lines.append(t.format(site=rng.choice(SITES), name=rng.choice(NAMES)))
    return "\n".join(lines)


def reedit(text: str, donor: str, rng: random.Random) -> tuple[str, str]:
    """Re-edited copy: returns (text, how). Cutting and moving only; insertions come from `donor`."""
    paras = paragraphs(text, rng)
    how = rng.choice(["reorder", "insert", "delete", "clauses", "mixed"])
    steps = ["reorder", "insert", "delete", "clauses"] if how == "mixed" else [how]
    if "delete" in steps:
        sents = [s for p in paras for s in sentences(p)]
        keep = [s for s in sents if rng.random() > 0.3] or sents[:1]
        paras = ["".join(keep[i : i + 2]) for i in range(0, len(keep), 2)]
    if "clauses" in steps:
        out = []
        for p in paras:
            parts = re.split(r"(?<=[，,])", p)
            if len(parts) > 2 and rng.random() < 0.5:
                del parts[rng.randrange(1, len(parts) - 1)]
            out.append("".join(parts))
        paras = out
    if "insert" in steps:
        # background sentences from the body of a longer article (not its headline or lead, which would
        # make the re-edit contain a short donor whole: then it is a copy of the donor too)
        donor_sents = sentences(donor)
        extra = donor_sents[3:] if len(donor_sents) >= 6 else []
        for _ in range(rng.randint(1, 2)):
            if extra:
                paras.insert(rng.randrange(len(paras) + 1), rng.choice(extra))
    if "reorder" in steps and len(paras) > 2:
        head, tail = paras[:1], paras[1:]
        rng.shuffle(tail)
        paras = head + tail
    return "\n".join(paras), how


def lead(text: str) -> str | None:
    """The lead paragraph: the first 1–3 sentences, once they reach 40 characters; None for short texts."""
    sents = sentences(text)
    out = ""
    for s in sents[:3]:
        out += s
        if len(out) >= 40:
            break
    return out if len(out) >= 40 and len(out) < 0.6 * len(text) else None


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_out_of_domain(topics: Path, seed: int = OOD_SEED) -> list[dict[str, Any]]:
    """Documents of every pattern above, in a shuffled arrival order (originals first in time)."""
    rng = random.Random(seed)
    thuc = _read(topics / "thucnews_cnews_1000.csv")
    cec = _read(topics / "cec_emergency_events.csv")
    heads = _read(topics / "nlpcc2017_headlines_test.csv")
    rng.shuffle(thuc)
    rng.shuffle(cec)
    base = datetime(2024, 5, 1, 8, 0)
    docs: list[dict[str, Any]] = []

    def add(doc_id: str, group: str, text: str, kind: str, label: str, t: datetime) -> None:
        docs.append(
            {"id": doc_id, "group": group, "text": text, "kind": kind, "label": label, "published_at": t}
        )

    # originals: CEC reports (title + body) and THUCNews articles
    originals = [(f"c{i}", r["title"] + "\n" + r["text"], r["label"], r["title"]) for i, r in enumerate(cec)]
    originals += [(f"t{i}", r["text"], r["label"], None) for i, r in enumerate(thuc[:400])]
    by_label: dict[str, list[str]] = {}
    for _, text, label, _ in originals:
        by_label.setdefault(label, []).append(text)
    n_template = 0
    for oid, text, label, title in originals:
        t0 = base + timedelta(hours=rng.randint(0, 24 * 30))
        roll = rng.random()
        figures = len(_NUM.findall(text))
        if roll < 0.25 and figures >= 3 and n_template < 90:
            # templated releases from 3–5 offices; the boilerplate itself is not published
            n_template += 1
            kind = rng.choice(OFFICE_KINDS)
            for j, office in enumerate(rng.sample(OFFICES, rng.randint(3, 5))):
                rid = f"{oid}r{j}"
                release = fill_template(text, office, kind, rng)
                tr = t0 + timedelta(hours=rng.randint(0, 48))
                add(rid, rid, release, "template_release", label, tr)
                if rng.random() < 0.4:
                    add(
                        f"{rid}p",
                        rid,
                        dress(release, rng),
                        "template_reprint",
                        label,
                        tr + timedelta(hours=2),
                    )
            continue
        add(oid, oid, text, "original", label, t0)
        if roll < 0.55:
            donor = rng.choice(by_label[label])
            for j in range(rng.randint(1, 2)):
                vtext, how = reedit(text, donor, rng)
                add(f"{oid}e{j}", oid, dress(vtext, rng), f"reedit_{how}", label, t0 + timedelta(hours=j + 1))
        elif roll < 0.75:
            lt = lead(text.split("\n", 1)[-1] if title else text)
            if lt:
                add(
                    f"{oid}l",
                    oid,
                    dress(lt, rng) if rng.random() < 0.5 else lt,
                    "lead",
                    label,
                    t0 + timedelta(hours=1),
                )
        elif roll < 0.95 and title:
            add(
                f"{oid}h", oid, title + rng.choice(SITE_SUFFIX), "headline", label, t0 + timedelta(minutes=30)
            )
    # distractors: unrelated headlines (some from the same classes as the articles)
    for i, r in enumerate(rng.sample(heads, 600)):
        add(
            f"n{i}",
            f"n{i}",
            r["text"],
            "distractor_headline",
            r["label"],
            base + timedelta(hours=rng.randint(0, 720)),
        )
    rng.shuffle(docs)
    docs.sort(key=lambda d: d["published_at"])  # arrival order follows publication
    return docs
