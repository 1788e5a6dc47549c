"""The codes the system stores and the Chinese labels people read, defined once for every layer.

Codes are what the store, the analysis and the workflows compare (`"neg"`, `"office"`, `"A"`, `"act"`,
`"high"`); labels are what the CLI, the dashboard and the exports show. Event and candidate statuses and
response kinds are stored as their Chinese names, so for them code and label are one string. Every package
may import this module (it is data, no loading); nothing else defines these labels.
"""

from __future__ import annotations

# ------------------------------------------------------------------ sentiment (documents.sentiment_label)

SENTIMENT_NEG = "neg"
SENTIMENT_NEU = "neu"
SENTIMENT_POS = "pos"
SENTIMENTS: tuple[str, str, str] = (SENTIMENT_NEG, SENTIMENT_NEU, SENTIMENT_POS)  # the model's class order
NOT_ANALYSED = "none"  # reports and filters: a document not analysed yet (or with an unknown label)
SENTIMENT_LABELS: dict[str, str] = {
    SENTIMENT_NEG: "负面",
    SENTIMENT_NEU: "中性",
    SENTIMENT_POS: "正面",
    NOT_ANALYSED: "未分析",
}

# ------------------------------------------------------------------ sentiment target (documents.target)

TARGET_OFFICE = "office"  # the audit office itself is criticised (its fairness, its staff, its follow-up)
TARGET_AUDITED = "audited"  # an audit finding: the audited body is the target
TARGET_OTHER = "other"
TARGETS: tuple[str, str, str] = (TARGET_OFFICE, TARGET_AUDITED, TARGET_OTHER)
TARGET_LABELS: dict[str, str] = {
    TARGET_OFFICE: "审计机关自身",
    TARGET_AUDITED: "被审计单位",
    TARGET_OTHER: "其他",
}
# An event's count of negative documents whose target is the office (events.office_critical_count).
OFFICE_CRITICISM_LABEL = "批评审计机关"

# ------------------------------------------------------------------ response class (events.response_class)

CLASS_A = "A"  # 特别重大/重大突发事件: authoritative information within 5 hours, press conference within 24
CLASS_B = "B"  # other 政务舆情 that need a response: within 48 hours
RESPONSE_CLASSES: tuple[str, str] = (CLASS_A, CLASS_B)
CLASS_LABELS: dict[str, str] = {CLASS_A: "特别重大/重大突发事件", CLASS_B: "其他需回应的政务舆情"}
CLASS_SHORT_LABELS: dict[str, str] = {CLASS_A: "A类", CLASS_B: "B类"}
NO_CLASS_LABEL = "无需回应"  # no response class (the same words as the status EVENT_NO_RESPONSE)

# ------------------------------------------------------------------ event statuses (events.status)

EVENT_PENDING = "待研判"
EVENT_HANDLING = "处置中"
EVENT_RESPONDED = "已回应"
EVENT_CLOSED = "已结束"
EVENT_NO_RESPONSE = "无需回应"
EVENT_STATUSES: tuple[str, ...] = (
    EVENT_PENDING,
    EVENT_HANDLING,
    EVENT_RESPONDED,
    EVENT_CLOSED,
    EVENT_NO_RESPONSE,
)

# ------------------------------------------------------------------ response kinds (responses.kind)

KIND_AUTHORITATIVE_INFO = "发布权威信息"
KIND_PRESS_CONFERENCE = "新闻发布会"
KIND_BRIEFING = "吹风会"
KIND_INTERVIEW = "接受采访"
KIND_CLARIFICATION = "澄清"
RESPONSE_KINDS: tuple[str, ...] = (
    KIND_AUTHORITATIVE_INFO,
    KIND_PRESS_CONFERENCE,
    KIND_BRIEFING,
    KIND_INTERVIEW,
    KIND_CLARIFICATION,
)

# ------------------------------------------------------------------ impersonation candidates (site_candidates)

CANDIDATE_PENDING = "待核实"
CANDIDATE_REPORTED = "已报送"
CANDIDATE_HANDLED = "已处置"
CANDIDATE_FALSE = "误报"
CANDIDATE_STATUSES: tuple[str, ...] = (
    CANDIDATE_PENDING,
    CANDIDATE_REPORTED,
    CANDIDATE_HANDLED,
    CANDIDATE_FALSE,
)

TIER_ACT = "act"  # score >= the act threshold
TIER_REVIEW = "review"  # score >= the review threshold
TIER_NONE = "none"
TIER_LABELS: dict[str, str] = {TIER_ACT: "建议处置", TIER_REVIEW: "待核实", TIER_NONE: "未发现"}

# How a candidate was found (site_candidates.found_by[].method).
METHOD_DNSTWIST = "dnstwist"  # a look-alike domain that resolves
METHOD_SEARCH = "search"  # a search result
METHOD_DOCUMENT = "document"  # named in a crawled document
METHOD_MANUAL = "manual"  # added by a person
METHOD_CHECK = "check"  # checked directly by URL
METHOD_LABELS: dict[str, str] = {
    METHOD_DNSTWIST: "相似域名",
    METHOD_SEARCH: "搜索结果",
    METHOD_DOCUMENT: "采集文档",
    METHOD_MANUAL: "人工添加",
    METHOD_CHECK: "直接核查",
}
# What people did to a candidate or a watched page (audit_log.action).
ACTION_LABELS: dict[str, str] = {
    "status": "状态变更",
    "add": "人工添加",
    "note": "备注",
    "rebaseline": "重建基线",
    "response": "记录回应",
    "assign": "指派",
    "acknowledge": "确认知悉",
    "review": "核查标记",
}

# ------------------------------------------------------------------ own-site watch (site_snapshots, findings)

SNAPSHOT_OK = "ok"
SNAPSHOT_FINDINGS = "findings"
SNAPSHOT_ERROR = "error"
SNAPSHOT_LABELS: dict[str, str] = {
    SNAPSHOT_OK: "正常",
    SNAPSHOT_FINDINGS: "发现问题",
    SNAPSHOT_ERROR: "无法访问",
}

SEVERITY_HIGH = "high"
SEVERITY_MEDIUM = "medium"
SEVERITY_LOW = "low"
SEVERITY_RANK: dict[str, int] = {SEVERITY_LOW: 1, SEVERITY_MEDIUM: 2, SEVERITY_HIGH: 3}
SEVERITY_LABELS: dict[str, str] = {SEVERITY_HIGH: "高", SEVERITY_MEDIUM: "中", SEVERITY_LOW: "低"}

# A person's review of an integrity finding (integrity_findings.review; None = not reviewed yet).
FINDING_ACKNOWLEDGED = "acknowledged"  # 已确认: a real problem, being handled
FINDING_FALSE_POSITIVE = "false_positive"  # 误报: not a problem (hidden by default)
FINDING_REVIEWS: tuple[str, str] = (FINDING_ACKNOWLEDGED, FINDING_FALSE_POSITIVE)
FINDING_UNREVIEWED_LABEL = "待确认"
FINDING_REVIEW_LABELS: dict[str, str] = {FINDING_ACKNOWLEDGED: "已确认", FINDING_FALSE_POSITIVE: "误报"}

# How a watched page was fetched (site_snapshots.latest["variants"], integrity evidence "variant").
CHECK_VARIANT_LABELS: dict[str, str] = {
    "browser": "普通浏览器访问",
    "spider": "搜索引擎爬虫访问",
    "referer": "从百度搜索进入",
}

FINDING_LABELS: dict[str, str] = {
    "defacement": "页面篡改",
    "external_script": "外部脚本",
    "iframe": "注入iframe",
    "inline_script": "可疑内联脚本",
    "hidden_link": "暗链",
    "bad_words": "涉赌涉黄词语",
    "cloaking": "搜索引擎爬虫看到不同内容",
    "cloaking_referer": "百度来源看到不同内容",
    "stale_column": "栏目未更新",
    "blank_column": "空白栏目",
    "broken_links": "不可用链接",
    "blank_page": "空白页面",
    "unreachable": "无法访问",
}

# ------------------------------------------------------------------ sources (sources.level)

LEVEL_LABELS: dict[str, str] = {
    "central": "中央",
    "provincial": "省级",
    "municipal": "市级",
    "county": "县级",
    "self-media": "自媒体",
    "official": "官方",
}
UNKNOWN_LEVEL = "未知"

# ------------------------------------------------------------------ crawl report (crawl_runs)

# Why an item was dropped (crawl_runs.dropped keys; the crawler's DropItem reasons and stats).
DROP_REASON_LABELS: dict[str, str] = {
    "no_plan_match": "未命中监测方案",
    "plan_excluded": "命中屏蔽词",
    "duplicate_url": "本轮重复链接",
    "no_title": "无标题",
    "empty_body": "正文为空",
    "empty_page": "空页面",
    "bad_url": "链接无效",
    "not_html": "非网页内容",
    "naive_date": "时间缺时区",
    "blocked_private_address": "拦截内网地址",
    "blocked_robots_txt": "robots.txt 禁止",
    "unencodable_id": "编号含非法字符（已隔离）",
    "unencodable_url": "链接含非法字符（已隔离）",
    "url_too_long": "链接过长（已隔离）",
    "id_too_long": "编号过长（已隔离）",
    "store_rejected": "数据库拒收（已隔离）",
    "blocked_scheme": "非 http(s) 链接",
    "blocked_redirect_scheme": "跳转到非 http(s) 地址",
    "redirect_loop": "循环跳转",
    "redirect_limit": "跳转次数超限",
    "too_large": "页面过大或解压炸弹",
    "binary_content": "二进制内容（图片、压缩包等），非网页",
    "offsite": "站外链接",
    "ignored": "请求被忽略",
}
# Why a request got no page (crawl_runs.stats keys monitor/errors/download/<exception>, monitor/blocked/<why>);
# `yuqing crawl` names the main one for a source that got nothing.
FETCH_ERROR_LABELS: dict[str, str] = {
    "ConnectionRefusedError": "连接被拒绝（网站未开放或端口错误）",
    "DownloadConnectionRefusedError": "连接被拒绝（网站未开放或端口错误）",
    "DownloadTimeoutError": "连接超时",
    "DownloadFailedError": "下载失败",
    "DownloadCancelledError": "下载被取消",
    "ResponseDataLossError": "响应不完整",
    "DNSLookupError": "域名无法解析",
    "CannotResolveHostError": "域名无法解析",
    "TimeoutError": "连接超时",
    "TCPTimedOutError": "连接超时",
    "ResponseNeverReceived": "服务器未返回响应",
    "ConnectionLost": "连接中断",
    "ConnectionDone": "连接被关闭",
    "ConnectError": "无法建立连接",
    "NoRouteError": "网络不可达",
    "SSLError": "TLS/SSL 握手失败",
    "private_address": "内网或本机地址，已拦截",
    "robots_txt": "robots.txt 禁止采集",
    "scheme": "非 http(s) 链接，已拦截",
    "redirect_scheme": "跳转到非 http(s) 地址，已拦截",
}
# Pages stored or counted with a problem (crawl_runs.stats["problems"] keys).
PAGE_PROBLEM_LABELS: dict[str, str] = {
    "no_date": "缺少发布时间",
    "too_large": "页面过大，已截断处理",
    "unparsable": "HTML 无法解析",
    "empty": "空页面",
    "error": "抽取出错",
    "empty_feed": "RSS 无条目",
    "entry_without_link": "RSS 条目无链接",
    "bad_json": "接口返回非 JSON",
    "non_text_list_page": "列表页非文本",
    "unencodable_text": "文本含非法字符，已替换",
    "bad_count": "计数格式错误，记为 0",
    "count_negative": "计数为负，记为 0",
    "count_absurd": "计数超出合理范围，已截断",
    "date_future": "发布时间晚于当前，已忽略该时间",
    "date_too_old": "发布时间早于 1995 年，已忽略该时间",
}

# ------------------------------------------------------------------ 审计结果公告 reception (公告反响)

# How a document is linked to a 公告 (store.announcements, analysis.opinion.announcements).
LINK_REPRINT = "reprint"  # in the 公告's reprint group
LINK_EVENT = "event"  # in the 公告's event
LINK_NUMBER = "number"  # cites its number (2026年第3号)
LINK_SUBJECT = "subject"  # names its subject (the title after 公告：)
ANNOUNCEMENT_LINKS: tuple[str, ...] = (LINK_REPRINT, LINK_EVENT, LINK_NUMBER, LINK_SUBJECT)
ANNOUNCEMENT_LINK_LABELS: dict[str, str] = {
    LINK_REPRINT: "转载",
    LINK_EVENT: "同一事件",
    LINK_NUMBER: "引用公告编号",
    LINK_SUBJECT: "提及公告主题",
}
