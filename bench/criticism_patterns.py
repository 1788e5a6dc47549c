"""Out-of-domain criticism patterns for bench.sentiment: real Weibo posts and news headlines about *other*
oversight and administrative institutions, with the institution replaced by an audit-office mention.

Nobody on this project wrote these texts, and the selection and labelling rule below was written before
the target rules (analysis.target) were run on any of them; it uses nothing from analysis.*.

Selection (``select``):

* Sources: the labelled sets in ../shared/data/sentiment whose text is Weibo or news (``SOURCES``), read
  in place.  The topic sets carry no polarity and are not used.
* A row is kept when its text (at most ``MAX_CHARS`` characters, no 审计 already) names exactly one kind
  of institution from ``INSTITUTIONS`` (政府, 卫健委, 红十字会, 监管部门, 纪委, 有关部门, 官方, 专家组 ...),
  excluding uses that are not the institution acting (政府工作报告, 官方微博, 无政府 ...: ``NOT_ACTING``).
* Every occurrence of that institution becomes one audit-office mention, rotated by the md5 of the text
  over ``MENTIONS`` (after a place word such as 市/县 only the local forms 审计局 / 审计机关 / 审计部门).

Label (``label``):

* ``criticism``: the source row is negative and the institution is the grammatical target: it is not the
  source of a report (据…通报, …发布/公布/通报) nor the agent acting on someone else (…查处/调查/处罚/
  通报/问责/责令/约谈/立案/打击/辟谣 … someone, ``AGENT_RE``).
* ``no`` otherwise: positive and neutral rows, and negative rows where the institution reports or acts on
  someone else (审计署查出某县挪用资金 is about the audited).
* ``form`` of a criticism row (for the misses): ``rhetorical`` (a question: ？/? or 吗/呢/难道/凭什么),
  ``sarcasm`` (呵呵, 真是, 好一个, 厉害, 不愧, [嘻嘻] / [哈哈] on a negative row ...), ``direct`` (an
  accusation word: 腐败, 不作为, 失职, 无能 ...) or ``other``.
* ``half``: md5 parity of the row id, fixed before any figure was looked at: half 0 is for developing the
  rules, half 1 is only reported.

``python -m bench.criticism_patterns [--out CSV]`` writes the rows (columns of the target gold file plus
``source``, ``polarity``, ``form``, ``half``) for ``bench.sentiment --target-data``; by default it only
prints counts.  When the data is absent it says so and generates nothing.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
# (file under sentiment/, short name): real Weibo posts and news headlines with a polarity column.
SOURCES = (
    ("covid19_weibo_emotion7.csv", "covid19"),
    ("smp2020_ewect_virus.csv", "smp2020_virus"),
    ("smp2020_ewect_usual_train.csv", "smp2020_usual"),
    ("weibo2018_dengxiuqi.csv", "weibo2018"),
    ("nlpcc2013_weibo_emotion_test_sentences.csv", "nlpcc2013"),
    ("weibo_senti_100k_subset2400.csv", "weibo_senti"),
    ("bdci2019_news_sentiment.csv", "bdci2019"),
)
MAX_CHARS = 160
# Oversight and administrative institutions, longest first within a family.
INSTITUTIONS = (
    "政府部门", "市政府", "省政府", "县政府", "区政府", "地方政府", "当地政府", "政府",
    "卫生健康委员会", "卫健委", "卫生部", "卫生局", "疾控中心", "红十字会",
    "监管部门", "主管部门", "有关部门", "相关部门", "职能部门",
    "纪检委", "纪委", "监察委", "官方", "专家组",
    "药监局", "食药监", "市场监管局", "质检总局", "质监局", "工商局", "环保局", "统计局", "证监会", "银监会",
    "教育局", "住建局", "城管",
)  # fmt: skip
_INST_RE = re.compile("|".join(re.escape(t) for t in INSTITUTIONS))
# Uses that are not the institution acting.
NOT_ACTING = re.compile(
    r"(?:无|非|反)政府|政府(?:工作报告|采购|补贴|补助|债|投资|官网|网站|网|引导|主导|性|间|首脑|军)"
    r"|官方(?:微博|网站|网|旗舰店|账号|帐号|APP|app|商城|版|店|客服|渠道|认证|正版|授权|售价|价格|数据|统计)"
)
MENTIONS = ("审计署", "审计局", "审计机关", "审计部门", "审计人员")
LOCAL_MENTIONS = ("审计局", "审计机关", "审计部门")
_PLACE = "省市县区州镇乡"
# The institution as the source of a report or the agent acting on someone else.
AGENT_RE = re.compile(
    r"据(?:MENTION)|(?:MENTION)[^，,。！!？?]{0,6}?(?:发布|公布|通报|通告|公告|宣布|表示|称|回应|证实|确认|提醒|呼吁|"
    r"查处|调查|处罚|罚款|责令|约谈|问责|立案|打击|取缔|查封|抓获|逮捕|辟谣|查出|发现|严惩|整治|处理|追责|开除|"
    r"免职|撤职|督查|检查|要求|已经介入|介入)"
)
_QUESTION_RE = re.compile(r"[？?]|吗|呢[。！!…]*$|难道|凭什么|是不是|有没有|怎么")
_SARCASM_RE = re.compile(
    r"呵呵|真是|好一个|厉害|不愧|佩服|真行|真棒|高明|\[嘻嘻\]|\[哈哈\]|\[偷笑\]|\[鼓掌\]|太好了"
)
_DIRECT_RE = re.compile(
    r"腐败|贪|不作为|乱作为|失职|渎职|无能|垃圾|骗|黑|无耻|不要脸|推诿|敷衍|隐瞒|瞒报|失信|公信力|罪|滚|恶心|"
    r"混蛋|败类|官僚|形式主义|不管|没人管|拖延|失望|愤怒|可耻"
)


def _digest(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def substitute(text: str, term: str) -> str:
    """Every occurrence of ``term`` replaced by one audit-office mention chosen by the text's md5; "" when
    one use is not the institution acting (政府工作报告, 官方微博 ...)."""
    spans = [m.start() for m in re.finditer(re.escape(term), text)]
    if any(NOT_ACTING.match(text, max(0, s - 1)) or NOT_ACTING.match(text, s) for s in spans):
        return ""
    local = term in ("市政府", "省政府", "县政府", "区政府", "当地政府", "地方政府") or any(
        s and text[s - 1] in _PLACE for s in spans
    )
    pool = LOCAL_MENTIONS if local else MENTIONS
    mention = pool[int(_digest(text), 16) % len(pool)]
    if term in ("当地政府", "地方政府"):
        mention = "当地" + mention
    elif term[0] in _PLACE:
        mention = term[0] + mention
    return mention.join(text.split(term))


def label(text: str, polarity: str) -> tuple[str, str]:
    """(criticises_office yes/no, form) for a substituted text; see the module doc."""
    if polarity != "neg":
        return "no", ""
    agent = re.compile(AGENT_RE.pattern.replace("MENTION", "|".join(MENTIONS)))
    if agent.search(text):
        return "no", ""
    return "yes", form_of(text)


def form_of(text: str) -> str:
    """The form of a criticism: rhetorical / sarcasm / direct / other (see the module doc)."""
    if _QUESTION_RE.search(text):
        return "rhetorical"
    if _SARCASM_RE.search(text):
        return "sarcasm"
    if _DIRECT_RE.search(text):
        return "direct"
    return "other"


def select(data_dir: Path = DEFAULT_DATA_DIR) -> list[dict[str, Any]]:
    """The generated rows (deterministic; duplicates of one substituted text kept once)."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for fname, short in SOURCES:
        path = data_dir / "sentiment" / fname
        if not path.is_file():
            continue
        for rec in _read(path):
            text = re.sub(r"\s+", " ", (rec.get("text") or "")).strip()
            polarity = (rec.get("polarity") or "").strip()
            if not text or len(text) > MAX_CHARS or "审计" in text or polarity not in ("pos", "neu", "neg"):
                continue
            kinds = {m.group(0) for m in _INST_RE.finditer(text)}
            if len(kinds) != 1:
                continue
            new = substitute(text, kinds.pop())
            if not new or new in seen:
                continue
            seen.add(new)
            crit, form = label(new, polarity)
            row_id = _digest(new)[:12]
            rows.append(
                {
                    "id": row_id,
                    "text": new,
                    "target": "office",
                    "polarity": polarity,
                    "criticises_office": crit,
                    "form": form,
                    "kind": "headline" if short == "bdci2019" else "post",
                    "source": short,
                    "half": int(row_id, 16) % 2,
                    "original": text,  # kept in memory only (bench.sentiment: was the tone model trained on it?)
                }
            )
    return apply_hand_check(rows)


# The hand check (written before analysis.target was run on these rows): 60 rows, the lowest md5 of
# "handcheck" + id, read against the target README's guideline.  6 could not be decided and are dropped;
# the rule's label agreed on 48 of the other 54 (0.89); the 6 it got wrong are corrected here.
HAND_DROPPED = frozenset(
    {"39e8acc3112e", "b3168ec33f58", "fbb175f16866", "0cf8dbef0ee7", "33e049c8e314", "673b0ea81972"}
)
HAND_LABEL = {
    "b20ccc34dec9": "yes",  # doubt of the office's own report (…公布的12人死亡外，还有50多具尸体跑哪里去了？)
    "cdead3238672": "yes",  # 乱像之源是当地审计部门？ (a neutral row by its source label)
    "2fa70d8aedef": "no",  # the writer defends the office against its critics
    "7bfc543fb2a5": "no",  # the office is mentioned, the target is the fans
    "f1a7721cbfd7": "yes",  # 戳穿…审计部门的阴谋 (neutral by its source label)
    "7c626434308a": "yes",  # the office accused of collusion (neutral by its source label)
}


def apply_hand_check(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if r["id"] in HAND_DROPPED:
            continue
        if r["id"] in HAND_LABEL:
            r = dict(r, criticises_office=HAND_LABEL[r["id"]])
            r["form"] = form_of(r["text"]) if r["criticises_office"] == "yes" else ""
        out.append(r)
    return out


FIELDS = ("id", "text", "target", "polarity", "criticises_office", "form", "kind", "source", "half")


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.criticism_patterns", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, help="write the rows to this CSV (outside the repository)")
    args = parser.parse_args(argv)
    if not (args.data_dir / "sentiment").is_dir():
        print(f"no sentiment data under {args.data_dir}; no criticism patterns generated", file=sys.stderr)
        return 0
    rows = select(args.data_dir)
    by = {}
    for r in rows:
        key = (r["source"], r["criticises_office"], r["half"])
        by[key] = by.get(key, 0) + 1
    for key in sorted(by):
        print(*key, by[key])
    print("total", len(rows), "criticism", sum(r["criticises_office"] == "yes" for r in rows))
    if args.out:
        write_csv(rows, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
