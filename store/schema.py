"""The one place that knows the database schema: SQLAlchemy Core tables shared by SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

SCHEMA_REVISION = "0001"

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
    Column("reposts", Integer, nullable=False, default=0),
    Column("comments", Integer, nullable=False, default=0),
    Column("likes", Integer, nullable=False, default=0),
    Column("reads", Integer, nullable=False, default=0),
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
    Column("reprint_group", Integer, nullable=True, index=True),
    Column("event_id", Integer, nullable=True, index=True),
)
Index("ix_documents_source_published", documents.c.source, documents.c.published_at)

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

