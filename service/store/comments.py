"""Repository functions for analysed comments: idempotent insert, filtered cursor paging."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload, sessionmaker

from models.pipeline import Analysis
from service.store.search import text_matches
from service.store.tables import ROW_ID_MAX, Comment, Mention

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Insert:
    comment_id: int | None  # None: (source, id) was stored before
    external_id: str


def insert_comment(
    session: Session,
    analysis: Analysis,
    *,
    created_at: datetime | None,
    metadata: dict[str, Any],
    source: str,
    external_id: str,
    taxonomy: str,
    model_version: str,
    embedding_model: str,
    cluster_id: int | None = None,
    customer_hash: str | None = None,
) -> Insert:
    """Insert unless (source, external_id) exists; ON CONFLICT makes concurrent retries safe."""
    now = datetime.now(UTC)
    top = analysis.touchpoints[0].label if analysis.touchpoints else None
    values = dict(
        source=source,
        external_id=external_id,
        text=analysis.text,
        created_at=created_at or now,
        received_at=now,
        metadata=metadata,
        taxonomy=taxonomy,
        stage=analysis.stage.label,
        stage_confidence=analysis.stage.confidence,
        touchpoint=top,
        sentiment=analysis.sentiment.label,
        sentiment_score=analysis.sentiment.score,
        sentiment_confidence=analysis.sentiment.confidence,
        embedding=np.asarray(analysis.embedding, dtype="<f4").tobytes(),
        embedding_model=embedding_model,
        model_version=model_version,
        cluster_id=cluster_id,
        customer_hash=customer_hash,
        language=analysis.language,
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Comment.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(Comment.__table__.c.id)
    )
    comment_id = session.execute(statement).scalar_one_or_none()
    if comment_id is None:
        return Insert(None, external_id)
    session.add_all(
        Mention(
            comment_id=comment_id,
            rank=rank,
            touchpoint=m.label,
            stage=m.stage,
            confidence=m.confidence,
            sentiment=m.sentiment.label,
            sentiment_score=m.sentiment.score,
            evidence=m.evidence,
            span_start=m.start,
            span_end=m.end,
        )
        for rank, m in enumerate(analysis.touchpoints)
    )
    return Insert(comment_id, external_id)


@dataclass(frozen=True)
class CommentFilter:
    since: datetime | None = None
    until: datetime | None = None
    stage: str | None = None
    touchpoint: str | None = None
    sentiment: str | None = None
    source: str | None = None
    taxonomy: str | None = None
    clusters: tuple[int, ...] | None = None  # a cluster and those merged into it
    text: str | None = None  # every word (or "quoted phrase") must occur, any case
    language: str | None = None  # ISO 639-1, as detected
    segment: tuple[str, str] | None = None  # (metadata field, value), compared as text


def apply_filter(query: Select, f: CommentFilter) -> Select:  # type: ignore[type-arg]
    if f.since:
        query = query.where(Comment.created_at >= f.since)
    if f.until:
        query = query.where(Comment.created_at < f.until)
    if f.stage:
        query = query.where(Comment.stage == f.stage)
    if f.sentiment:
        query = query.where(Comment.sentiment == f.sentiment)
    if f.source:
        query = query.where(Comment.source == f.source)
    if f.taxonomy:
        query = query.where(Comment.taxonomy == f.taxonomy)
    if f.clusters is not None:
        query = query.where(Comment.cluster_id.in_(f.clusters))
    if f.language:
        query = query.where(Comment.language == f.language)
    if f.segment:
        query = query.where(segment_value(f.segment[0]) == f.segment[1])
    if f.touchpoint:
        query = query.where(
            exists().where(Mention.comment_id == Comment.id, Mention.touchpoint == f.touchpoint)
        )
    if f.text and (matches := text_matches(f.text)) is not None:
        query = query.where(matches)
    return query


def segment_value(field: str) -> ColumnElement[str]:
    """metadata[field] as text in SQL (SQLite's JSON_EXTRACT, PostgreSQL's ->>)."""
    return Comment.extra[field].as_string()


def segment_values(session: Session, field: str, limit: int) -> list[tuple[str, int]]:
    """The most common values of a segment field among the stored comments, with their counts."""
    value = segment_value(field)
    query = (
        select(value, func.count())
        .where(value.is_not(None))
        .group_by(value)
        .order_by(func.count().desc(), value)
        .limit(limit)
    )
    return [(str(v), int(n)) for v, n in session.execute(query)]


def encode_cursor(comment: Comment) -> str:
    """Where the next page starts: the last comment's time (microseconds since the epoch) and id."""
    micros = (_utc(comment.created_at) - EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"t{micros}.{comment.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, _, comment_id = raw[1:].partition(".")
        if not raw.startswith("t") or not all(_digits(p) for p in (micros, comment_id)):
            raise ValueError
        if int(comment_id) > ROW_ID_MAX:  # no such row; the driver would overflow on it
            raise ValueError
        moment = EPOCH + timedelta(microseconds=int(micros))
    except (ValueError, UnicodeDecodeError, OverflowError) as exc:
        raise ValueError("cursor is not one this API returned: pass next_cursor unchanged") from exc
    return moment, int(comment_id)


def _digits(text: str) -> bool:
    return text.lstrip("-").isascii() and text.lstrip("-").isdigit()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def page_comments(
    session: Session, f: CommentFilter, limit: int, cursor: str | None
) -> tuple[list[Comment], str | None]:
    """Newest first by the comments' own time (then id, for those written at the same moment);
    next_cursor is None on the last page."""
    query = apply_filter(select(Comment), f).options(selectinload(Comment.mentions))
    if cursor:
        moment, comment_id = decode_cursor(cursor)
        query = query.where(
            or_(Comment.created_at < moment, and_(Comment.created_at == moment, Comment.id < comment_id))
        )
    order = (Comment.created_at.desc(), Comment.id.desc())
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None


def count_comments(session: Session, f: CommentFilter) -> int:
    return int(session.scalar(apply_filter(select(func.count()).select_from(Comment), f)) or 0)


def iter_comments(session: Session, f: CommentFilter, max_rows: int, chunk: int = 1000) -> Iterator[Comment]:
    """Up to `max_rows` comments, newest first, fetched page by page (for exports)."""
    cursor, sent = None, 0
    while sent < max_rows:
        rows, cursor = page_comments(session, f, min(chunk, max_rows - sent), cursor)
        yield from rows
        sent += len(rows)
        if cursor is None:
            return


def latest_with_mentions(session: Session, f: CommentFilter, limit: int) -> Sequence[Comment]:
    """The newest `limit` comments that pass `f`, newest by their own time (created_at, then id:
    an import of old comments is not "newest" for having been stored last), mentions loaded."""
    query = apply_filter(select(Comment), f).options(selectinload(Comment.mentions))
    return session.scalars(query.order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit)).all()


def get_comment(session: Session, comment_id: int) -> Comment | None:
    return session.get(Comment, comment_id)


def stale_count(sessions: sessionmaker[Session], encoder_version: str) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(Comment).where(Comment.embedding_model != encoder_version)
        return int(session.scalar(query) or 0)


def stale_embeddings(session: Session, encoder_version: str, limit: int) -> list[tuple[int, str]]:
    """(id, text) of the first `limit` comments embedded by another encoder than `encoder_version`."""
    query = select(Comment.id, Comment.text).where(Comment.embedding_model != encoder_version)
    return [(i, text) for i, text in session.execute(query.order_by(Comment.id).limit(limit))]


def recent_embeddings(session: Session, encoder_version: str, limit: int) -> np.ndarray:
    """The embeddings of the latest `limit` comments embedded by `encoder_version`, (n, dim)."""
    query = (
        select(Comment.embedding)
        .where(Comment.embedding_model == encoder_version)
        .order_by(Comment.id.desc())
        .limit(limit)
    )
    blobs = list(session.scalars(query))
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1).astype(np.float32)


def taxonomy_counts(session: Session, encoder_version: str) -> dict[str, int]:
    """Stored comments per taxonomy whose embedding comes from `encoder_version`."""
    query = (
        select(Comment.taxonomy, func.count())
        .where(Comment.embedding_model == encoder_version)
        .group_by(Comment.taxonomy)
    )
    return {str(name): int(n) for name, n in session.execute(query)}


def taxonomy_embeddings(
    session: Session, taxonomy: str, encoder_version: str, limit: int
) -> tuple[list[int], np.ndarray]:
    """Ids and embeddings of the latest `limit` comments of a taxonomy embedded by `encoder_version`."""
    query = (
        select(Comment.id, Comment.embedding)
        .where(Comment.taxonomy == taxonomy, Comment.embedding_model == encoder_version)
        .order_by(Comment.id.desc())
        .limit(limit)
    )
    rows = list(session.execute(query))
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), -1)
    return [int(r[0]) for r in rows], matrix.astype(np.float32)


def set_embedding(session: Session, comment_id: int, vector: np.ndarray, encoder_version: str) -> None:
    session.execute(
        update(Comment)
        .where(Comment.id == comment_id)
        .values(embedding=np.asarray(vector, dtype="<f4").tobytes(), embedding_model=encoder_version)
    )


def blank_text_before(session: Session, cutoff: datetime) -> int:
    """Blank the text of comments created before `cutoff`, and their mentions' evidence; how many
    comments were blanked (already blank ones are not counted again)."""
    expired = select(Comment.id).where(Comment.created_at < cutoff).scalar_subquery()
    session.execute(
        update(Mention).where(Mention.comment_id.in_(expired), Mention.evidence != "").values(evidence="")
    )
    result = session.execute(
        update(Comment).where(Comment.created_at < cutoff, Comment.text != "").values(text="")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
