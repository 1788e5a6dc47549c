"""Sentiment target: is a text about the audit office itself, about an audited body's findings, or neither —
and does it criticise the office?

Rule-based and structural (few rules, each about *who does what* in a sentence, not phrases fitted to
examples), following the labelling guidelines of ../shared/data/target/README.md:

- Every mention of 审计 is first classed: a private or corporate audit (会计师事务所, 四大, 上市, 未经审计,
  内部审计, 税务审计 ...), a name (审计学院, 审计学 ...) or one item in a list of supervision channels
  (巡视、巡察、审计监督 ...) is not the audit institution.  A text whose every mention is such is ``other``.
- Criticism of the office (``office``, ``criticises_office``): the office is the *subject* of a negative
  predicate (审计局长受贿, 审计署党组…存在薄弱环节, 审计走过场), with no finder verb, directive or
  prohibition between them; a rhetorical question aimed at the office or its work (审计机关的整改监督是不是
  形同虚设？); sarcasm or abuse aimed at it (真不愧是审计厅的…); open doubt or complaint (质疑审计局, 对审计
  结论不服); complaints about being audited too often (层层审计, 迎审负担).  Everyday Weibo forms are
  covered by the same structures: incompetence or concealment as the predicate (审计部门瞒报, …没有任何
  回应), a challenge to its function (…究竟想搞什么？ …还有必要存在吗？ 你们的担当呢？), an evaluative word
  right before it (太无能了这个审计局).  A condition before the office (如果审计部门不作为…) claims nothing.  Criticism wins over findings,
  because that is what the press office must answer first.
- The office as *finder* (审计发现 / 查出 / 指出 / 揭露, 经审计, 审计报告显示, 被审计单位, 审计查出问题的整改)
  or as investigator of someone (审计署…调查…, 请审计部门彻查…) makes the target the ``audited`` body.
- Otherwise a mention of the institution or of its work, mandate, law or reform (审计机关要…, 审计工作,
  审计监督, 审计法, 审计制度 ...) is ``office`` (neutral); a bare mention of auditing is ``other``.
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
    "审计委员会办公室",
    "审计工作人员",
    "审计特派办",
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
    "审计办",
    "特派办",
)
_OFFICE = "|".join(re.escape(t) for t in OFFICE_TERMS)
OFFICE_RE = re.compile(_OFFICE)
# The institution's work, mandate and rules: "审计" with one of these is about the office (not a name).
_WORK = (
    r"审计(?:工作|监督|制度|体系|法|职能|职责|范围|力度|结果|报告|公告|整改|全覆盖|独立性|公信力|改革|计划|"
    r"项目|业务|规定|条例|准则|质量|意见|署|厅|局|机关|人员|干部|部门|长|组)"
)
WORK_RE = re.compile(_WORK)

# Mentions of 审计 that are not the audit institution: private / corporate / internal / tax / IT audit,
# names (schools, disciplines, professions).  Looked for in a window around each mention.
PRIVATE_RE = re.compile(
    r"会计师事务所|事务所|四大|注册会计师|会计师|上市|未经审计|经审计的财务|财务报表|年报|内部审计|内审|税务审计|"
    r"安全审计|日志审计|审计日志|代码审计|合规审计|审计费|审计师|审计门槛|审计环境|会计制度|基金会|合伙人|审计机构"
)
NAME_RE = re.compile(r"审计(?:学院|大学|学校|学会|学(?!习)|专业|大全|人才|从业人员|行业)|会计审计")
# Other supervision channels: 审计 listed among them (纪检监察、巡视巡察、审计监督 …) is mentioned in passing.
CHANNELS = (
    r"巡视|巡察|纪检|监察|纪律|组织|人大|民主|行政|司法|财会|统计|群众|舆论|信访|政法|公安|财政|卫健|督查|"
    r"调查研究|专项检查|监管"
)
_CHANNEL_RE = re.compile(CHANNELS)
_LIST_SEP = "、和与及"

# Negative predicates that, with the office as subject, make the office the target of criticism.
OFFICE_NEGATIVE = (
    r"受贿|索贿|行贿|贪污|挪用公款|失职|渎职|以审谋私|徇私|包庇|吃拿卡要|收受|吃请|宴请"
    r"|被(?:查|调查|立案|通报|问责|处分|约谈|免职|撤职|开除|双开|判|起诉|诉|告|举报|投诉|质疑|曝|批|点名|追责)"
    r"|遭(?:举报|投诉|质疑|曝光|炮轰|起诉)|受到(?:党纪|政务|纪律|行政)?处分|接受(?:纪律审查|监察调查|审查调查|调查)"
    r"|落马|双开|违纪|违法|造假|弄虚作假|走过场|不作为|乱作为|慢作为|不公|偏袒|选择性|打招呼|泄露|泄密"
    r"|敷衍|放水|形同虚设|流于形式|摆设|作秀|走形式|装样子|糊弄|睁一只眼|视而不见|(?:督促|跟踪|监督)整改不力"
    r"|监督不力|获刑|被判|贪腐|腐败|违规|薄弱环节|形式主义|官僚主义|不到位|不作为|缺位|失灵|失守|不独立|不透明"
    r"|黑幕|猫腻|暗箱|吃干饭|不靠谱|靠不住|不可信|没用|无用|白审|审了也白"
    # incompetence, concealment, neglect and abuse said of the office (Weibo forms)
    r"|无能|瞒报|隐瞒|捂盖子|说瞎话|骗人|欺骗|不管不顾|监而不管|不重视|无作为|反应慢|做的差|做得差|太差|极差"
    r"|害了|该骂|不是人|不是东西|欺负|殴打|强拆|勾结|无法无天|屁用|不出面|推诿|踢皮球|扯皮|失信|丢尽|恐怖|疯了"
    r"|混乱|失措|管不了|阻止不了|狂妄|忽视|令人担忧|气到|太过了?"
    r"|(?:没有|没|毫无|未见|不见)(?:任何)?(?:对策|措施|作为|动作|反应|回应|说明|预警)"
)
_NEG_RE = re.compile(OFFICE_NEGATIVE)
# Between the office and a negative word, these make the office the finder, a giver of directives or a
# prohibition (审计机关要…对违反纪律的严肃查处; 严禁审计人员收受…), not the wrongdoer.
FINDER = (
    r"发现|查出|查明|查实|查处|指出|揭示|揭露|揭开|披露|显示|表明|移送|公告|公布|报告|通报(?!批评)|抽查|核查|检查"
    r"|调查|审查(?!调查)|称|说|介绍|强调|印发|表示|认为|要求|责令|督促|处理|纠正|追缴|对|向|将|把"
    # the office at work on a topic (…特派办深入安徽省开展义务教育薄弱环节…审计): the negative word is the topic
    r"|开展|深入|聚焦|针对|围绕|推动|推进|加强|助力|破解|补齐|排查|整治|关注|紧盯|盯住"
)
FINDER_RE = re.compile(FINDER)
DIRECTIVE_RE = re.compile(r"要|应当|应该|必须|严禁|禁止|不得|不准|防止|杜绝|严肃|坚决|确保|切实")
# A condition before the office: the negative predicate is not claimed of it.
HYPOTHETICAL_RE = re.compile(r"如果|假如|假若|倘若|要是|万一|一旦|若是")
# Rhetorical-question markers: a question with one of these aimed at the office is criticism.
RHETORICAL_RE = re.compile(
    r"是不是|难道|凭什么|何在|干什么|干嘛|干啥|有什么用|有啥用|有用吗|管用吗|可信吗|靠得住吗|去哪了|哪去了|"
    r"在哪里|在哪|睡着了|睡大觉|为什么不|为何不|怎么不|咋不|就不能|还能信|谁来审|谁来监督|谁监督|"
    # the office asked to account for itself (…究竟想搞什么？ 还有必要存在吗？ 你的执行力呢！)
    r"(?:到底|究竟)(?:在|是)?(?:干|搞|想|管不管|做了什么|有没有|为谁|有什么用)|还有必要|有必要存在|有什么脸|还有脸|能不能有点|能不能做点|怎么想的|怎么搞的|怎么回事|就这样|"
    r"这就是|何来|想搞什么|怎么会|怎么能|怎能|搞什么|什么时候才|(?:执行力|作为|担当|责任|良心|脸|钱)(?:呢|在哪)"
)
# Sarcasm and abuse markers (aimed at the office when in the same sentence as it).
SARCASM_RE = re.compile(
    r"不愧是|好一个|厉害了|呵呵|果然是|所谓的|真行|真会|真能|佩服佩服|高明|奶奶的|妈的|他妈|你妈|狗日|垃圾|"
    r"恶心|无耻|不要脸|混蛋|败类|蛀虫|活该|丢人|笑话|可笑|讽刺|"
    r"太有才|真牛|很牛|极品|太骚|佛了|傻逼|傻b|\bsb\b|狗屁|王八|土匪|人渣|TMD|特么|尼玛|\[怒\]|\[抓狂\]"
)
# An evaluative word right before the office (太狂妄了湖北审计署, 无能的审计局): abuse aimed at it.
ABUSE_BEFORE_RE = re.compile(
    r"(?:狂妄|无能|无耻|可耻|可恶|恶心|垃圾|无良|黑心|昏庸|失职|不作为|乱作为|混乱)(?:了|的)?[^，,。；;！!？?\s]{0,4}?(?:"
    + _OFFICE
    + r")"
)
# Open doubt or complaint about the office or its conclusions.
DOUBT_RE = re.compile(
    r"(?:质疑|举报|投诉|起诉|状告|炮轰|不服|不认可|不满|吐槽|怒斥|痛批)(?:了)?(?:县|市|区|省)?(?:审计|"
    + _OFFICE
    + r")"
    r"|对(?:县|市|区|省)?(?:"
    + _OFFICE
    + r"|审计)[^，,。；;！!？?\s]{0,8}?(?:不服|不满|有异议|质疑|失望|绝望)"
    r"|审计(?:工作|结果|结论|报告)?(?:走过场|流于形式|不公正?|造假|放水|失职|腐败|黑幕|猫腻|不透明|选择性)"
)
# Complaints about being audited too often (the guideline counts them as criticism of the office).
OVER_AUDIT_RE = re.compile(
    r"(?:审计|检查|迎审|迎检)(?:太多|太频繁|过多|过频|频繁|不断|没完没了|一个接一个|扎堆)"
    r"|(?:频繁|反复|重复|多头|层层|年年|月月|天天|三天两头|没完没了)(?:的)?(?:审计|迎审|迎检)"
    r"|被审(?:怕|烦|麻木)|审计扰民|迎审(?:负担|压力)|疲于(?:迎审|应付审计)"
)
# What an audit finding is usually about (wrongdoing of the audited body).
_WRONG = (
    r"挪用|违规|虚报|套取|侵占|骗取|闲置|浪费|损失|违法|违纪|超标|截留|滞留|欠缴|虚增|造假|少缴|多计|未按|未及时"
    r"|整改不力|问题|资金|乱收费|超额|冒领|私设|小金库|偷逃|瞒报|下落不明|腐败"
)
WRONGDOING_RE = re.compile(_WRONG)
# The office investigating (or asked to investigate) someone: the target is that body.
_INVESTIGATE = (
    r"(?:审计|" + _OFFICE + r")[^。；;！!？?]{0,12}?(?:彻查|追查|清查|审审|查一查|查查|调查(?!研究))"
)
INVESTIGATE_RE = re.compile(_INVESTIGATE)
# Audit findings: the office (or "审计" as an activity) as the finder; or the office investigating someone.
AUDIT_FINDING_RE = re.compile(
    r"(?:审计|"
    + _OFFICE
    + r")[^，,。；;！!？?]{0,8}?(?:发现|查出|查明|查实|指出|揭示|揭开|揭露|披露|显示|表明|移送|曝光|反馈)"
    r"|经(?:过)?审计|审计(?:署|厅|局)?(?:公告|通报|公布|点名|报告)?[：:](?=[^。；;！!？?]*(?:"
    + _WRONG
    + r"))"
    r"|被审计(?:单位|对象|企业|部门|地区|领导干部)|审计整改|审计查处|" + _INVESTIGATE
)
# A law, regulation or directive about audit (《…审计…》): the office's mandate.
DOCUMENT_RE = re.compile(r"《[^》]{0,40}审计[^》]{0,40}》")
# Directives to audit bodies (审计机关要…, 严禁审计人员…): the office's mandate, not a finding.
DIRECTIVE_TO_OFFICE_RE = re.compile(
    rf"(?:严禁|禁止|不得|不准|要求|督促)(?:{_OFFICE})|(?:{_OFFICE})(?:要|应当|应该|必须|不得|须|将)"
)
# 审计 as the subject of a sentence (审计是…, 审计促进…): the institution's work.
SUBJECT_RE = re.compile(r"(?:^|[。；;！!？?：:\n])\s*审计(?!查出|发现|指出)")
# Praise or thanks in the text (not negated: 不支持 is no praise): a negative tone is then the model misreading
# it (真是太辛苦了), not criticism.
PRAISE_RE = re.compile(
    r"(?<![不没未别无])(?<!没人)(?<!无人)(?<!没有)(?:辛苦|好样的|点赞|感谢|谢谢|致敬|敬礼|称赞|表扬|赞扬|给力|负责任|认真负责|为民|为人民|好评|佩服|敬佩|感动|了不起|"
    r"加油|支持|靠谱|尽职|尽责|(?:都|人人|个个|纷纷|连连)(?:说好|叫好|称好|夸)|\[赞\]|\[心\]|\[good\])"
)
# The tone model's negative probability from which a text whose subject is the office is criticism.
NEGATIVE_TONE_MIN = 0.7
_SENTENCE_RE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]*")
_AUDIT_RE = re.compile(r"审计|特派办")
_WINDOW = 10


@dataclass(frozen=True)
class TargetResult:
    """Whom a text's sentiment is about: a target (config.vocabulary.TARGETS), a Chinese reason, the terms
    that fired, and whether the text criticises the audit office (then the target is ``office``)."""

    target: str
    reason: str
    terms: tuple[str, ...]
    criticises_office: bool = False
    # about the office, not criticism, with praise or thanks in the text (PRAISE_RE): a negative tone is the
    # model misreading it, so the document is not stored negative (analysis.opinion.documents)
    praises_office: bool = False

    @property
    def target_zh(self) -> str:
        return TARGET_LABELS[self.target]


def _mention_kind(text: str, start: int, end: int) -> str:
    """``private``, ``name``, ``listed`` or ``office`` for the mention text[start:end] of 审计.  A text
    about private or corporate audit that never names the institution has only private mentions."""
    window = text[max(0, start - _WINDOW) : end + _WINDOW]
    named = OFFICE_RE.match(text, start)
    if NAME_RE.match(text, max(0, start - 2)) or NAME_RE.match(text, start):
        return "name"
    if not named and (PRIVATE_RE.search(window) or (PRIVATE_RE.search(text) and not OFFICE_RE.search(text))):
        return "private"
    if named and text[named.end() : named.end() + 1] == "等":
        return "listed"  # 审计署等50个单位
    if not named:
        # one item of an enumeration of supervision channels: a list separator next to the mention and a
        # channel word on the same side
        before = text[max(0, start - _WINDOW) : start]
        after = text[end : end + _WINDOW]
        sep_before = before.rstrip("监督")[-1:] in _LIST_SEP or re.search(r"[、]\S{0,4}$", before)
        sep_after = re.match(r"(?:监督|整改|监督发现)?[、和与及等]", after)
        if (sep_before and _CHANNEL_RE.search(before)) or (sep_after and _CHANNEL_RE.search(after)):
            return "listed"
    return "office"


def _institutional_mentions(text: str) -> list[re.Match]:
    return [m for m in _AUDIT_RE.finditer(text) if _mention_kind(text, m.start(), m.end()) == "office"]


def _office_as_negative_subject(sentence: str) -> tuple[str, str] | None:
    """(office mention, negative predicate) when the office (a named institution, or 审计 with its work)
    is the subject of a negative predicate in one clause, with no finder verb, directive or prohibition
    between them and no 被 before the office (被审计局… means the office acts on someone else)."""
    for m in re.finditer(rf"{_OFFICE}|{_WORK}|审计", sentence):
        if _mention_kind(sentence, m.start(), m.end()) != "office":
            continue
        if sentence[max(0, m.start() - 1) : m.start()] == "被":
            continue
        tail = sentence[m.end() : m.end() + 16]
        clause = re.split(r"[，,：:]", tail, maxsplit=1)[0]
        neg = _NEG_RE.search(clause)
        if neg is None:
            continue
        between = clause[: neg.start()]
        if FINDER_RE.search(between) or DIRECTIVE_RE.search(between):
            continue
        if DIRECTIVE_RE.search(sentence[max(0, m.start() - 4) : m.start()]):
            continue  # 严禁审计人员收受…, 要防止审计人员…
        if HYPOTHETICAL_RE.search(sentence[max(0, m.start() - 8) : m.start()]):
            continue  # 如果你的当地审计部门不作为…: a condition, not a claim
        return m.group(0), neg.group(0)
    return None


# Before the office, these make it an object, a complement or a source (对审计局…, 请审计部门…, 据审计署…).
_NOT_SUBJECT_RE = re.compile(r"[被对向给据请让求找和与跟同在到从由把将及、]$")


def _office_as_subject(text: str) -> str | None:
    """The named office (审计局, 审计人员 …) when it is the subject or the addressee of a sentence that is
    not a finding, a directive to audit bodies or a condition: what a negative tone is then aimed at."""
    for sm in _SENTENCE_RE.finditer(text):
        sentence = sm.group(0)
        if AUDIT_FINDING_RE.search(sentence) or DIRECTIVE_TO_OFFICE_RE.search(sentence):
            continue
        for m in OFFICE_RE.finditer(sentence):
            if _mention_kind(sentence, m.start(), m.end()) != "office":
                continue
            before = sentence[max(0, m.start() - 6) : m.start()]
            if _NOT_SUBJECT_RE.search(
                re.sub(r"(?:省|市|县|区|州|乡|镇|当地|各级|我们|你们|这个|那个|的)+$", "", before)
            ):
                continue
            if HYPOTHETICAL_RE.search(sentence[: m.start()]) or DIRECTIVE_RE.search(before[-4:]):
                continue
            tail = sentence[m.end() : m.end() + 12]
            if FINDER_RE.match(tail) or re.match(r"[：:]", tail):
                continue  # 审计署表示…, 审计局：…  (the office speaking or reporting)
            return m.group(0)
    return None


def _criticism(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(Chinese reason, terms) when the text criticises the audit office; see the module doc.  Mentions are
    classed in the whole text (a comment on 四大's audit quality stays private in its second sentence)."""
    institutional = [m.start() for m in _institutional_mentions(text)]
    for sm in _SENTENCE_RE.finditer(text):
        sentence = sm.group(0)
        mentions = [m for m in _institutional_mentions(sentence) if sm.start() + m.start() in institutional]
        if not mentions:
            continue
        office = mentions[0].group(0)
        named = OFFICE_RE.search(sentence) or WORK_RE.search(sentence)
        if named:
            office = named.group(0)
        hit = _office_as_negative_subject(sentence)
        if hit is not None:
            return f"审计机关作为负面行为主体：「{hit[0]}」…「{hit[1]}」", hit
        m = ABUSE_BEFORE_RE.search(sentence)
        if m is not None and not HYPOTHETICAL_RE.search(sentence[: m.start()]):
            return f"针对审计机关的负面评价：「{m.group(0)}」", (m.group(0),)
        m = DOUBT_RE.search(sentence)
        if m is not None:
            return f"对审计机关或其工作的质疑或批评：「{m.group(0)}」", (m.group(0),)
        m = OVER_AUDIT_RE.search(sentence)
        if m is not None:
            return f"抱怨审计过多过频：「{m.group(0)}」", (m.group(0),)
        finding = AUDIT_FINDING_RE.search(sentence)
        question = re.search(r"[？?]|吗|呢", sentence) is not None
        rhet = RHETORICAL_RE.search(sentence)
        if question and rhet is not None and finding is None:
            return f"针对审计机关的反问：「{office}」…「{rhet.group(0)}」", (office, rhet.group(0))
        sarcasm = SARCASM_RE.search(sentence)
        if sarcasm is not None and finding is None:
            return f"针对审计机关的讽刺或辱骂：「{office}」…「{sarcasm.group(0)}」", (
                office,
                sarcasm.group(0),
            )
    return None


def _classify(text: str, neg_proba: float | None = None) -> TargetResult | None:
    """Target of one part (title or lead); None when it does not mention audit at all."""
    if not _AUDIT_RE.search(text):
        return None
    crit = _criticism(text)
    if crit is not None:
        return TargetResult("office", crit[0], crit[1], criticises_office=True)
    # a text that reports audit findings is negative about the audited body, whoever the subject of a
    # sentence is (审计人员在核对名册时发现…): the tone says nothing about the office there
    if (neg_proba is not None and neg_proba >= NEGATIVE_TONE_MIN and not PRAISE_RE.search(text)
            and not AUDIT_FINDING_RE.search(text)):  # fmt: skip
        office = _office_as_subject(text)
        if office is not None:
            why = f"语气负面（{neg_proba:.2f}）且审计机关为主语或对象：「{office}」"
            return TargetResult("office", why, (office,), criticises_office=True)
    mentions = _institutional_mentions(text)
    if not mentions:
        first = _AUDIT_RE.search(text)
        kind = _mention_kind(text, first.start(), first.end())
        why = {
            "private": "会计师事务所、企业或内部审计",
            "name": "名称或专业",
            "listed": "与其他监督方式并列提及",
        }
        return TargetResult("other", f"「审计」为{why.get(kind, '顺带提及')}，非审计机关", (first.group(0),))
    m = DOCUMENT_RE.search(text)
    if m is not None:
        return TargetResult("office", f"关于审计的法规或文件：「{m.group(0)}」", (m.group(0),))
    m = DIRECTIVE_TO_OFFICE_RE.search(text)
    if m is not None and not INVESTIGATE_RE.search(text):
        return TargetResult("office", f"对审计机关的要求或规定：「{m.group(0)}」", (m.group(0),))
    m = AUDIT_FINDING_RE.search(text)
    if m is not None:
        wrong = WRONGDOING_RE.search(text, m.start())
        terms = (m.group(0),) + ((wrong.group(0),) if wrong else ())
        detail = f"，问题：「{wrong.group(0)}」" if wrong else ""
        return TargetResult("audited", f"审计机关作为发现者：「{m.group(0)}」{detail}，指向被审计单位", terms)
    m = OFFICE_RE.search(text) or WORK_RE.search(text) or SUBJECT_RE.search(text)
    if m is not None:
        praise = PRAISE_RE.search(text)
        why = f"关于审计机关本身或其工作：「{m.group(0)}」" + (
            f"，含褒扬「{praise.group(0)}」" if praise else ""
        )
        return TargetResult("office", why, (m.group(0),), praises_office=praise is not None)
    return TargetResult("other", "仅顺带提及「审计」", ("审计",))


def classify_target(title: str, body: str = "", neg_proba: float | None = None) -> TargetResult:
    """Target of a text's sentiment: ``office`` (the audit institution itself; ``criticises_office`` when
    the text criticises it), ``audited`` (audit findings about an audited body) or ``other``.  Criticism
    in the title or the lead of the body (first 500 characters) wins; otherwise the title decides when it
    is conclusive, then the lead.  ``neg_proba`` (the tone model's negative probability for the text, when
    the caller has it) makes a text criticism when it is at least NEGATIVE_TONE_MIN and the named office is
    the subject or addressee of a sentence that is not a finding (``_office_as_subject``)."""
    title = (title or "").strip()
    lead = (body or "").strip()[:500]
    parts = [(p, where) for p, where in ((title, "标题"), (lead, "正文")) if p]
    results = [(r, where) for p, where in parts if (r := _classify(p, neg_proba)) is not None]
    for r, where in results:
        if r.criticises_office:
            return TargetResult(r.target, f"{where}：{r.reason}", r.terms, True)
    for r, where in results:
        if r.target != "other":
            return TargetResult(r.target, f"{where}：{r.reason}", r.terms, praises_office=r.praises_office)
    if results:
        r, where = results[0]
        return TargetResult("other", f"{where}：{r.reason}", r.terms)
    return TargetResult("other", "未提及审计机关或审计工作", ())
