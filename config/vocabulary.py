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
    "suspicious_script": "可疑脚本",
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

# Where a document was published (documents.platform).
PLATFORM_LABELS: dict[str, str] = {
    "news": "新闻网站",
    "weibo": "微博",
    "wechat": "微信公众号",
    "official": "政府网站",
    "forum": "论坛",
    "video": "视频",
    "hotlist": "热榜",
}

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
    "bad_start_request": "起始地址无效",
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
    "empty_hot_list": "热榜无条目",
}

# ------------------------------------------------------------------ sources and crawls

# How a source is crawled (sources.kind; config.loader.Source.kind).
SOURCE_KIND_LABELS: dict[str, str] = {
    "rss": "RSS 订阅",
    "list": "新闻列表",
    "search": "搜索结果",
    "weibo": "微博",
    "wechat": "微信公众号",
    "hotlist": "热榜",
    "official": "官方发布",
    "site_check": "网站核查",
}
# The spiders (crawl_runs.spider; each spider's `name`).
SPIDER_LABELS: dict[str, str] = {
    "news_listing": "新闻列表采集",
    "rss": "RSS 采集",
    "search_results": "搜索结果采集",
    "social_posts": "社交媒体采集",
    "hot_list": "热榜采集",
    "impersonation": "仿冒网站核查",
    "site_watch": "网站安全监测",
}
# A crawl run's outcome (crawl_runs.status).
RUN_STATUS_LABELS: dict[str, str] = {
    "running": "运行中",
    "finished": "完成",
    "partial": "部分入库",
    "interrupted": "中断",
    "failed": "失败",
}
# Why Scrapy closed a spider (crawl_runs.finish_reason): Scrapy's reasons and the closespider extension's.
FINISH_REASON_LABELS: dict[str, str] = {
    "finished": "正常结束",
    "shutdown": "被中止（Ctrl-C 或停止信号）",
    "cancelled": "已取消",
    "closespider_timeout": "运行超时",
    "closespider_timeout_no_item": "长时间无新条目",
    "closespider_itemcount": "达到条目上限",
    "closespider_pagecount": "达到页面上限",
    "closespider_pagecount_no_item": "多页无新条目",
    "closespider_errorcount": "错误过多",
}
# CloseSpider("<prefix>: <detail>") raised by the pipelines: the prefix is the code.
FINISH_REASON_PREFIX_LABELS: dict[str, str] = {
    "db unavailable": "数据库不可用",
    "invalid 监测方案": "监测方案配置有误",
}


def finish_reason_label(reason: str | None) -> str:
    """A crawl's end reason for people: the label of a known code, or of a `prefix: detail` message with the
    detail kept; an unknown reason is shown as it is (it is Scrapy's or a spider's own text)."""
    if not reason:
        return ""
    if reason in FINISH_REASON_LABELS:
        return FINISH_REASON_LABELS[reason]
    prefix, sep, detail = reason.partition(": ")
    if sep and prefix in FINISH_REASON_PREFIX_LABELS:
        return f"{FINISH_REASON_PREFIX_LABELS[prefix]}：{detail}"
    return reason


# ------------------------------------------------------------------ site watch details

# CHECK_VARIANT_LABELS (how a watched page was fetched) is with the findings above.
# Fixed page regions compared with the baseline (analysis.sitewatch.integrity).
REGION_LABELS: dict[str, str] = {"header": "页头", "nav": "导航", "footer": "页脚", "title": "页面标题"}

# Impersonation signals (site_candidates.signals[].code; analysis.sitewatch.impersonation.Signal). The analysis
# stores its own label with each signal (some carry details); these are the labels for the bare codes.
SIGNAL_LABELS: dict[str, str] = {
    "allowlisted": "合法组织白名单",
    "national_prefix": "冠以“中国/中华/全国/国家”等字样",
    "supranational_prefix": "冠以“国际/世界/亚洲”等字样",
    "org_form": "社会组织形式名称",
    "illegal_typical_form": "非法组织常用名称形式",
    "loose_form": "联盟/组委会/分支机构等无独立法人资格的形式",
    "stacked_forms": "名称叠加多个组织形式",
    "grandiose_terms": "名称含宏大/商业化词语",
    "authority_terms": "名称暗示认证、评比、监督等公权力职能",
    "regional_branch": "全国性名称下设地方分会",
    "regional_note": "名称括注地名（地域性代表机构的形式）",
    "clan": "宗亲类跨地域组织",
    "latin_letters": "名称夹杂外文字母",
    "audit_term": "名称使用“审计”字样",
    "state_prefix": "冠以“国家/中央”等国家机关专用字样",
    "national_institution": "非会员制机构（民办非企业单位等）冠以全国性或国际性字样",
    "national_organ_form": "以“委员会”等机关形式冠以全国性字样",
    "organ_terms": "名称使用国家机关的机构用语",
    "scope_stack": "全国性字样后再叠加“国际/世界”等范围词",
    "honorific_terms": "名称含荣誉、评奖或宏大玄虚用语",
    "buzzwords": "名称堆砌多个时髦词语",
    "no_region": "地方组织名称未冠以行政区划名称",
    "not_registered": "未在民政部全国性社会组织名录中",
    "registered": "在全国性社会组织名录中（已登记或免予登记）",
    "redirect_official": "跳转至官方网站",
    "unreachable": "无法获取页面内容",
    "gov_posing": "以政府机关名义出现但不在 .gov.cn/.政务 域名下",
    "site_code_on_non_gov": "非政府域名使用政府网站标识码",
    "site_code_copied": "复制官方网站标识码",
    "badge_on_non_gov": "非政府域名使用“党政机关”标识",
    "authorisation_claim": "声称获审计机关授权、指定或委托",
    "cooperation_claim": "声称与审计机关合作",
    "official_status_claim": "自称官方或唯一指定",
    "fee_with_training": "收取培训、考试或证书费用",
    "text_similarity": "页面文字与官方网站相似",
    "layout_similarity": "页面版式与官方网站相似",
    "favicon_copied": "网站图标与官方网站相同",
    "no_icp": "页面无ICP备案号",
    "parked": "停放/待售域名",
    "audit_org_name": "名称使用“审计”字样",
    "suspicious_org_name": "名称符合非法社会组织特征",
}

# ------------------------------------------------------------------ people and the audit log

# What audit_log.action records (store.audit.log_action callers), for the 处理记录 tables and exports.
AUDIT_ACTION_LABELS: dict[str, str] = {
    "status": "状态变更",
    "response": "记录回应",
    "assign": "指派",
    "acknowledge": "确认知悉",
    "review": "核查标记",
    "escalate": "升级提醒",
    "add": "添加",
    "note": "备注",
    "rebaseline": "重建基线",
    "passwd": "修改密码",
    "disable": "停用账号",
    "enable": "启用账号",
    "login": "登录",
    "logout": "退出登录",
    "login_failed": "登录失败",
    "login_locked": "登录被锁定",
}
ACTION_LABELS = AUDIT_ACTION_LABELS  # the name the site-watch modules use

# ------------------------------------------------------------------ scheduler (scheduler_jobs)

SCHEDULER_JOB_LABELS: dict[str, str] = {
    "crawl": "采集",
    "analysis": "分析",
    "alerts": "预警",
    "site_check": "仿冒网站核查",
    "site_watch": "网站监测",
    "digest": "日报",
}
SCHEDULER_CRAWL_PREFIX = "crawl:"  # crawl jobs are named crawl:<source>
SCHEDULER_RESULT_LABELS: dict[str, str] = {
    "running": "运行中",
    "ok": "成功",
    "failed": "失败",
    "timeout": "超时",
    "interrupted": "已中断",
}


def scheduler_job_label(name: str) -> str:
    """A scheduler job's name for people: 采集：<信源>, 分析, 预警 …"""
    if name.startswith(SCHEDULER_CRAWL_PREFIX):
        return f"采集：{name[len(SCHEDULER_CRAWL_PREFIX) :]}"
    return SCHEDULER_JOB_LABELS.get(name, name)


# ------------------------------------------------------------------ alerts (alert_items, alert_messages)

TRIGGER_LABELS: dict[str, str] = {
    "event_class_a": "A类事件",
    "event_class_b": "B类事件",
    "office_criticism": "批评审计机关",
    "plan_burst": "方案声量突增",
    "deadline_soon": "回应时限将到",
    "deadline_passed": "回应已超时",
    "site_act": "仿冒网站",
    "integrity_high": "网站安全高危",
    "source_failing": "信源连续失败",
    "escalation": "升级提醒",
    "daily_digest": "舆情日报",
}
CHANNEL_LABELS: dict[str, str] = {
    "smtp": "邮件",
    "wecom": "企业微信",
    "dingtalk": "钉钉",
    "feishu": "飞书",
    "webhook": "Webhook",
}
MESSAGE_STATUS_LABELS: dict[str, str] = {
    "pending": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "发送失败",
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
