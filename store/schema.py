"""The one place that knows the database schema: SQLAlchemy Core tables shared by SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

from config.vocabulary import CANDIDATE_PENDING, EVENT_PENDING

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only accepts timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("url", Text, nullable=False),
    Column("platform", String(32), nullable=False, default="news"),
    Column("level", String(32), nullable=False),
    Column("region", String(100), nullable=True),
    Column("cadence_minutes", Integer, nullable=False, default=60),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("last_run_at", UTCDateTime, nullable=True),
    Column("last_success_at", UTCDateTime, nullable=True),
    Column("last_error_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime, nullable=True),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),  # canonical URL
    Column("source", String(200), nullable=False, index=True),  # sources.name
    Column("platform", String(32), nullable=False, default="news"),
    Column("level", String(32), nullable=True),
    Column("title", Text, nullable=False, default=""),
    Column("body", Text, nullable=False, default=""),
    Column("author", String(200), nullable=True),
    Column("media", String(200), nullable=True),  # 来源 media named on the page
    Column("published_at", UTCDateTime, nullable=True, index=True),
    Column("date_missing", Boolean, nullable=False, default=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False, index=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("reposts", BigInteger, nullable=False, default=0),  # 64-bit: hot values pass 2^31
    Column("comments", BigInteger, nullable=False, default=0),  # 64-bit: hot values pass 2^31
    Column("likes", BigInteger, nullable=False, default=0),  # 64-bit: hot values pass 2^31
    Column("reads", BigInteger, nullable=False, default=0),  # 64-bit: hot values pass 2^31
    Column("region", String(100), nullable=True),
    Column("plans", JSON, nullable=False, default=list),  # names of matched 监测方案
    Column("terms", JSON, nullable=False, default=list),  # the terms that matched
    Column("content_hash", String(40), nullable=False, index=True),
    # written by analysis
    Column("analyzed_at", UTCDateTime, nullable=True, index=True),
    Column("analysis_version", String(32), nullable=True),
    Column("keywords", JSON, nullable=True),
    Column("sentiment_label", String(8), nullable=True, index=True),  # neg / neu / pos
    Column("sentiment_score", Float, nullable=True),  # p_pos - p_neg in [-1, 1]
    Column("sentiment_model", String(32), nullable=True),
    Column("target", String(16), nullable=True),  # office / audited / other
    Column("reprint_group", Integer, nullable=True, index=True),  # id of the group's first document
    Column("event_id", Integer, nullable=True, index=True),
    Column("signature", LargeBinary, nullable=True),  # near-duplicate signature (analysis.opinion.reprints)
    Column("region_province", String(32), nullable=True),
    Column("region_city", String(32), nullable=True),
    Column("region_county", String(32), nullable=True),
    Column("region_code", String(12), nullable=True, index=True),
    Column("stage2_at", UTCDateTime, nullable=True, index=True),  # reprint/event stage done
    # revision 0007_w_scale: the document's time, coalesce(published_at, first_seen_at), written on insert
    # (neither column changes afterwards), and the local day under which the daily counts hold it (NULL:
    # not counted there yet; store.aggregates)
    Column("doc_time", UTCDateTime, nullable=True),
    Column("agg_day", Date, nullable=True),
)
Index("ix_documents_source_published", documents.c.source, documents.c.published_at)
# covering the 总览's list filters, so a newest-first scan reads only the rows it returns, and a report's
# period counts (store.reports.period_profile: + target, event_id; revision 0013_w_period)
Index("ix_documents_doc_time", documents.c.doc_time, documents.c.sentiment_label, documents.c.source,
      documents.c.level, documents.c.target, documents.c.event_id, documents.c.id)
Index("ix_documents_source_doc_time", documents.c.source, documents.c.doc_time)
Index("ix_documents_agg_day_doc_time", documents.c.agg_day, documents.c.doc_time)
Index("ix_documents_source_first_seen", documents.c.source, documents.c.first_seen_at)
# the 地域 filter and its choices (distinct values by a loose index scan)
for _col in ("region_province", "region_city", "region_county", "region"):
    Index(f"ix_documents_{_col}", documents.c[_col])

# ------------------------------------------------------------------ scale (revision 0007_w_scale)
# One row per document and matched 监测方案 (the 方案 filter as an index instead of a JSON scan).
document_plans = Table(
    "document_plans",
    metadata,
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("plan", String(200), primary_key=True),
    Column("doc_time", UTCDateTime, nullable=True),
    sqlite_with_rowid=False,
)
Index("ix_document_plans_plan_doc_time", document_plans.c.plan, document_plans.c.doc_time)

# Documents per local day (in the timezone recorded in analysis_state 'aggregates') and source, level, sentiment
# code (NOT_ANALYSED for none) and the set of matched 方案 ('\n'-joined, sorted; '' for none); n_office: those
# whose target is the audit office itself. Written by store.aggregates with each analysis write, so a document
# counts once, under its latest analysis; documents.agg_day marks the documents counted here.
daily_counts = Table(
    "daily_counts",
    metadata,
    Column("plan_set", String(1000), primary_key=True),  # first: a 方案 filter reads only its sets' rows
    Column("day", Date, primary_key=True),
    Column("source", String(200), primary_key=True),
    Column("level", String(32), primary_key=True),
    Column("sentiment", String(8), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("n_office", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# The same without the 方案 set: what the dashboard reads when no 方案 filter is set (a tenth of the rows).
daily_totals = Table(
    "daily_totals",
    metadata,
    Column("day", Date, primary_key=True),
    Column("source", String(200), primary_key=True),
    Column("level", String(32), primary_key=True),
    Column("sentiment", String(8), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("n_office", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Documents per local day that carry a keyword (the same documents as daily_counts).
daily_keywords = Table(
    "daily_keywords",
    metadata,
    Column("day", Date, primary_key=True),
    Column("keyword", String(200), primary_key=True),
    Column("n", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# The same per calendar month (`month`: its first day), so a year of keywords is twelve months plus the days at
# the edges of the range.
monthly_keywords = Table(
    "monthly_keywords",
    metadata,
    Column("month", Date, primary_key=True),
    Column("keyword", String(200), primary_key=True),
    Column("n", Integer, nullable=False),
    sqlite_with_rowid=False,
)

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("spider", String(64), nullable=False, index=True),
    Column("source", String(200), nullable=True, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False, default="running"),  # running / finished / failed
    Column("finish_reason", String(64), nullable=True),
    Column("pages", Integer, nullable=False, default=0),
    Column("items", Integer, nullable=False, default=0),
    Column("stored", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("dropped", JSON, nullable=False, default=dict),  # reason -> count
    Column("errors", Integer, nullable=False, default=0),
    Column("error_samples", JSON, nullable=False, default=list),
    Column("stats", JSON, nullable=False, default=dict),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("spider", String(64), nullable=False),
    Column("source", String(200), nullable=True, index=True),
    Column("reason", String(64), nullable=False),  # e.g. unencodable_url, store_rejected
    Column("error", Text, nullable=False),
    Column("item", Text, nullable=False),  # the raw item as ASCII JSON (lone surrogates escaped)
    Column("quarantined_at", UTCDateTime, nullable=False, index=True),
)

analysis_runs = Table(
    "analysis_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("documents", Integer, nullable=False, default=0),
    Column("version", String(32), nullable=False),
    Column("stats", JSON, nullable=False, default=dict),
)


# ------------------------------------------------------------------ hotspots and responses (revision 0002)
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("keywords", JSON, nullable=False, default=list),
    Column("first_seen_at", UTCDateTime, nullable=False, index=True),  # first detection: the deadline clock
    Column("first_published_at", UTCDateTime, nullable=True),
    Column("first_doc_id", Integer, nullable=True),  # 首发 document
    Column("first_source", String(200), nullable=True),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("doc_count", Integer, nullable=False, default=0),
    Column("reprint_count", Integer, nullable=False, default=0),
    Column("source_count", Integer, nullable=False, default=0),
    Column("negative_share", Float, nullable=True),
    Column("office_critical_count", Integer, nullable=False, default=0),
    Column("heat", Float, nullable=False, default=0.0),
    Column("heat_components", JSON, nullable=False, default=dict),
    Column("heat_history", JSON, nullable=False, default=list),  # [[iso time, heat], ...]
    Column("is_burst", Boolean, nullable=False, default=False),
    Column("burst_z", Float, nullable=True),
    Column("response_class", String(1), nullable=True, index=True),  # A / B / NULL
    Column("response_reason", Text, nullable=True),
    Column("response_rule", String(64), nullable=True),
    Column("response_terms", JSON, nullable=False, default=list),
    Column("deadline_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False, default=EVENT_PENDING, index=True),
    Column("assignee", String(100), nullable=True),  # users.username of the person 指派 to handle it
    Column("notes", Text, nullable=True),
    Column("region", String(100), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    # revision 0007_w_events: who assigned it and when; the 值班领导 who acknowledged it and when
    Column("assigned_by", String(100), nullable=True),
    Column("assigned_at", UTCDateTime, nullable=True),
    Column("acknowledged_by", String(100), nullable=True),
    Column("acknowledged_at", UTCDateTime, nullable=True),
)

responses = Table(
    "responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),  # 发布权威信息 / 新闻发布会 / 吹风会 / 接受采访 / 澄清
    Column("url", Text, nullable=True),
    Column("responded_at", UTCDateTime, nullable=False),
    Column("by_whom", String(100), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entity", String(32), nullable=False),  # event / site_candidate / ...
    Column("entity_id", Integer, nullable=False),
    Column("action", String(32), nullable=False),  # status / assign / note / response / add
    Column("old_value", Text, nullable=True),
    Column("new_value", Text, nullable=True),
    Column("by_whom", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=True),
)
Index("ix_audit_log_entity", audit_log.c.entity, audit_log.c.entity_id)

analysis_state = Table(
    "analysis_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The documents citing each 审计结果公告's number or naming its subject (store.announcements; revision
# 0011_w_annperf), found once by the analysis job instead of by a full-text search per 公告 on every read.
announcement_links = Table(
    "announcement_links",
    metadata,
    Column("announcement_id", Integer, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("document_id", Integer, primary_key=True),
    sqlite_with_rowid=False,
)

# ------------------------------------------------------------------ site watch (revision 0002)
site_candidates = Table(
    "site_candidates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("host", String(255), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("found_by", JSON, nullable=False, default=list),  # [{"method", "detail", "at"}, ...]
    Column("final_url", Text, nullable=True),
    Column("title", Text, nullable=True),
    Column("score", Float, nullable=True, index=True),
    Column("tier", String(16), nullable=True),  # act / review / none
    Column("signals", JSON, nullable=False, default=list),
    Column("evidence", JSON, nullable=False, default=dict),
    Column("status", String(16), nullable=False, default=CANDIDATE_PENDING, index=True),  # CANDIDATE_STATUSES
    Column("status_by", String(100), nullable=True),
    Column("status_at", UTCDateTime, nullable=True),
    Column("note", Text, nullable=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_checked_at", UTCDateTime, nullable=True),
    Column("check_error", Text, nullable=True),
    Column("acknowledged_by", String(100), nullable=True),  # revision 0007_w_events: 确认知悉, who and when
    Column("acknowledged_at", UTCDateTime, nullable=True),
)

site_snapshots = Table(
    "site_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("site", String(200), nullable=True),
    Column("baseline", JSON, nullable=True),
    Column("baseline_at", UTCDateTime, nullable=True),
    Column("latest", JSON, nullable=True),
    Column("last_checked_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False, default="ok"),  # ok / findings / error
    Column("last_error", Text, nullable=True),
)

integrity_findings = Table(
    "integrity_findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("summary", Text, nullable=False),
    Column("evidence", JSON, nullable=False, default=dict),
    Column("found_at", UTCDateTime, nullable=False, index=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    # revision 0007_w_events: a person's review (None = not reviewed, FINDING_REVIEWS), who, when, why
    Column("review", String(16), nullable=True),
    Column("review_by", String(100), nullable=True),
    Column("review_at", UTCDateTime, nullable=True),
    Column("review_note", Text, nullable=True),
)

# ------------------------------------------------------------------ alerts outbox (revision 0003_alerts)
# One row per alert item and recipient channel (the outbox of STYLE 5b): written, with its dedup key, in the
# transaction that decided to alert; grouped into an `alert_messages` row when it may be delivered; marked sent
# when the channel accepted every part of that message.
alerts_sent = Table(
    "alerts_sent",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dedup_key", String(200), nullable=False, unique=True),  # item key | recipient | channel name
    Column("channel", String(32), nullable=False),  # channel type: smtp / wecom / dingtalk / feishu / webhook
    Column("recipient", String(200), nullable=False),
    Column("subject", Text, nullable=False),
    Column("payload", JSON, nullable=False, default=dict),  # the item's facts (title, class, links, ...)
    Column("sent_at", UTCDateTime, nullable=True),  # delivered (the channel accepted the message)
    Column("item_key", String(200), nullable=True, index=True),  # the alert without recipient: trigger:entity
    Column("rule", String(100), nullable=True),
    Column("trigger", String(32), nullable=True),
    Column("channel_name", String(100), nullable=True),
    Column("event_id", Integer, nullable=True, index=True),
    Column("document_ids", JSON, nullable=False, default=list),
    Column("urgent", Boolean, nullable=False, default=False),
    # pending (waiting for its window) / queued (in a message) / sent / failed / cancelled
    Column("status", String(16), nullable=False, default="pending", index=True),
    Column("message_id", Integer, nullable=True, index=True),
    Column("created_at", UTCDateTime, nullable=True),
    Column("note", Text, nullable=True),
)

alert_messages = Table(
    "alert_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_key", String(64), nullable=False, unique=True),  # shown in the message; idempotency key
    Column("recipient", String(200), nullable=False),
    Column("channel_name", String(100), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("address", String(320), nullable=True),  # e-mail address for smtp
    Column("subject", Text, nullable=False),
    Column("parts", JSON, nullable=False, default=list),  # rendered, unsigned channel payloads
    Column("parts_sent", Integer, nullable=False, default=0),  # parts the channel accepted
    Column("item_count", Integer, nullable=False, default=0),
    Column("urgent", Boolean, nullable=False, default=False),
    # pending (due at next_attempt_at) / sending (claimed until claimed_at + lease) / sent / failed
    Column("status", String(16), nullable=False, default="pending", index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=True, index=True),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("sent_at", UTCDateTime, nullable=True),
)
Index("ix_alert_messages_recipient_channel", alert_messages.c.recipient, alert_messages.c.channel_name)

# `yuqing serve`: one row per scheduled job (crawl:<source>, analysis, alerts, site_check, site_watch …)
scheduler_jobs = Table(
    "scheduler_jobs",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("last_started_at", UTCDateTime, nullable=True),
    Column("last_finished_at", UTCDateTime, nullable=True),
    Column("last_status", String(16), nullable=True),  # running / ok / failed / timeout / interrupted
    Column("last_ok_at", UTCDateTime, nullable=True),  # start of the last successful run
    Column("last_error", Text, nullable=True),
    Column("last_summary", Text, nullable=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
    Column("runs", Integer, nullable=False, default=0),
    Column("next_run_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=True),
)

# the one scheduler's heartbeat (a single row, id 1)
scheduler_state = Table(
    "scheduler_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mode", String(16), nullable=False),  # local / distributed / once
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("heartbeat_seconds", Integer, nullable=False),
    Column("stopped_at", UTCDateTime, nullable=True),
)

# ------------------------------------------------------------------ local accounts (revision 0003_auth)
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),  # admin / handler / duty_leader / analyst (store.users.ROLES)
    Column("password_hash", String(255), nullable=False),  # argon2id, never the password
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime, nullable=True),
    # failed logins since the last success or lock
    Column("failed_count", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime, nullable=True),
)
