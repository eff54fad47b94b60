"""The tables. Only redacted text is ever stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from service.common.times import as_utc

# Row ids are INTEGER columns (32 bits on PostgreSQL): a larger id names nothing, and the driver
# would raise on it, so every id a client sends is bounded by this.
ROW_ID_MAX = 2**31 - 1


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on both databases. SQLite keeps no offset: it would store
    10:00+05:00 as 10:00 and give back naive times, so every time is turned to UTC before it is
    written (or compared) and read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    pass


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_comments_source_external_id"),
        Index("ix_comments_created_at", "created_at"),
        Index("ix_comments_stage", "stage"),
        Index("ix_comments_sentiment", "sentiment"),
        Index(  # the journey map reads it alone (migration 0004)
            "ix_comments_journey",
            "taxonomy",
            "created_at",
            "stage",
            "sentiment",
            "sentiment_score",
            "source",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    taxonomy: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(64))
    stage_confidence: Mapped[float] = mapped_column(Float)
    touchpoint: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the best one
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    sentiment_confidence: Mapped[float] = mapped_column(Float)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    embedding_model: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(300))
    cluster_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # a PainCluster
    # HMAC-SHA256 of the customer's id (service/domain/privacy.py): erasure finds their comments by it,
    # while the raw id is never stored (migration 0005).
    customer_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # ISO 639-1 of the text, as detected (models/language.py); None: too short to tell (migration 0007)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)

    mentions: Mapped[list[Mention]] = relationship(
        back_populates="comment", cascade="all, delete-orphan", order_by="Mention.rank"
    )


class Mention(Base):
    """One touchpoint named by a comment, with its own sentiment and evidence span."""

    __tablename__ = "mentions"
    __table_args__ = (
        Index("ix_mentions_touchpoint", "touchpoint"),
        Index("ix_mentions_journey", "comment_id", "touchpoint", "sentiment", "sentiment_score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    touchpoint: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)

    comment: Mapped[Comment] = relationship(back_populates="mentions")


class StoredTaxonomy(Base):
    """Taxonomies posted through the API, kept so they survive a restart."""

    __tablename__ = "taxonomies"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Correction(Base):
    """An analyst's label on a stored comment: training data for the next `mot train`."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    touchpoint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sentiment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PainCluster(Base):
    """A pain cluster; its id survives refreshes that find it again (models/identity.py)."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16))  # negative | all
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # found by the latest refresh
    label: Mapped[str] = mapped_column(String(300))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str | None] = mapped_column(String(300), nullable=True)  # the analyst's
    status: Mapped[str] = mapped_column(String(16), default="new")  # new | known | resolved | ignored
    linked_touchpoint: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the analyst's
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)  # shown as part of that one
    touchpoint: Mapped[str] = mapped_column(String(64))  # best taxonomy match, or "new"
    size: Mapped[int] = mapped_column(Integer)
    negative_share: Mapped[float] = mapped_column(Float)
    mean_sentiment: Mapped[float] = mapped_column(Float)
    touchpoints: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    stages: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    representatives: Mapped[list[int]] = mapped_column(JSON, default=list)  # comment ids
    emerging: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    trend: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    growth: Mapped[float] = mapped_column(Float, default=1.0)  # last period's observed / expected
    generic: Mapped[bool] = mapped_column(Boolean, default=False)  # venting with no subject
    theme_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # its theme's largest cluster
    theme_label: Mapped[str | None] = mapped_column(String(300), nullable=True)
    centre: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    radius: Mapped[float] = mapped_column(Float)
    embedding_model: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TouchpointTrend(Base):
    """A touchpoint's counts per period from the latest refresh, with its emergence flags."""

    __tablename__ = "touchpoint_trends"

    touchpoint: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    trend: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    emerging: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    refreshed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiKey(Base):
    """An API key: only its SHA-256 is kept; the key itself is shown once, at creation."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # the key's public part
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the whole key
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class UiSession(Base):
    """A signed-in browser: the cookie holds a random token, this row its hash and CSRF token."""

    __tablename__ = "ui_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Secret(Base):
    """Keys the service generated itself (the customer-id HMAC key when MOT_SECRET_KEY is unset),
    kept in the database so that they survive restarts and serve every worker alike."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))  # hex
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Owner(Base):
    """Who answers for a touchpoint (of a taxonomy) or a pain cluster: a team and a contact."""

    __tablename__ = "owners"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # touchpoint | cluster
    taxonomy: Mapped[str] = mapped_column(String(100), primary_key=True)  # "" for a cluster
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)  # touchpoint id, or cluster id
    team: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Action(Base):
    """Something done about a touchpoint or a cluster, from a moment on: its effect is measured
    on the comments before and after (service/domain/actions.py)."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_subject", "kind", "taxonomy", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    taxonomy: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(64))
    what: Mapped[str] = mapped_column(Text)
    done_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClusterNote(Base):
    """An analyst's note on a cluster; notes are only added, so they are the cluster's history."""

    __tablename__ = "cluster_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cluster_id: Mapped[int] = mapped_column(Integer, index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
