"""Sentiment target: is a text criticising the audit office itself, reporting audit findings about an
audited body, or neither?

Rule-based.  The audit office is recognised by a lexicon of institution and staff names (审计署, 审计厅,
审计局, 审计机关, 审计人员, 审计组 ...).  Agency decides the target: the office as the subject of a
negative predicate (审计局长受贿, 审计局被通报, 审计走过场) is ``office``; the office as the finder
(审计发现, 审计查出, 经审计, 审计报告显示, 审计署公告：…) is ``audited``.  Criticism of the office wins
over findings, because that is what the press office must answer first.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from config.vocabulary import TARGET_LABELS

logger = logging.getLogger(__name__)

# Names of the audit institution and its staff (longest first so the regex takes the full name).
OFFICE_TERMS: tuple[str, ...] = (
    "审计署特派员办事处",
    "审计特派办",
    "审计工作人员",
    "审计委员会办公室",
    "审计机关",
    "审计人员",
    "审计干部",
    "审计部门",
    "审计官员",
    "审计署",
    "审计厅",
    "审计局",
    "审计组",
    "审计长",
    "特派办",
)
_OFFICE = "|".join(re.escape(t) for t in OFFICE_TERMS)
OFFICE_RE = re.compile(_OFFICE)

# Independent auditors (会计师事务所) are not the audit institution.
PRIVATE_AUDITOR_RE = re.compile(r"会计师事务所|事务所|注册会计师|内审部门|内部审计部")

# Negative predicates that, with the office as subject, make the office the target.
OFFICE_NEGATIVE = (
    r"受贿|索贿|行贿|贪污|挪用公款|失职|渎职|以审谋私|徇私|包庇|吃拿卡要|收受|吃请|宴请"
    r"|被(?:查|调查|立案|通报|问责|处分|约谈|免职|撤职|开除|双开|判|起诉|诉|告|举报|投诉|质疑|曝|批|点名|追责)"
    r"|遭(?:举报|投诉|质疑|曝光|炮轰|起诉)|受到(?:党纪|政务|纪律|行政)?处分|接受(?:纪律审查|监察调查|审查调查|调查)"
    r"|落马|双开|违纪|违法|造假|弄虚作假|走过场|不作为|乱作为|不公|偏袒|选择性|打招呼|泄露|泄密"
    r"|敷衍|放水|形同虚设|流于形式|(?:督促|跟踪|监督)整改不力|监督不力|获刑|一审|被判|贪腐|腐败|违规"
)
# Cues that the office is the finder / announcer (its findings are about someone else).
FINDER = (
    r"发现|查出|查明|查实|查处|指出|揭示|揭开|披露|显示|表明|移送|公告|公布|报告|通报(?!批评)|抽查|核查|检查"
    r"|：|:|称|表示|认为|要求|责令|督促"
)
OFFICE_SUBJECT_RE = re.compile(
    rf"(?P<office>{_OFFICE})(?:[^，,。；;！!？?\s：:]{{0,12}}?)(?P<neg>{OFFICE_NEGATIVE})"
)
FINDER_RE = re.compile(FINDER)
# Criticism of "审计" itself (without a named institution): fairness, formality, fraud.
AUDIT_CRITICISM_RE = re.compile(
    r"审计(?:工作|结果|结论|报告)?(?:走过场|流于形式|不公正?|造假|放水|失职|腐败|黑幕|猫腻|不透明|选择性)"
    r"|(?:质疑|举报|投诉|起诉|状告|炮轰|不服|不认可)(?:了)?(?:县|市|区|省)?(?:审计|" + _OFFICE + r")"
    r"|对(?:" + _OFFICE + r"|审计)[^，,。；;！!？?\s]{0,8}?(?:不服|不满|有异议|质疑)"
    r"|(?:"
    + _OFFICE
    + r")(?:原|前)?(?:党组)?(?:书记|厅长|局长|副局长|副厅长|处长|科长|主任|审计长|副审计长|干部)"
    r"[^，,。；;！!？?\s]{0,6}?(?:被查|落马|受贿|接受|被双开|双开|被开除|获刑|被判|违纪)"
)
# Audit findings: the office (or "审计" as an activity) as the finder.
AUDIT_FINDING_RE = re.compile(
    r"审计(?:署|厅|局|机关|组|人员|工作报告|报告|结果|公告)?(?:调查)?(?:发现|查出|查明|查实|指出|揭示|揭开|披露|显示|表明|移送|曝光)"
    r"|经(?:过)?审计|审计(?:署|厅|局)?(?:公告|通报|公布|点名|报告)[：:]?"
    r"|被审计(?:单位|对象|企业|部门)?|审计(?:署|厅|局)?[：:]|审计整改|审计查处|离任审计|经济责任审计|专项审计"
)
# What an audit finding is usually about (wrongdoing of the audited body).
WRONGDOING_RE = re.compile(
    r"挪用|违规|虚报|套取|侵占|骗取|闲置|浪费|损失|违法|违纪|超标|截留|滞留|欠缴|虚增|造假|少缴|多计|未按|未及时"
    r"|整改不力|问题|资金|乱收费|超额|冒领|私设|小金库|偷逃|瞒报"
)
_CLAUSE_SPLIT_RE = re.compile(r"[。；;！!？?\n]")


@dataclass(frozen=True)
class TargetResult:
    """Whom a text's sentiment is about: a target (config.vocabulary.TARGETS), a Chinese reason, the terms
    that fired."""

    target: str
    reason: str
    terms: tuple[str, ...]

    @property
    def target_zh(self) -> str:
        return TARGET_LABELS[self.target]


def _office_as_negative_subject(text: str) -> tuple[str, str] | None:
    """(office term, negative predicate) when the office is the subject of a negative predicate
    in one clause and no finder cue stands between them."""
    for clause in _CLAUSE_SPLIT_RE.split(text):
        for m in OFFICE_SUBJECT_RE.finditer(clause):
            between = m.group(0)[len(m.group("office")) : m.start("neg") - m.start()]
            if FINDER_RE.search(between):
                continue
            before = clause[max(0, m.start() - 2) : m.start()]
            if before.endswith("被"):  # 被审计局…: the office acts on someone else
                continue
            if m.group("neg") in ("违规", "违法", "违纪", "造假") and FINDER_RE.search(clause[: m.start()]):
                continue  # "…审计发现…审计组…违规" style: the office is reporting
            return m.group("office"), m.group("neg")
    return None


def _classify(text: str) -> TargetResult | None:
    hit = _office_as_negative_subject(text)
    if hit is not None:
        office, neg = hit
        return TargetResult("office", f"审计机关作为负面行为主体：「{office}」…「{neg}」", (office, neg))
    m = AUDIT_CRITICISM_RE.search(text)
    if m is not None:
        return TargetResult("office", f"对审计机关或其工作的批评：「{m.group(0)}」", (m.group(0),))
    m = AUDIT_FINDING_RE.search(text)
    if m is not None:
        wrong = WRONGDOING_RE.search(text, m.start())
        terms = (m.group(0),) + ((wrong.group(0),) if wrong else ())
        detail = f"，问题：「{wrong.group(0)}」" if wrong else ""
        return TargetResult("audited", f"审计机关作为发现者：「{m.group(0)}」{detail}，指向被审计单位", terms)
    return None


def classify_target(title: str, body: str = "") -> TargetResult:
    """Target of a text's sentiment: ``office`` (criticism of the audit institution itself),
    ``audited`` (audit findings about an audited body) or ``other``.  The title decides when it
    is conclusive; otherwise the lead of the body (first 500 characters) is read."""
    title = (title or "").strip()
    lead = (body or "").strip()[:500]
    for part, where in ((title, "标题"), (lead, "正文")):
        if not part:
            continue
        if PRIVATE_AUDITOR_RE.search(part) and not OFFICE_RE.search(part):
            continue
        result = _classify(part)
        if result is not None:
            return TargetResult(result.target, f"{where}：{result.reason}", result.terms)
    mentioned = OFFICE_RE.search(f"{title} {lead}") or re.search(r"审计", f"{title} {lead}")
    if mentioned:
        return TargetResult(
            "other", f"提及「{mentioned.group(0)}」，但既非批评审计机关也非审计发现", (mentioned.group(0),)
        )
    return TargetResult("other", "未提及审计机关或审计工作", ())
