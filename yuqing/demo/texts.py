"""Write the demo corpus's Chinese texts: entity pools and topic templates, filled from a seeded RNG.

Each generator takes a `random.Random` and returns a `Story` (topic, title, alternative titles for
reprints, paragraphs). Nothing here knows about sites, URLs or dates; all text is invented for the demo.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from analysis.numerals import write_chinese

logger = logging.getLogger(__name__)

YEAR = 2026  # the year written inside texts; fixed so a document's text never changes between runs

# ------------------------------------------------------------------------------------------------ pools
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
GIVEN = (
    "建国 晓明 丽华 志强 海燕 文博 思远 雨桐 国庆 红梅 宏伟 静 磊 敏 洋 勇 婷 超 鹏 娟 涛 明 霞 刚 杰 芳 军 平 "
    "玉兰 秀英 桂芳 永刚 春生 立新 晓燕 德华 新民 振华 卫东 凤英 俊杰 子涵 欣怡 浩然 梓萱 一鸣 诗琪 家豪 宇航 "
    "晨曦 明远 若溪 嘉怡 天宇 书瑶 景行 维嘉 雪松 兴旺"
).split()

PROVINCES = [
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省",
    "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省",
    "广西壮族自治区", "宁夏回族自治区", "内蒙古自治区",
]  # fmt: skip

# (province, city, county) triples outside 临沂; the 临沂 ones are below
PLACES = [
    ("河南省", "周口市", "太康县"), ("河南省", "南阳市", "淅川县"), ("四川省", "南充市", "仪陇县"),
    ("湖南省", "邵阳市", "新邵县"), ("江西省", "赣州市", "于都县"), ("贵州省", "遵义市", "湄潭县"),
    ("甘肃省", "定西市", "通渭县"), ("云南省", "曲靖市", "会泽县"), ("安徽省", "阜阳市", "临泉县"),
    ("河北省", "保定市", "阜平县"), ("陕西省", "延安市", "延川县"), ("湖北省", "黄冈市", "红安县"),
    ("广西壮族自治区", "百色市", "凌云县"), ("山西省", "吕梁市", "岚县"), ("黑龙江省", "绥化市", "望奎县"),
    ("吉林省", "白城市", "镇赉县"), ("江苏省", "宿迁市", "泗阳县"), ("浙江省", "丽水市", "遂昌县"),
    ("福建省", "龙岩市", "长汀县"), ("广东省", "梅州市", "五华县"), ("山东省", "菏泽市", "曹县"),
    ("山东省", "潍坊市", "临朐县"), ("山东省", "聊城市", "冠县"), ("辽宁省", "朝阳市", "建平县"),
]  # fmt: skip
LINYI_COUNTIES = [
    "莒南县",
    "沂南县",
    "兰陵县",
    "费县",
    "平邑县",
    "蒙阴县",
    "沂水县",
    "临沭县",
    "郯城县",
    "兰山区",
    "罗庄区",
    "河东区",
]
JUNAN_TOWNS = [
    "十字路街道", "大店镇", "坊前镇", "板泉镇", "相沟镇", "石莲子镇", "岭泉镇", "筵宾镇", "涝坡镇", "道口镇",
    "文疃镇", "洙边镇", "团林镇", "朱芦镇", "壮岗镇", "坪上镇",
]  # fmt: skip
TEPAIBAN = [
    "京津冀",
    "太原",
    "沈阳",
    "哈尔滨",
    "上海",
    "南京",
    "武汉",
    "广州",
    "郑州",
    "西安",
    "兰州",
    "昆明",
    "成都",
    "长沙",
    "济南",
    "深圳",
    "重庆",
    "长春",
]

PROJECTS = [
    "保障性安居工程", "高标准农田建设", "农村供水保障", "城镇老旧小区改造", "职业技能提升行动",
    "义务教育薄弱环节改善与能力提升", "黄河流域生态保护和高质量发展", "重点水利工程", "农村公路建设",
    "就业补助资金", "防汛救灾资金", "普惠托育服务", "城镇燃气管道更新改造", "中小学校舍安全",
    "农村人居环境整治", "冬季清洁取暖",
]  # fmt: skip
SPECIALS = [
    "扶贫资金", "医疗保障基金", "地方政府债务", "养老保险基金", "乡村振兴资金", "住房公积金", "耕地保护",
    "粮食收购资金", "义务教育经费", "残疾人就业保障金", "农业保险保费补贴", "失业保险基金",
]  # fmt: skip
SUBSIDIES = [
    "耕地地力保护补贴", "农机购置补贴", "城乡低保金", "特困供养金", "养老保险待遇", "农村危房改造补助",
    "创业担保贷款贴息", "就业见习补贴", "高龄津贴", "残疾人两项补贴", "退耕还林补助", "生猪调出大县奖励资金",
]  # fmt: skip
BODIES = [
    "自然资源局", "人力资源和社会保障局", "医疗保障局", "住房和城乡建设局", "农业农村局", "水利局", "教育和体育局",
    "民政局", "卫生健康局", "交通运输局", "城市建设投资有限公司", "乡村振兴服务中心", "财政局", "市场监督管理局",
]  # fmt: skip
COMPANIES = [
    "鲁信科技", "华泰精工", "沂蒙食品", "齐鲁新材", "东岳装备", "黄河智能", "泰山医药", "蓝海物流", "金沂建设",
    "远航电气", "中联数据", "宏图文旅",
]  # fmt: skip
CPA_FIRMS = [
    "信达会计师事务所",
    "恒正会计师事务所",
    "中鼎联合会计师事务所",
    "华审会计师事务所",
    "沂州会计师事务所",
]
TEAMS = ["山东泰山", "青岛海牛", "临沂队", "济南队", "烟台队", "淄博队", "潍坊队", "日照队"]
FILMS = ["山海之间", "沂河往事", "春风十里", "长夜将明", "少年与海", "故乡的云", "乘风", "大地之子"]
MEDIA_NATIONAL = [
    "中国审计报",
    "新华社",
    "人民日报",
    "经济日报",
    "法治日报",
    "光明日报",
    "中国青年报",
    "央视新闻",
]
MEDIA_SHANDONG = [
    "大众日报",
    "齐鲁晚报",
    "山东广播电视台",
    "大众网",
    "临沂日报",
    "沂蒙晚报",
    "莒南县融媒体中心",
]


def name(r: random.Random) -> str:
    return r.choice(SURNAMES) + r.choice(GIVEN)


def amount(r: random.Random, big: bool = False) -> str:
    if big or r.random() < 0.4:
        return f"{r.uniform(1.1, 96.0):.2f}亿元"
    return f"{r.randint(120, 98000) / 10:.1f}万元".replace(".0万元", "万元")


def pct(r: random.Random, lo: float = 60.0, hi: float = 99.5) -> str:
    return f"{r.uniform(lo, hi):.1f}%"


def place(r: random.Random, local: bool = False) -> tuple[str, str, str]:
    """A (province, city, county) triple; `local` picks a county of 临沂 (莒南县 half the time)."""
    if local:
        return "山东省", "临沂市", "莒南县" if r.random() < 0.5 else r.choice(LINYI_COUNTIES)
    return r.choice(PLACES)


@dataclass
class Story:
    """One generated text: the topic it was written for, its title, reprint titles and paragraphs."""

    topic: str
    title: str
    paragraphs: list[str]
    alt_titles: list[str] = field(default_factory=list)
    region: str | None = None


NEUTRAL_FILLERS = [
    "据了解，相关部门将根据群众反馈持续改进服务，进一步提升市民的获得感和满意度。",
    "有关负责人表示，下一步将认真总结经验做法，完善长效机制，让更多群众从中受益。",
]
AUDIT_FILLERS = [
    "下一步，相关部门将持续跟踪问题整改进展，对整改不到位的事项逐项督办，确保问题真改实改、改彻底，"
    "并举一反三完善制度机制，从源头上防范类似问题再次发生。",
    "业内人士认为，把审计监督与纪检监察、巡视巡察、财会监督等贯通协同起来，形成监督合力，"
    "是提升财政资金使用绩效、守护群众切身利益的重要举措。",
]


def _audit_extras(r: random.Random) -> list[str]:
    """Background paragraphs any audit story may carry; numbers drawn from `r`."""
    return [
        f"据介绍，此次审计采取“总体分析、发现疑点、分散核实、系统研究”的方式，审计组共调阅凭证{r.randint(800, 9000)}册，"
        f"比对数据{r.randint(20, 900)}万条，实地走访项目点{r.randint(10, 120)}个，与{r.randint(30, 400)}名群众面对面座谈。",
        "审计中坚持边审计、边整改、边规范，对能够立即整改的问题当场移交被审计单位，"
        "对涉及体制机制的问题深入分析原因，提出有针对性的审计建议。",
        f"从近年来的审计情况看，{r.choice(SPECIALS)}领域的问题呈现出隐蔽化、链条化特征，"
        "有的通过关联企业转移资金，有的借助虚假合同套取补贴，审计难度明显加大。",
        f"为提高审计效率，审计机关搭建了数据分析平台，归集财政、社保、医保、不动产等数据{r.randint(2, 30)}亿条，"
        "通过建立分析模型快速锁定疑点，实现了“数据先行、精准核查”。",
        "“审计不仅要查问题，更要促发展。”受访专家表示，审计结果的运用是审计监督发挥作用的关键，"
        "应当把审计发现的问题与干部考核、预算安排挂钩，形成闭环。",
        f"记者注意到，今年以来，已有{r.randint(8, 27)}个省份公开了本级审计查出问题的整改情况，"
        "审计整改的公开透明程度不断提高，社会监督的作用日益凸显。",
        "被审计单位表示，对审计指出的问题照单全收，已成立由主要负责同志牵头的整改工作专班，"
        "逐项明确责任人和整改时限，整改情况将按规定向社会公开。",
    ]


def _neutral_extras(r: random.Random) -> list[str]:
    return [
        f"记者在现场看到，不少市民带着家人前来，现场秩序井然，工作人员{r.randint(30, 300)}余人分布在各个点位提供服务。",
        "不少受访群众表示，近年来身边的变化看得见、摸得着，生活越来越方便，幸福感越来越强。",
        f"相关负责人介绍，为做好保障工作，有关部门提前制定了工作方案，细化任务分工{r.randint(20, 80)}项。",
        "据悉，下一阶段还将陆续推出一系列配套活动，具体安排将通过官方平台及时发布，欢迎广大市民关注。",
    ]


def _fit(
    paragraphs: list[str],
    r: random.Random | None = None,
    lo: int = 300,
    hi: int = 1500,
    fillers: list[str] | None = None,
    extras: list[str] | None = None,
) -> list[str]:
    """Bring a body to a length between lo and hi characters: add background paragraphs up to a target
    length drawn from `r`, drop trailing ones when too long, pad with a closing paragraph when too short."""
    out = [p for p in paragraphs if p]
    if r is not None and extras:
        target = r.randint(lo + 80, min(hi, 1200))
        pool = list(extras)
        r.shuffle(pool)
        while pool and sum(len(p) for p in out) < target:
            out.insert(max(1, len(out) - 1), pool.pop())
    while len(out) > 2 and sum(len(p) for p in out) > hi:
        out.pop(-2 if len(out) > 3 else -1)
    fillers = fillers or AUDIT_FILLERS
    i = 0
    while sum(len(p) for p in out) < lo and i < len(fillers):
        out.append(fillers[i])
        i += 1
    return out


def problems(r: random.Random, k: int) -> list[str]:
    """k distinct audit findings about audited bodies, each a sentence."""
    templates = [
        lambda: f"{r.randint(2, 19)}个单位挪用{r.choice(SPECIALS)}{amount(r)}，用于弥补办公经费、偿还债务等",
        lambda: f"违规向不符合条件的{r.randint(12, 980)}人发放{r.choice(SUBSIDIES)}{amount(r)}",
        lambda: f"{r.randint(8, 460)}人虚报冒领{r.choice(SUBSIDIES)}{amount(r)}",
        lambda: f"{r.randint(3, 85)}家定点医药机构通过虚构诊疗服务、串换药品等方式骗取医保基金{amount(r)}",
        lambda: f"{r.randint(4, 60)}个项目资金闲置超过1年，涉及{amount(r)}",
        lambda: f"{r.randint(2, 11)}个地区违规举借债务或变相融资{amount(r, big=True)}，新增隐性债务风险",
        lambda: f"{r.randint(2, 24)}个地区未按规定及时拨付资金{amount(r)}，影响项目推进",
        lambda: f"{r.randint(3, 40)}个项目存在工程质量问题或未按期完工，部分已建成设施闲置",
        lambda: f"违规出借或转借专项资金{amount(r)}，{r.randint(1, 9)}笔至今未收回",
        lambda: f"{r.randint(20, 900)}名已死亡人员仍在领取养老保险待遇，涉及{amount(r)}",
        lambda: f"{r.randint(2, 15)}个单位通过虚列支出、虚开发票等方式套取资金{amount(r)}",
        lambda: (
            f"部分工程招投标不规范，{r.randint(3, 30)}个项目存在违规转包、分包问题，涉及合同金额{amount(r)}"
        ),
    ]
    picks = r.sample(range(len(templates)), k)
    return [templates[i]() for i in picks]


# ------------------------------------------------------------------------------------------------ topics
def announcement(r: random.Random, no: int) -> Story:
    """审计结果公告 as the audit office publishes it."""
    prov = r.choice(PROVINCES)
    proj = r.choice(PROJECTS)
    spec = r.choice(SPECIALS)
    n_prov = r.randint(8, 31)
    m1 = r.randint(1, 5)
    m2 = m1 + r.randint(2, 4)
    if r.random() < 0.55:
        title = f"{YEAR}年第{no}号公告：{prov}{proj}跟踪审计结果"
        subject = f"{prov}{proj}"
        alts = [
            f"审计署公布{prov}{proj}跟踪审计结果",
            f"审计署：{prov}{proj}审计发现问题已整改{pct(r, 70, 98)}",
        ]
    else:
        title = f"{YEAR}年第{no}号公告：{n_prov}个省（区、市）{spec}专项审计结果"
        subject = f"{n_prov}个省（区、市）{spec}"
        alts = [f"审计署公告{spec}专项审计结果", f"{spec}专项审计结果公布 审计署点名多地问题"]
    found = problems(r, r.randint(2, 4))
    paras = [
        f"根据《中华人民共和国审计法》的规定，审计署于{YEAR}年{m1}月至{m2}月对{subject}进行了审计，"
        f"重点抽查了{r.randint(20, 180)}个县（市、区）、{r.randint(200, 1500)}个项目，涉及资金{amount(r, big=True)}。"
        "现将审计结果公告如下：",
        f"一、基本情况。审计结果表明，有关地方和部门认真贯彻落实党中央、国务院决策部署，{proj}等任务总体推进顺利，"
        f"资金管理使用总体规范，{r.randint(60, 95)}%以上的抽查项目已按期完工并发挥效益。",
        "二、审计发现的主要问题。"
        + "；".join(f"（{write_chinese(i + 1)}）{p}" for i, p in enumerate(found))
        + "。",
        f"三、审计处理及整改情况。对审计发现的问题，审计署已依法出具审计报告、下达审计决定书，"
        f"并移送相关问题线索{r.randint(3, 40)}起。截至{YEAR}年{m2 + 1}月底，有关地方和单位已通过追回资金、"
        f"盘活存量、完善制度等方式整改问题金额{amount(r, big=True)}，制定完善规章制度{r.randint(10, 120)}项，"
        f"问责处理{r.randint(5, 160)}人。",
        "四、下一步工作。审计署将持续跟踪整改情况，对尚未整改到位的问题督促有关地方限期整改，"
        "具体整改结果由有关地方和单位自行公告。",
    ]
    return Story("announcement", title, _fit(paras, r, 500, 1500, extras=_audit_extras(r)[:3]), alts)


def rectification(r: random.Random, local: bool = False) -> Story:
    """审计整改 progress reports."""
    prov, city, county = place(r, local)
    p = pct(r, 88, 99.6)
    total = r.randint(60, 480)
    amt = amount(r, big=True)
    variant = r.randrange(4)
    if variant == 0:
        title = f"{prov}审计厅：上年度审计查出问题整改率达{p}"
        alts = [f"{prov}审计整改率达{p} 整改金额{amt}", f"{prov}晒出审计整改“成绩单”"]
        who = f"{prov}审计厅"
    elif variant == 1:
        title = f"{city}审计局以“三张清单”推动审计整改落地见效"
        alts = [f"{city}：“三张清单”让审计整改落到实处", f"{city}审计整改有了“三张清单”"]
        who = f"{city}审计局"
    elif variant == 2:
        title = f"审计整改“回头看”：{county}追回各类资金{amount(r)}"
        alts = [f"{county}开展审计整改“回头看”", f"{county}审计整改“回头看”追回资金"]
        who = f"{county}审计局"
    else:
        title = f"{city}召开审计整改工作推进会 {r.randint(12, 86)}个问题限期销号"
        alts = [f"{city}审计整改推进会要求限期销号", f"{city}部署新一轮审计整改工作"]
        who = f"{city}审计局"
    paras = [
        f"记者从{who}获悉，截至{YEAR}年{r.randint(8, 10)}月底，上年度审计工作报告反映的{total}个问题中，"
        f"已整改到位{round(total * float(p[:-1]) / 100)}个，整改率达{p}，整改问题金额{amt}。",
        f"今年以来，{who}把审计整改作为审计工作的“下半篇文章”，建立问题清单、责任清单和整改清单，"
        "实行台账管理、对账销号，对整改进度滞后的单位进行约谈提醒。",
        r.choice(
            [
                f"在整改过程中，{who}与纪检监察机关、组织部门建立贯通协同机制，共移送问题线索{r.randint(3, 30)}件，"
                f"推动有关部门制定完善制度{r.randint(8, 70)}项，从“治已病”向“防未病”延伸。",
                f"针对屡审屡犯问题，{who}会同财政、主管部门开展专题研究，分析问题根源，"
                f"推动出台{r.choice(SPECIALS)}管理办法等制度文件{r.randint(3, 18)}个。",
            ]
        ),
        r.choice(
            [
                f"“审计整改不是简单的‘交作业’，关键是要建立长效机制。”{who}相关负责人{name(r)}表示，"
                "下一步将对整改情况开展跟踪检查，对虚假整改、敷衍整改的严肃追责问责。",
                f"{who}有关负责人介绍，对于需要较长时间整改的问题，已督促相关单位制定分阶段整改计划，"
                "明确时间表和路线图，确保按期完成。",
            ]
        ),
    ]
    return Story("rectification", title, _fit(paras, r, extras=_audit_extras(r)), alts, region=prov)


def economic_responsibility(r: random.Random, local: bool = False) -> Story:
    """经济责任审计 of leading cadres."""
    prov, city, county = place(r, local)
    n = r.randint(12, 96)
    variant = r.randrange(3)
    if variant == 0:
        title = f"{city}完成{n}名领导干部经济责任审计"
        who = f"{city}审计局"
    elif variant == 1:
        title = f"{prov}审计厅：经济责任审计结果纳入干部考核评价"
        who = f"{prov}审计厅"
    else:
        title = f"{county}审计局对{r.randint(6, 21)}个乡镇党政主要领导开展经济责任审计"
        who = f"{county}审计局"
    alts = [f"领导干部离任“体检”：{city}经济责任审计见成效", f"{city}经济责任审计查出问题金额{amount(r)}"]
    paras = [
        f"今年以来，{who}围绕权力运行和责任落实，对{n}名领导干部开展经济责任审计，"
        f"查出违规和管理不规范问题金额{amount(r, big=True)}，提出审计建议{r.randint(40, 300)}条。",
        "审计中，审计人员重点关注重大经济事项决策、重大项目建设、国有资产管理和政府债务风险等方面，"
        "坚持“离任必审、不审不离”，对“三重一大”事项决策程序是否规范进行了重点核查。",
        f"审计发现，部分单位存在{problems(r, 1)[0]}等问题；个别领导干部履行经济责任不到位，"
        "对下属单位监管缺失，造成国有资产流失风险。",
        f"{who}已将审计结果及时报送组织部门，作为干部考核、任免、奖惩的重要依据。"
        f"对审计发现的{r.randint(2, 12)}起违纪违法问题线索，已依规依纪移送纪检监察机关处理。",
    ]
    return Story("economic_responsibility", title, _fit(paras, r, extras=_audit_extras(r)), alts, region=prov)


def special_audit(r: random.Random, local: bool = False) -> Story:
    """专项审计 of 扶贫资金 / 医保基金 / 地方债 / 养老金 / 乡村振兴."""
    prov, city, county = place(r, local)
    spec = r.choice(SPECIALS)
    amt = amount(r)
    variant = r.randrange(3)
    if variant == 0:
        title = f"{prov}审计厅开展{spec}专项审计 发现问题金额{amt}"
        who = f"{prov}审计厅"
    elif variant == 1:
        title = f"专项审计揭示{spec}管理漏洞 {city}{r.randint(3, 40)}个单位被责令整改"
        who = f"{city}审计局"
    else:
        title = f"{city}审计局：{spec}专项审计发现问题{r.randint(20, 160)}个"
        who = f"{city}审计局"
    alts = [f"{spec}专项审计：{prov}查出问题金额{amt}", f"聚焦{spec}，{who}亮出审计“利剑”"]
    found = problems(r, 2)
    paras = [
        f"为确保{spec}安全高效使用，{who}近期组织开展{spec}专项审计，"
        f"共抽查{r.randint(5, 40)}个县（市、区）、{r.randint(40, 600)}个单位，审计资金总额{amount(r, big=True)}。",
        f"审计发现，{found[0]}；{found[1]}。此外，部分地区还存在资金拨付不及时、绩效目标设定不合理等问题。",
        r.choice(
            [
                "针对审计发现的问题，审计机关已向有关地方下达审计决定，要求限期归还原渠道资金，"
                "并对相关责任人员依规依纪追责问责。",
                "审计机关将问题清单逐一反馈给被审计单位，要求其在60日内报送整改结果，"
                "逾期未整改的将提请当地政府督办。",
            ]
        ),
        f"“{spec}是群众的‘保命钱’‘救命钱’，一分一厘都不能乱花。”{who}负责人{name(r)}表示，"
        "将持续加大对民生资金的审计力度，坚决查处侵害群众利益的问题。",
    ]
    return Story("special_audit", title, _fit(paras, r, extras=_audit_extras(r)), alts, region=prov)


def finding(r: random.Random, local: bool = False) -> Story:
    """Audit findings about an audited body (negative about the body, not the audit office)."""
    prov, city, county = place(r, local)
    body = r.choice(BODIES)
    sub = r.choice(SUBSIDIES)
    amt = amount(r)
    n = r.randint(6, 320)
    variant = r.randrange(4)
    if variant == 0:
        title = f"审计发现：{county}{body}挪用{r.choice(SPECIALS)}{amt}"
        alts = [f"{county}{body}挪用专项资金被审计查出", f"挪用{amt}！{county}{body}被点名"]
    elif variant == 1:
        title = f"{county}{n}人虚报冒领{sub}被审计查出 已追缴{amt}"
        alts = [f"虚报冒领{sub}，{county}{n}人被追缴", f"{county}{sub}虚报冒领问题调查"]
    elif variant == 2:
        title = f"审计查出{city}违规发放{sub}{amt} 相关责任人被问责"
        alts = [f"{city}违规发放{sub}问题追踪", f"违规发放{sub}，{city}多名干部被问责"]
    else:
        title = f"{county}{body}违规出借专项资金 审计整改仍未到位"
        alts = [f"{county}专项资金被违规出借", f"专项资金违规出借，{county}{body}被督办"]
    paras = [
        f"近日，{city}审计局公布的一份审计报告显示，{county}{body}在{YEAR - 1}年至{YEAR}年间"
        f"存在{r.choice(['挪用', '违规发放', '虚报冒领', '违规出借'])}资金等问题，涉及金额{amt}。",
        f"审计人员在核对{sub}发放名册时发现，有{n}人的户籍、社保信息与申报材料不符，"
        f"其中{r.randint(2, 60)}人为财政供养人员、{r.randint(1, 30)}人已去世多年，相关补贴却仍按月发放。",
        f"据了解，问题资金主要用于{r.choice(['弥补单位办公经费缺口', '发放津贴补贴', '偿还工程欠款', '购置公务用车'])}"
        f"，相关财务凭证存在事后补签、金额涂改等情况。",
        f"目前，{county}已成立专项工作组，追缴违规资金{amount(r)}，"
        f"对{r.randint(2, 15)}名相关责任人进行问责，其中{r.randint(1, 4)}人被移送纪检监察机关。",
        r.choice(
            [
                f"{county}{body}相关负责人表示，将深刻汲取教训，全面开展自查自纠，严格执行资金管理制度。",
                "有群众表示，惠民资金被挪用、冒领，损害的是群众的切身利益，希望一查到底、公开结果。",
            ]
        ),
    ]
    return Story("finding", title, _fit(paras, r, extras=_audit_extras(r)), alts, region=prov)


def emergency(r: random.Random) -> Story:
    """A sudden disaster at a project the audit office has audited: a class-A hotspot (5 h / 24 h)."""
    county = "莒南县"
    project = r.choice(["城区防洪排涝改造工程", "农村供水保障工程", "县人民医院新院区工程"])
    dead, hurt, trapped = r.randint(3, 5), r.randint(4, 9), r.randint(1, 3)
    title = f"{county}{project}施工现场发生坍塌事故 已造成{dead}人死亡{hurt}人受伤"
    paras = [
        f"今天上午，临沂市{county}{project}施工现场发生一起基坑坍塌事故，事故已造成{dead}人死亡、{hurt}人受伤，"
        f"仍有{trapped}人被困，救援工作正在进行中。",
        "事故发生后，临沂市和莒南县主要负责同志第一时间赶赴现场指挥救援，消防、应急、卫健等部门调集"
        f"{r.randint(80, 200)}余名救援人员全力搜救，伤者已送往医院救治。",
        f"据了解，该工程总投资{amount(r, big=True)}，今年上半年曾被列入莒南县审计局政府投资项目跟踪审计，"
        "审计发现该项目存在违法分包、监理人员长期不在岗等问题，相关整改情况正在核实。",
        "网友纷纷质疑审计发现的问题为何没有及时整改到位。莒南县审计局表示，将配合事故调查组提供审计资料，"
        "并向社会公开审计发现问题的整改情况。事故原因正在调查中。",
        f"记者在现场看到，事故区域已拉起警戒线，{r.randint(3, 6)}台大型机械正在配合清理塌方土石，"
        "医护人员在现场待命。县里已启动安全生产事故应急预案，对全县在建工程开展安全隐患排查，"
        "并要求各施工单位立即停工自查，严防类似事故发生。",
    ]
    alts = [
        f"突发：{county}一在建工程坍塌 {dead}人遇难",
        f"{county}工地坍塌事故追踪：该项目曾被审计指出违法分包",
    ]
    return Story("emergency", title, paras, alts, region="山东省")


def criticism(r: random.Random, local: bool = False) -> Story:
    """Criticism of an audit office itself: the rare items the press office must answer first."""
    prov, city, county = place(r, local)
    person = name(r)
    variant = r.randrange(4)
    if variant == 0:
        title = f"{county}审计局审计整改督促不力被通报批评"
        paras = [
            f"近日，{city}纪委监委通报了{r.randint(3, 6)}起形式主义、官僚主义典型问题，其中{county}审计局"
            "对审计发现问题整改督促不力、整改“纸面化”问题被点名。",
            f"通报指出，{county}审计局对上年度审计查出的{r.randint(10, 60)}个问题未建立整改台账，"
            f"对被审计单位报送的整改材料未认真核实，导致{r.randint(3, 20)}个问题“虚假销号”。",
            f"经研究，决定对{county}审计局分管负责人{person}进行诫勉谈话，责令该局向县委作出书面检查。",
            "通报强调，审计整改不能“一审了之”“一改了之”，各级审计机关要切实扛起督促整改责任。",
        ]
    elif variant == 1:
        title = f"{city}审计局原副局长{person}严重违纪违法被开除党籍"
        paras = [
            f"据{city}纪委监委消息，{city}审计局原党组成员、副局长{person}严重违纪违法问题，"
            f"经中共{city}委批准，{city}纪委监委对其进行了立案审查调查。",
            f"经查，{person}违反中央八项规定精神，多次接受可能影响公正执行公务的宴请；利用职务上的便利，"
            f"在审计项目安排、审计结果处理等方面为他人谋取利益，非法收受财物共计{amount(r)}。",
            f"{person}身为审计人员，知法犯法，严重破坏审计工作的公正性，性质严重，影响恶劣。",
            f"依据有关规定，经{city}纪委常委会会议研究并报{city}委批准，决定给予{person}开除党籍处分，"
            "将其涉嫌犯罪问题移送检察机关依法审查起诉。",
        ]
    elif variant == 2:
        title = f"网友质疑{county}审计局审计结果“避重就轻” 官方回应：正在核查"
        paras = [
            f"近日，有网友在社交平台发帖称，{county}审计局对当地{r.choice(PROJECTS)}项目的审计“避重就轻”，"
            "对施工方虚报工程量的问题“只提不查”，帖子引发大量转发和评论。",
            f"帖子称，该项目审计报告只认定了{amount(r)}的问题金额，而群众反映的偷工减料问题并未写入报告。",
            f"对此，{county}审计局工作人员回应称，已关注到网络反映的情况，已成立核查组对相关项目重新进行审计，"
            "核查结果将及时向社会公布。",
            "有专家认为，审计机关应当主动公开审计结果和整改情况，以公开促公正，回应群众关切。",
        ]
    else:
        title = f"{county}审计局工作人员违规接受吃请被处分"
        paras = [
            f"近日，{city}纪委监委公开通报{r.randint(4, 7)}起违反中央八项规定精神典型问题，"
            f"其中{county}审计局审计人员{person}在审计期间违规接受被审计单位宴请。",
            f"经查，{YEAR}年{r.randint(3, 8)}月，{person}在对某单位开展审计期间，"
            f"先后{r.randint(2, 5)}次接受该单位安排的宴请，并收受土特产等礼品。",
            f"{person}受到党内警告处分，违纪所得予以收缴。{county}审计局主要负责人被约谈。",
            "通报指出，审计人员必须严守审计纪律“八不准”，决不能在审计中吃拿卡要。",
        ]
    alts = [f"{county}审计局被通报", f"关注：{title[:18]}"]
    return Story("criticism", title, _fit(paras, r, extras=_audit_extras(r)), alts, region=prov)


def work_news(r: random.Random) -> Story:
    """Audit-office work news: meetings, 特派办 missions, training."""
    prov = r.choice(PROVINCES)
    tp = r.choice(TEPAIBAN)
    variant = r.randrange(4)
    if variant == 0:
        title = f"审计署召开{r.choice(['审计整改工作推进会', '全国审计机关信息化工作会议', '审计业务质量提升座谈会', '重大政策措施落实跟踪审计部署会'])}"
        who = "审计署"
    elif variant == 1:
        title = f"审计署{tp}特派办深入{prov}开展{r.choice(PROJECTS)}审计"
        who = f"审计署{tp}特派办"
    elif variant == 2:
        title = f"{prov}审计厅召开全省审计机关{r.choice(['年中工作推进会', '审计整改工作会议', '研究型审计经验交流会'])}"
        who = f"{prov}审计厅"
    else:
        title = f"国家审计助力{r.choice(['乡村全面振兴', '防范化解重大风险', '保障和改善民生', '优化营商环境'])}：{prov}的实践"
        who = f"{prov}审计厅"
    alts = [title.replace("召开", "举行"), f"{who}：{r.choice(['压实责任', '聚焦主责主业', '提升审计质效'])}"]
    paras = [
        f"{r.randint(1, 28)}日，{who}召开会议，深入学习贯彻党的二十届四中全会精神，"
        "总结前一阶段工作，研究部署下一步重点任务。",
        f"会议指出，今年以来，{who}聚焦主责主业，共完成审计项目{r.randint(30, 400)}个，"
        f"促进增收节支和挽回损失{amount(r, big=True)}，推动建立健全规章制度{r.randint(20, 260)}项，"
        "审计监督效能持续提升。",
        "会议强调，要坚持研究型审计，加强大数据审计应用，把审计发现问题与推动整改、完善制度结合起来，"
        "做好常态化“经济体检”，以高质量审计监督服务高质量发展。",
        r.choice(
            [
                "会议要求，各级审计机关要严守审计纪律，加强审计人员队伍建设，锻造经济监督“铁军”。",
                "会议还对审计项目质量检查、审计结果公告和审计整改跟踪等工作作出具体安排。",
            ]
        ),
    ]
    return Story("work_news", title, _fit(paras, r, extras=_audit_extras(r)), alts, region=prov)


def local_junan(r: random.Random) -> Story:
    """莒南县 / 临沂市 local audit news (kept by the 莒南县审计局 plan, often by both)."""
    town = r.choice(JUNAN_TOWNS)
    county = r.choice(LINYI_COUNTIES)
    proj = r.choice(PROJECTS)
    spec = r.choice(SPECIALS)
    variant = r.randrange(6)
    if variant == 0:
        title = f"莒南县审计局开展{proj}专项审计调查"
        who, where = "莒南县审计局", f"莒南县{town}"
    elif variant == 1:
        title = f"临沂市审计局召开{YEAR}年审计整改工作推进会"
        who, where = "临沂市审计局", f"{county}"
    elif variant == 2:
        title = f"莒南县{town}：审计“体检”助力村级财务规范"
        who, where = "莒南县审计局", f"莒南县{town}"
    elif variant == 3:
        title = f"临沂审计：{r.randint(20, 160)}个政府投资项目节约财政资金{amount(r)}"
        who, where = "临沂市审计局", f"{county}等县区"
    elif variant == 4:
        title = f"{county}审计部门聚焦{spec}开展审计 守护群众“钱袋子”"
        who, where = f"临沂市{county}审计局", f"{county}{r.choice(['多个乡镇', '部分街道', '重点部门'])}"
    else:
        title = f"莒南县审计局：“审计+监督”贯通协同 推动{spec}问题整改"
        who, where = "莒南县审计局", f"{town}"
    alts = [f"{where}审计工作见实效", f"【沂蒙审计】{title[:22]}"]
    paras = [
        f"近日，{who}组织审计组深入{where}，围绕{proj}和{spec}管理使用情况开展审计，"
        f"通过查阅账目、实地查看、走访群众等方式，核查资金{amount(r)}。",
        r.choice(
            [
                f"审计组先后走访了{r.randint(5, 30)}个村（社区）、{r.randint(20, 200)}户群众，"
                "逐项核对项目建设内容、资金拨付凭证，对发现的问题现场反馈、立行立改。",
                "审计中，审计人员运用大数据比对分析，将补贴发放数据与户籍、社保、不动产登记等数据进行交叉比对，"
                f"精准锁定疑点{r.randint(10, 90)}条。",
            ]
        ),
        f"审计发现，个别单位存在{problems(r, 1)[0]}等问题。对此，{who}已督促相关单位建立整改台账，"
        f"目前已整改问题{r.randint(5, 40)}个，规范资金管理{amount(r)}。",
        f"“我们把审计整改作为‘一把手’工程，一个问题一个问题地盯、一笔资金一笔资金地查。”{who}负责人{name(r)}说。",
        r.choice(
            [
                "下一步，该局将持续加大民生领域审计力度，以审计监督助力乡村全面振兴。",
                f"据悉，今年以来{who}共完成审计项目{r.randint(15, 60)}个，推动完善制度{r.randint(5, 30)}项。",
            ]
        ),
    ]
    return Story("local_junan", title, _fit(paras, r, extras=_audit_extras(r)), alts, region="山东省临沂市")


def company_report(r: random.Random) -> Story:
    """Near miss: a listed company's audited annual report (mentions 审计, matches no plan)."""
    co = r.choice(COMPANIES)
    firm = r.choice(CPA_FIRMS)
    title = f"{co}发布三季度报告：营业收入同比增长{pct(r, 2, 38)}"
    paras = [
        f"{co}日前发布三季度报告，前三季度公司实现营业收入{amount(r, big=True)}，同比增长{pct(r, 2, 38)}；"
        f"归属于上市公司股东的净利润{amount(r)}。",
        f"公司表示，报告期内主营产品销量稳步提升，海外市场订单同比增长{pct(r, 5, 60)}，"
        "研发投入占营业收入的比重进一步提高。",
        f"公司上一年度财务报告已由{firm}审计，并出具了标准无保留意见的审计报告。"
        "公司内部审计部门对募集资金使用情况进行了专项检查，未发现异常。",
        "分析人士认为，随着产能逐步释放，公司全年业绩有望保持增长，但需关注原材料价格波动风险。",
    ]
    return Story(
        "company_report", title, _fit(paras, r, fillers=NEUTRAL_FILLERS, extras=_neutral_extras(r)), []
    )


def irrelevant(r: random.Random, local: bool = False) -> Story:
    """Sports, entertainment, weather, economy, traffic: no audit words at all."""
    city = "临沂市" if local else r.choice(PLACES)[1]
    kind = r.randrange(6)
    if kind == 0:
        n = r.randint(8, 30) * 1000
        title = f"{city}马拉松鸣枪开跑 {n}名选手畅跑{r.choice(['沂河', '滨河', '城市中轴'])}赛道"
        paras = [
            f"{r.randint(1, 28)}日7时30分，{YEAR}{city}马拉松在市体育中心鸣枪开跑，来自全国各地的{n}名跑者参赛。",
            f"本次赛事设全程马拉松、半程马拉松和健康跑三个项目，赛道串联起多处城市地标和滨河景观带，"
            f"沿途设置补给站{r.randint(10, 24)}个、医疗点{r.randint(12, 30)}个。",
            f"最终，男子全程冠军由{name(r)}以2小时{r.randint(12, 29)}分{r.randint(10, 59)}秒的成绩获得，"
            f"女子全程冠军由{name(r)}获得。",
            "赛事期间，沿线市民自发为选手加油助威，不少跑者表示，赛道风景优美、服务保障到位，明年还会再来。",
        ]
    elif kind == 1:
        film = r.choice(FILMS)
        title = f"电影《{film}》定档{r.randint(1, 12)}月 取景地引发网友“打卡”热"
        paras = [
            f"由导演{name(r)}执导，{name(r)}、{name(r)}主演的电影《{film}》日前宣布定档，并发布终极预告。",
            f"影片讲述了一个普通家庭三代人在时代变迁中坚守与奋斗的故事，拍摄历时{r.randint(3, 9)}个月，"
            "大量场景在乡村实景拍摄。",
            "预告片发布后，片中出现的古村落、老街巷迅速走红，不少网友在社交平台晒出“同款机位”照片，"
            "当地文旅部门也推出了观影打卡线路。",
            "业内人士认为，近年来现实题材影片持续受到观众欢迎，文旅融合为地方带来了新的流量。",
        ]
    elif kind == 2:
        drop = r.randint(6, 12)
        title = f"寒潮来袭 {city}气温将下降{drop}至{drop + 2}℃"
        paras = [
            f"记者从{city}气象台获悉，受强冷空气影响，预计未来三天{city}将出现大风降温天气，"
            f"最低气温将下降{drop}至{drop + 2}℃，部分地区有小雪或雨夹雪。",
            "气象部门提醒，降温期间请广大市民注意防寒保暖，及时添衣；设施农业要做好大棚加固和保温措施，"
            "防范大风和低温冻害。",
            f"交通运输部门表示，已提前部署除冰雪物资{r.randint(200, 900)}吨，对重点路段加强巡查，"
            "确保道路安全畅通。",
            "另据预报，本次降温过程后，气温将逐步回升，本周末以晴到多云天气为主。",
        ]
    elif kind == 3:
        title = f"{city}前{r.randint(8, 10)}个月外贸进出口总值同比增长{pct(r, 3, 25)}"
        paras = [
            f"据海关统计，今年前10个月，{city}货物贸易进出口总值{amount(r, big=True)}，同比增长{pct(r, 3, 25)}，"
            "增速高于全省平均水平。",
            f"其中，出口{amount(r, big=True)}，进口{amount(r, big=True)}。机电产品、劳动密集型产品出口保持增长，"
            f"对共建“一带一路”国家进出口增长{pct(r, 5, 30)}。",
            f"民营企业进出口占比超过八成，有进出口实绩的企业数量达到{r.randint(1200, 5200)}家，创历史新高。",
            "商务部门表示，将持续优化外贸服务，支持企业参加境外展会、开拓多元市场。",
        ]
    elif kind == 4:
        title = f"{city}{r.choice(['沂河路', '解放路', '北京路', '兰山路'])}改造工程完工 {r.randint(2, 6)}条公交线路恢复原线运营"
        paras = [
            f"经过{r.randint(4, 10)}个月的施工，{city}重点道路改造工程日前全面完工并恢复通车。",
            f"此次改造对道路路面、排水管网、人行道和照明设施进行了全面提升，新增非机动车道{r.randint(3, 12)}公里，"
            f"新增停车泊位{r.randint(100, 600)}个。",
            f"公交公司表示，受施工影响临时绕行的{r.randint(2, 6)}条公交线路自即日起恢复原线运营。",
            "不少市民表示，路面更平了、路灯更亮了，出行更方便了。",
        ]
    else:
        title = (
            f"{city}第{r.randint(3, 15)}届{r.choice(['非遗文化节', '读书月', '乡村美食节', '菊花展'])}开幕"
        )
        paras = [
            f"{r.randint(1, 28)}日，{city}举行开幕活动，吸引大批市民和游客前来参观。",
            f"活动为期{r.randint(7, 30)}天，设置展示展销、互动体验、文艺演出等{r.randint(5, 20)}个板块，"
            f"集中展示了{r.randint(50, 300)}余个特色项目。",
            "现场，剪纸、柳编、面塑等传统技艺吸引不少小朋友驻足体验，地方特色小吃摊位前排起了长队。",
            f"主办方介绍，活动期间还将开展线上直播带货，预计带动消费{amount(r)}。",
        ]
    return Story(
        "irrelevant",
        title,
        _fit(paras, r, fillers=NEUTRAL_FILLERS, extras=_neutral_extras(r)),
        [f"{title[:16]}…"],
    )


def recruit_ad(r: random.Random, local: bool = False) -> Story:
    """屏蔽词 items: 审计师招聘 / 内审岗位招聘 / 审计考证班 / 注册会计师考试 — the plans must drop them."""
    co = r.choice(COMPANIES + CPA_FIRMS)
    city = "临沂市" if local else r.choice(PLACES)[1]
    kind = r.randrange(2) if local else r.randrange(4)  # local ads say 招聘, the 屏蔽词 of the local plan
    if kind == 0:
        title = f"{co}{YEAR + 1}年度审计师招聘公告"
        paras = [
            f"因业务发展需要，{co}现面向社会公开招聘审计人员{r.randint(3, 20)}名，工作地点{city}。审计师招聘岗位要求如下：",
            "一、全日制本科及以上学历，会计学、审计学、财务管理等相关专业；二、有会计师事务所或审计机关工作经历者优先；"
            "三、持有注册会计师证书者待遇从优。",
            f"薪酬待遇：月薪{r.randint(6, 15)}千元至{r.randint(16, 30)}千元，缴纳五险一金，年终奖金另计。",
            "报名方式：请将个人简历发送至公司人力资源部邮箱，邮件标题注明“应聘岗位+姓名”。",
        ]
    elif kind == 1:
        title = f"内审岗位招聘：{co}诚聘内部审计专员"
        paras = [
            f"{co}内审岗位招聘启事。岗位：内部审计专员{r.randint(1, 5)}名，工作地点{city}。",
            "岗位职责：负责公司内部控制评价、经济责任审计及专项审计工作，撰写审计报告并跟踪整改。",
            "任职要求：三年以上内审或外审工作经验，熟悉国家审计准则和内部审计准则，具备较强的沟通协调能力。",
            "有意者请于本月底前投递简历，合则约见。",
        ]
    elif kind == 2:
        title = f"{city}审计考证班{r.choice(['火热招生', '春季班开课', '限时优惠'])}"
        paras = [
            f"{city}某职业培训学校审计培训班、审计考证班开始招生，由资深讲师授课，覆盖审计实务和国家审计相关知识。",
            "课程包括审计理论、内部审计实务、经济责任审计案例分析等模块，学完可参加相关资格考试。",
            f"早鸟价{r.randint(1, 6)}980元，报名即送全套复习资料。名额有限，报满即止。",
            "咨询电话请关注学校官方公众号获取。",
        ]
    else:
        title = f"{YEAR}年注册会计师考试成绩公布 审计科目合格率约{pct(r, 18, 32)}"
        paras = [
            f"中国注册会计师协会日前公布{YEAR}年注册会计师考试成绩，考生可登录网上报名系统查询。",
            "从各科目情况看，审计科目合格率相对较低，不少考生表示题目更加注重实务，考查了审计人员职业判断。",
            "按照有关规定，专业阶段单科合格成绩5年有效，全科合格后可参加综合阶段考试。",
            "业内人士提醒，考生应关注官方发布的信息，谨防不法分子以“改分”“保过”为名实施诈骗。",
        ]
    return Story("recruit_ad", title, _fit(paras, r, fillers=NEUTRAL_FILLERS, extras=_neutral_extras(r)), [])


# ------------------------------------------------------------------------------------------------ posts
WEIBO_USERS = [
    "沂蒙老李", "莒南小城事", "审计人的日常", "财经观察员老周", "临沂生活圈", "热心市民王先生", "基层公务员日记",
    "CPA备考中", "一只会计小白", "法治观察", "乡村振兴观察", "数据新闻控", "山东身边事", "吃瓜群众001",
    "加班狗的自我修养", "跑步的阿杰", "影迷小鹿", "天气君", "民生热线", "公益律师张明",
]  # fmt: skip


def post(r: random.Random, headline: str | None = None) -> tuple[str, str]:
    """(kind, html text) of one short Weibo-like post; kind tells what the plans should do with it."""
    county = r.choice([p[2] for p in PLACES])
    spec = r.choice(SPECIALS)
    kind = r.choices(
        ["share", "praise", "criticism", "local", "chatter", "ad", "noise"], weights=[24, 12, 8, 14, 10, 6, 4]
    )[0]
    at = lambda who: f"<a href='/n/{who}'>@{who}</a>"  # noqa: E731 - tiny local formatter
    tag = lambda t: f"<a href='/search?containerid=231522type%3D1%26q%3D%23{t}%23'>#{t}#</a>"  # noqa: E731
    if kind == "share" and headline:
        text = r.choice(
            [
                f"【{headline}】{r.choice(['转发周知。', '值得关注！', '这个必须点赞。', ''])}{tag('审计发现')} 网页链接",
                f"{r.choice(['转发微博', '转了', '马一下'])} //{at(r.choice(WEIBO_USERS))}:【{headline}】",
                f"{tag('审计署公告')} {headline}，{r.choice(['钱都花哪儿了？', '期待后续整改结果', '一查一个准'])}",
            ]
        )
    elif kind in ("share", "praise"):
        kind = "praise"
        text = r.choice(
            [
                f"审计署这次公告点名{spec}问题，干得漂亮！👍 {tag('审计署公告')}",
                f"国家审计就是经济体检，{spec}被挪用的钱必须追回来 {tag('审计整改')}",
                f"{at('审计署')} 专项审计查出的问题，希望整改结果也能公开，让老百姓看得见。",
                f"看了审计工作报告，{spec}问题还是不少，审计人员辛苦了！",
            ]
        )
    elif kind == "criticism":
        text = r.choice(
            [
                f"{county}审计局的审计结果到底查没查实？举报的事情三个月了没下文 {at(county.replace('县', '') + '发布')}",
                f"审计整改就是走过场？{county}的问题年年审年年有 {tag('审计整改')}",
                f"{county}审计局工作人员态度太差了，打电话咨询审计结果一直推脱，差评！",
                f"去年审计查出的{spec}问题，今年还在，审计机关的整改监督是不是形同虚设？",
                f"实名反映：{county}审计局去年对我们村的{r.choice(PROJECTS)}项目做过审计，报告里说问题已经整改，"
                f"可路还是那条烂路，钱到底去哪儿了？希望上级审计机关下来看看，别让审计整改成了纸上文章。{tag('审计整改')}",
            ]
        )
    elif kind == "local":
        town = r.choice(JUNAN_TOWNS)
        text = r.choice(
            [
                f"莒南县审计局今天来{town}查账了，村里的老少爷们都说好 {tag('莒南')}",
                f"临沂审计又出成绩了，{r.randint(20, 90)}个项目节约资金好几千万 {at('临沂发布')}",
                f"在{town}赶集碰到审计组的同志在走访，问低保发放的情况，挺认真的。{tag('临沂身边事')}",
                f"莒南的审计整改推进会开完了，希望{spec}的问题能早点解决 {tag('莒南')}",
                f"今天陪老父亲去{town}便民服务中心，正好碰上莒南县审计局在核查{spec}发放情况，工作人员挨个问、挨个记，"
                f"老人家说这钱花得明白他就放心了。给认真干事的人点个赞！{tag('莒南')}",
            ]
        )
    elif kind == "chatter":
        text = r.choice(
            [
                "年底公司审计，连着加班第三天了，报表对不平，我太难了😭",
                "公司审计部门的同事人都挺好，今天下班一起去吃火锅🍲",
                "会计师事务所的年报审计季又要来了，头发还够用吗？",
                "今天财务问我去年的审计底稿放哪儿了，我也想知道啊😂",
            ]
        )
    elif kind == "ad":
        text = r.choice(
            [
                f"内审岗位招聘，坐标临沂，有审计机关经验优先，感兴趣的私信我~ {tag('招聘')}",
                f"审计师招聘！{r.choice(CPA_FIRMS)}扩招，审计人员待遇从优，简历私信 {tag('求职')}",
                "审计考证班开课啦，零基础也能学，想成为审计人员的抓紧报名！",
            ]
        )
    else:
        text = r.choice(
            [
                "今天的晚霞太好看了，沂河边散步拍照的人好多🌇",
                f"周末去看了电影《{r.choice(FILMS)}》，全场都在抹眼泪，哭成狗",
                "降温了降温了，大家出门记得穿秋裤，别感冒了",
            ]
        )
    return kind, text
