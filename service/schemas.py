"""Request and response models of the public API (the contract: add fields, rename none)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    field_validator,
)

from service.common.text import StorableStr, check_metadata, printable, storable
from service.settings import Settings
from service.store.tables import ROW_ID_MAX


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(printable)] | None = (
        Field(None, description="your id; makes retries safe", examples=["zd-48213"])
    )
    text: str = Field(
        description="the customer's words", examples=["Two weeks on and my new card still hasn't arrived"]
    )
    created_at: datetime | None = Field(
        None, description="ISO 8601; default: time received", examples=["2025-03-14T09:30:00Z"]
    )
    source: (
        Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(printable)] | None
    ) = Field(None, description="e.g. zendesk, twitter", examples=["zendesk"])
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="anything of yours to keep with the comment, as a JSON object",
        examples=[{"channel": "email", "plan": "premium"}],
    )
    customer_id: (
        Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(printable)] | None
    ) = Field(
        None,
        description="the customer's id in your systems: stored only as a keyed hash, for erasure",
        examples=["cust-1042"],
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty: send the comment's words")
        return value

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class CustomerErasure(BaseModel):
    customer: str = Field(description="the customer id as given")
    deleted: int = Field(description="comments erased (with their mentions and corrections)")


def _as_sent(value: Any) -> Any:
    return value


# A comment as sent: taken as it is here and checked by validate_items, one by one, so that one
# bad item does not hide the others; the OpenAPI schema still shows a CommentIn.
RawComment = Annotated[Any, PlainValidator(_as_sent, json_schema_input_type=CommentIn)]


class CommentsRequest(BaseModel):
    """Items are validated one by one, so one bad item does not hide the others."""

    model_config = ConfigDict(
        extra="forbid",  # a top-level "source" would be dropped unseen: it belongs on each comment
        json_schema_extra={
            "examples": [
                {
                    "comments": [
                        {
                            "id": "zd-48213",
                            "text": "Two weeks on and my new card still hasn't arrived",
                            "created_at": "2025-03-14T09:30:00Z",
                            "source": "zendesk",
                            "metadata": {"channel": "email", "plan": "premium"},
                            "customer_id": "cust-1042",
                        },
                        {"text": "Why was I charged a fee for my transfer?"},
                    ]
                }
            ]
        },
    )

    comments: list[RawComment] = Field(
        min_length=1, description="the comments, each a CommentIn; an invalid one is reported on its own"
    )
    taxonomy: str | None = Field(None, description="taxonomy name; default: the service's default")


class ItemError(BaseModel):
    index: int
    id: str | None = None
    message: str


def shown_id(raw: object) -> str | None:
    """An invalid item's id as its error names it: at most 200 characters, and always valid
    UTF-8 (a lone surrogate becomes "?"), so the answer itself can be written."""
    if raw is None or raw == "":
        return None
    return str(raw)[:200].encode("utf-8", "replace").decode("utf-8")


def validate_items(
    items: list[Any], settings: Settings
) -> tuple[list[tuple[int, CommentIn]], list[ItemError]]:
    """Each item against CommentIn and the limits: valid ones with their index, and errors."""
    valid: list[tuple[int, CommentIn]] = []
    errors: list[ItemError] = []
    for index, raw in enumerate(items):
        raw_id = shown_id(raw.get("id")) if isinstance(raw, dict) else None
        try:
            if not isinstance(raw, dict):
                raise ValueError("each comment must be an object with a 'text' field")
            item = CommentIn.model_validate(raw)
            if len(item.text) > settings.max_text_chars:
                raise ValueError(
                    f"text has {len(item.text)} characters; the limit is {settings.max_text_chars} "
                    "(MOT_MAX_TEXT_CHARS): split or shorten it"
                )
            check_metadata(item.metadata, settings.max_metadata_depth)
            size = len(json.dumps(item.metadata, default=str))
            if size > settings.max_metadata_bytes:
                raise ValueError(
                    f"metadata is {size} bytes as JSON; the limit is {settings.max_metadata_bytes} "
                    "(MOT_MAX_METADATA_BYTES)"
                )
        except ValidationError as exc:
            message = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'item'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            errors.append(ItemError(index=index, id=raw_id, message=message))
            continue
        except ValueError as exc:
            errors.append(ItemError(index=index, id=raw_id, message=str(exc)))
            continue
        valid.append((index, item))
    return valid, errors


class LabelOut(BaseModel):
    label: str
    confidence: float


class SentimentOut(BaseModel):
    label: Literal["negative", "neutral", "positive"]
    score: float = Field(description="p(positive) - p(negative), in [-1, 1]")
    confidence: float | None = None


class TouchpointOut(BaseModel):
    label: str
    stage: str
    confidence: float
    sentiment: SentimentOut
    evidence: str
    span: tuple[int, int] = Field(description="evidence's [start, end) in the redacted text")


class ResultOut(BaseModel):
    id: str | None
    stage: LabelOut
    touchpoints: list[TouchpointOut]
    sentiment: SentimentOut
    text: str = Field(description="the normalised, redacted text that was analysed")
    redactions: dict[str, int] = Field(default_factory=dict)
    language: str | None = Field(None, description="detected language (ISO 639-1); null: too short to tell")
    warnings: list[str] = Field(
        default_factory=list,
        description="why this result may be unreliable, each starting with a code "
        "(unsupported_language: the encoder does not read the comment's language)",
    )


class AnalyzeResponse(BaseModel):
    model_version: str
    taxonomy: str
    results: list[ResultOut]


class ItemStatus(BaseModel):
    index: int
    id: str | None
    status: Literal["created", "duplicate", "invalid"]
    comment_id: int | None = None
    message: str | None = None
    result: ResultOut | None = None


class IngestResponse(BaseModel):
    model_version: str
    taxonomy: str
    created: int
    duplicates: int
    invalid: int
    items: list[ItemStatus]


class MentionOut(BaseModel):
    touchpoint: str
    stage: str
    confidence: float
    sentiment: str
    sentiment_score: float
    evidence: str


class StoredComment(BaseModel):
    comment_id: int
    id: str
    source: str
    text: str
    created_at: datetime
    received_at: datetime
    metadata: dict[str, Any]
    taxonomy: str
    stage: str
    stage_confidence: float
    touchpoint: str | None
    touchpoints: list[MentionOut]
    sentiment: str
    sentiment_score: float
    sentiment_confidence: float
    model_version: str
    embedding_model: str
    cluster_id: int | None = None
    language: str | None = None


class CommentPage(BaseModel):
    comments: list[StoredComment]
    next_cursor: str | None


class SimilarComment(BaseModel):
    similarity: float = Field(description="cosine similarity of the embeddings, in [-1, 1]")
    comment: StoredComment


class PeriodStats(BaseModel):
    """The same numbers over the period just before [since, until), of the same length."""

    count: int
    negative_share: float | None
    mean_sentiment: float | None


class TouchpointStats(BaseModel):
    touchpoint: str
    name: str
    count: int
    negative_share: float | None
    mean_sentiment: float | None
    negative_low: float | None = Field(None, description="95% Wilson interval of negative_share: low end")
    negative_high: float | None = Field(None, description="95% Wilson interval of negative_share: high end")
    negatives: int = Field(0, description="negative mentions: the touchpoint's weight in the map's impact")
    previous: PeriodStats | None = None  # only with compare=true


class StageStats(BaseModel):
    stage: str
    name: str
    count: int
    negative_share: float | None
    mean_sentiment: float | None
    touchpoints: list[TouchpointStats]
    previous: PeriodStats | None = None


class JourneyResponse(BaseModel):
    taxonomy: str
    since: datetime | None
    until: datetime | None
    total: int
    stages: list[StageStats]
    previous_since: datetime | None = None
    previous_until: datetime | None = None
    previous_total: int | None = None
    previous_complete: bool | None = Field(
        None,
        description="false when the period before starts before the first stored comment of these "
        "filters: its counts are partial and changes against it mean nothing",
    )
    first_comment_at: datetime | None = None


class TaxonomySummary(BaseModel):
    name: str
    version: str
    description: str
    origin: Literal["builtin", "file", "api", "bundle"]
    stages: list[str]
    touchpoints: list[str]


class TaxonomyFinding(BaseModel):
    kind: Literal["close_pair", "never_wins", "dominant", "empty_stage", "few_examples", "nothing_fits"]
    touchpoints: list[str]
    stage: str | None = None
    value: float = Field(description="a share (of the sample, or of a pair's phrases) or a count")
    advice: str = Field(description="what to change, in plain words")


class TaxonomyCheck(BaseModel):
    taxonomy: str
    findings: list[TaxonomyFinding]
    sample_size: int = Field(description="stored comments looked at (MOT_TAXONOMY_CHECK_SAMPLE at most)")
    shares: dict[str, float] = Field(description="touchpoint: share of the sample's named comments it wins")
    nothing_fits_share: float | None = None
    loo_accuracy: float | None = Field(
        None, description="share of the taxonomy's example phrases named right with each left out"
    )


class TaxonomyCreated(TaxonomySummary):
    check: TaxonomyCheck | None = Field(
        None,
        description="null while its phrases are embedded in the background: "
        "GET /v1/taxonomies/{name}/check once it is ready",
    )


class ModelInfo(BaseModel):
    model_version: str
    encoder: str
    bundle: dict[str, Any] | None = Field(None, description="the bundle's manifest; null: stock models")
    card: str | None = Field(None, description="the bundle's model card (Markdown)")
    stale_embeddings: int = Field(0, description="stored comments still embedded by another encoder")


class SwapRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bundle: str = Field(min_length=1, max_length=4096, description="path of a bundle folder on the server")


class AdaptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    taxonomy: str = Field(
        min_length=1, max_length=200, description="the taxonomy to adapt to its stored comments"
    )


class CorrectionIn(BaseModel):
    """Any of touchpoint, stage and sentiment; each must exist in the comment's taxonomy."""

    model_config = ConfigDict(extra="forbid")

    touchpoint: str | None = Field(None, max_length=64)
    stage: str | None = Field(None, max_length=64)
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    note: StorableStr = Field("", max_length=2000)


class CorrectionOut(BaseModel):
    id: int
    comment_id: int
    touchpoint: str | None
    stage: str | None
    sentiment: str | None
    note: str
    created_at: datetime


class JobOut(BaseModel):
    id: int
    kind: str
    status: Literal["running", "done", "failed", "stopped"]
    total: int
    done: int
    progress: float = Field(description="done / total, 1.0 when there was nothing to do")
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    result: dict[str, Any] | None = Field(None, description="what a finished job produced (uploads: counts)")


ClusterStatus = Literal["new", "known", "resolved", "ignored"]


class MergeClusters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into: int = Field(ge=1, le=ROW_ID_MAX, description="the cluster that absorbs this one")


class TrendPoint(BaseModel):
    period: str
    count: int
    share: float
    expected: float | None
    score: float | None
    flagged: bool


class ClusterOut(BaseModel):
    id: int
    label: str
    name: str | None
    status: str
    keywords: list[str]
    size: int
    negative_share: float
    mean_sentiment: float
    touchpoint: str  # the best taxonomy match, or "new"
    linked_touchpoint: str | None
    touchpoints: dict[str, int]
    stages: dict[str, int]
    emerging: bool
    reasons: list[str]
    growth: float
    pain: float  # size x negative share x growth (at least 1): the default order
    merged: list[int] = []  # clusters an analyst merged into this one (their comments count here)
    refreshed_at: datetime
    generic: bool = Field(False, description="venting with no subject: listed after the specific clusters")
    theme_id: int | None = Field(
        None, description="its theme (near-duplicate clusters grouped), known by its largest cluster's id"
    )
    theme_label: str | None = None


class ThemeOut(BaseModel):
    """Clusters that tell one story: the upper level of the two-level hierarchy."""

    id: int = Field(description="the id of its largest cluster")
    label: str
    size: int
    negative_share: float
    pain: float = Field(description="the sum of its clusters' pain")
    generic: bool
    clusters: list[int] = Field(description="its clusters (sub-themes), most painful first")


class Representative(BaseModel):
    comment_id: int
    text: str
    created_at: datetime


class ClusterDetail(ClusterOut):
    trend: list[TrendPoint]
    representatives: list[Representative]


class ClusterPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(max_length=300), AfterValidator(storable)] | None = None
    status: ClusterStatus | None = None
    linked_touchpoint: str | None = Field(None, max_length=64)


class MomentOut(BaseModel):
    rank: int
    touchpoint: str
    comments: int
    negative_share: float
    rating_drop: float | None = Field(description="mean rating without a negative mention minus with one")
    ci_low: float | None = Field(description="lower end of the rating drop's 95% interval")
    ci_high: float | None = Field(description="upper end of the rating drop's 95% interval")
    frequency: float
    impact: float
    quadrant: Literal["fix first", "uncertain", "keep up", "watch", "low priority"] = Field(
        description="importance-performance quadrant, split at the medians; `fix first` only when "
        "the rating drop's interval excludes 0 (ci_low > 0), `uncertain` when it does not"
    )


class MomentsOut(BaseModel):
    rated: int  # comments with a rating: the ranking uses ratings when there are enough
    comments: int
    rating_field: str
    ranked_by: Literal["rating", "volume"] = Field(
        description="rating: by the rating drop (enough comments carry a rating); volume: by volume × "
        "negative share"
    )
    taxonomy: str
    source: str | None
    since: datetime | None
    until: datetime | None
    limit: int = Field(
        description="the newest comments (by created_at) read at most: MOT_CLUSTER_MAX_COMMENTS"
    )
    moments: list[MomentOut]


class PromoteCluster(BaseModel):
    """Turn a cluster into a touchpoint of a taxonomy (its comments become the examples)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="the new touchpoint's id")
    name: StorableStr = Field(min_length=1, max_length=200)
    stage: str = Field(min_length=1, max_length=64)
    taxonomy: str | None = Field(None, description="the taxonomy to extend; default: the default one")
    save_as: str | None = Field(
        None, description="store the extended taxonomy under this name (needed to extend a shipped pack)"
    )
    examples: int = Field(10, ge=1, le=100, description="comments of the cluster kept as example phrases")


class TouchpointTrendOut(BaseModel):
    touchpoint: str
    emerging: bool
    reasons: list[str]
    trend: list[TrendPoint]


class EmergingOut(BaseModel):
    clusters: list[ClusterOut]
    touchpoints: list[TouchpointTrendOut]


# --- owners, actions and notes: from a pain point to a fix and whether it worked ---

Label = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(printable)]
SubjectKind = Literal["touchpoint", "cluster"]


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team: Label = Field(description="the team that answers for it", examples=["Baggage services"])
    contact: Annotated[str, StringConstraints(max_length=200), AfterValidator(printable)] = Field(
        "", description="how to reach them: an e-mail, a channel", examples=["baggage-leads@example.com"]
    )


class OwnerOut(BaseModel):
    kind: SubjectKind
    taxonomy: str | None = Field(description="the touchpoint's taxonomy; null for a cluster")
    subject: str = Field(description="the touchpoint id, or the cluster id")
    team: str
    contact: str
    updated_by: str
    updated_at: datetime


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: SubjectKind
    subject: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="the touchpoint id (with `taxonomy`), or the cluster id", examples=["baggage"]
    )
    taxonomy: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="the touchpoint's taxonomy (default: MOT_DEFAULT_TAXONOMY); not for a cluster"
    )
    what: Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(storable)] = Field(
        description="what was done", examples=["Bag-tracking texts at every transfer airport"]
    )
    done_by: Label = Field(description="who did it", examples=["Baggage services"])
    started_at: datetime = Field(
        description="from when it applies (ISO 8601)", examples=["2015-02-20T00:00:00Z"]
    )


class MetricEffect(BaseModel):
    """One metric before and after the action, and the interrupted time-series estimate."""

    metric: Literal["negative_share", "volume", "rating"]
    before: float | None = Field(
        description="observed over the window before: negative share in percent, volume in comments "
        "per day, rating in its own points"
    )
    after: float | None = Field(description="observed over the window after, in the same units")
    effect: float | None = Field(
        description="interrupted time-series estimate of the change, averaged over the window after: "
        "percentage points, comments per day, rating points"
    )
    ci_low: float | None
    ci_high: float | None
    verdict: Literal["improved", "worsened", "no detectable change", "not enough data"]
    summary: str = Field(description="the same, in words")


class EffectOut(BaseModel):
    periods_before: int
    periods_after: int
    metrics: list[MetricEffect]


class ActionOut(BaseModel):
    id: int
    kind: SubjectKind
    taxonomy: str | None
    subject: str
    what: str
    done_by: str
    started_at: datetime
    recorded_by: str
    created_at: datetime
    effect: EffectOut | None = Field(None, description="only on GET /v1/actions/{id}")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=5000), AfterValidator(storable)]


class NoteOut(BaseModel):
    id: int
    cluster_id: int
    text: str
    author: str
    created_at: datetime


# --- segments: declared metadata fields as filters and comparisons ---


class SegmentOption(BaseModel):
    field: str
    value: str
    count: int = Field(description="stored comments with this value")


class SegmentColumn(BaseModel):
    value: str
    comments: int


class SegmentRow(BaseModel):
    touchpoint: str
    name: str
    counts: list[int] = Field(description="mentions in each column's segment")
    negative_shares: list[float | None]


class SegmentComparison(BaseModel):
    taxonomy: str
    field: str
    columns: list[SegmentColumn] = Field(description="the field's commonest values, most comments first")
    rows: list[SegmentRow] = Field(description="touchpoints mentioned in any of them, in journey order")


# --- highlights: what customers praise, beside the pain ---


class PraisedTouchpoint(BaseModel):
    touchpoint: str
    name: str
    stage: str
    mentions: int
    positives: int = Field(description="positive mentions: the order")
    positive_share: float
    positive_low: float = Field(description="95% Wilson interval of positive_share: low end")
    positive_high: float


class HighlightsOut(BaseModel):
    taxonomy: str
    since: datetime | None
    until: datetime | None
    touchpoints: list[PraisedTouchpoint] = Field(description="most positive mentions first")
    clusters: list[ClusterOut] = Field(
        description="clusters of the positive comments (MOT_HIGHLIGHTS), largest first; empty with "
        "MOT_CLUSTER_SCOPE=all, where praise and pain share clusters"
    )
