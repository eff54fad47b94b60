"""Every setting of the service in one place; each can be set by an env var prefixed MOT_."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.language import DEFAULT_LANGUAGES, MIN_CONFIDENCE, check_languages
from models.presets import default_cache_dir, default_models_dir
from models.redact import BUILTIN_KINDS
from models.redact_rules import DEFAULT_PATTERNS, compile_patterns


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOT_", env_file=".env", extra="ignore")

    # Storage
    database_url: str = Field(
        "sqlite:///./mot.db", description="SQLAlchemy URL; postgresql+psycopg://... in production"
    )
    sqlite_synchronous: str = Field("FULL", description="SQLite PRAGMA synchronous in WAL mode")
    db_connect_timeout_s: int = Field(
        5, ge=1, le=300, description="PostgreSQL: give up connecting (or sending) after this many seconds"
    )
    retry_after_s: int = Field(
        5, ge=1, le=3600, description="Retry-After of the 503 answered while the database is unavailable"
    )

    # Models
    encoder: str = Field(
        "minilm",
        description="encoder preset (minilm, embeddinggemma-300m, mpnet: `mot encoders list`) "
        "or a sentence-transformers model folder",
    )
    encoder_path: Path | None = Field(
        None, description="older name for a model folder in MOT_ENCODER; wins over it when set"
    )
    encoder_dim: int | None = Field(
        None,
        ge=1,
        description="keep this many dimensions of a Matryoshka encoder (EmbeddingGemma: 768, 512, 256, 128)",
    )
    encoder_dtype: Literal["auto", "float32", "bfloat16"] | None = Field(
        None,
        description="encoder dtype; auto: bfloat16 on a GPU or a CPU with native bf16; unset: the preset's",
    )
    models_dir: Path = Field(
        default_factory=default_models_dir, description="where `mot encoders install` puts encoders"
    )
    embedding_cache_dir: Path | None = Field(
        default_factory=default_cache_dir,
        description="sentence embeddings of taxonomy phrases (and training and evaluation sets) kept "
        "here per encoder; empty: no cache",
    )
    sentiment_head_path: Path | None = Field(None, description="folder with head.safetensors")
    model_bundle: Path | None = Field(
        None, description="a model bundle folder made by `mot train`; its heads serve its taxonomy"
    )
    bundle_root: Path | None = Field(
        None, description="if set, bundles can only be loaded (and swapped in) from inside this folder"
    )
    device: str = Field("cpu", description="torch device for the encoder")
    encode_batch_size: int = Field(64, ge=1, le=4096)

    reembed_batch: int = Field(256, ge=1, le=10_000, description="comments per step of the re-embedding job")

    # Taxonomies
    default_taxonomy: str | None = Field(
        None, description="taxonomy used when a request names none; default: the bundle's, else generic"
    )
    adapt_min_comments: int = Field(
        500,
        ge=2,
        description="stored comments a taxonomy needs before a head is fitted on them (by itself, "
        "see MOT_ADAPT_CHECK_MINUTES, or on POST /v1/admin/adapt)",
    )
    adapt_check_minutes: float = Field(
        60,
        ge=0,
        description="how often the server looks for a taxonomy with MOT_ADAPT_MIN_COMMENTS stored comments, "
        "and twice as many as at its last adaptation, and adapts it; 0: only on POST /v1/admin/adapt",
    )
    adapt_max_comments: int = Field(
        50_000, ge=2, le=1_000_000, description="the latest stored comments an adaptation reads at most"
    )
    adapt_dir: Path = Field(
        default_factory=lambda: default_models_dir().parent / "adapted",
        description="where promoted adaptations are written as bundles (inside MOT_BUNDLE_ROOT if that is set)",
    )
    taxonomy_check_sample: int = Field(
        2000,
        ge=0,
        le=100_000,
        description="a taxonomy's check (POST /v1/taxonomies, GET /v1/taxonomies/{name}/check, the model "
        "page) looks at this many of the latest stored comments; 0: its own phrases only",
    )
    taxonomy_sync_phrases: int = Field(
        256,
        ge=0,
        description="a taxonomy registered with at most this many phrases not yet in the embedding "
        "cache is embedded before the POST answers; a larger one in the background (requests "
        "naming it get 503 with Retry-After till then)",
    )
    taxonomy_files: list[Path] = Field(
        default_factory=list, description="extra taxonomy YAML files loaded at start-up"
    )

    # Classification
    min_confidence: float = Field(0.3, ge=0, le=1, description="touchpoints below it are dropped")
    max_touchpoints: int = Field(3, ge=1, le=20, description="touchpoints returned per comment")
    languages: list[str] = Field(
        default_factory=lambda: list(DEFAULT_LANGUAGES),
        description="the languages a comment is detected in (ISO 639-1 codes, a JSON list); [] turns "
        "detection off",
    )
    language_min_confidence: float = Field(
        MIN_CONFIDENCE,
        ge=0,
        le=1,
        description="a language less sure than this is not claimed (null): short texts look like many",
    )
    encoder_languages: list[str] | None = Field(
        None,
        description="the languages the encoder reads (JSON list): a comment in another is answered with a "
        "warning; unset: the preset's (minilm, mpnet: en; embeddinggemma-300m: any); []: any",
    )

    # Pain clusters (issue 4)
    cluster_scope: str = Field("negative", description="comments clustered: negative (pain points) or all")
    cluster_period: str = Field("day", description="trend period: hour, day or week")
    cluster_min_size: int | None = Field(
        None, ge=2, description="fewest comments a cluster holds; unset: 0.4% of those clustered, at least 15"
    )
    cluster_max_comments: int = Field(
        100_000, ge=100, description="most recent comments a refresh clusters (time and memory grow with it)"
    )
    cluster_refresh_minutes: float = Field(
        0, ge=0, description="refresh the clusters this often in the background; 0: only on demand"
    )
    emergence_alpha: float = Field(0.005, gt=0, lt=0.5, description="false-alarm rate per cluster and period")
    rating_field: str = Field(
        "rating", description="metadata field holding a rating (CSAT, NPS, stars) for GET /v1/moments"
    )
    emergence_window: int = Field(7, ge=2, le=365, description="periods in a cluster's baseline")
    highlights: bool = Field(
        True,
        description="with MOT_CLUSTER_SCOPE=negative, a refresh also clusters the positive comments: "
        "the highlights (what customers praise) beside the pain",
    )
    segment_fields: list[str] = Field(
        default_factory=list,
        description='metadata fields that are segments (a JSON list, e.g. ["airline", "channel"]): each '
        "becomes a filter of the map, the moments and the comments, and a comparison of its values",
    )
    action_window_days: int = Field(
        28, ge=7, le=365, description="days either side of an action's start its effect is measured on"
    )

    # Redaction
    redact: bool = Field(True, description="replace personal data before embedding and storage")
    redact_kinds: list[str] | None = Field(
        None, description="detectors that run; unset: every built-in kind and every MOT_REDACT_PATTERNS kind"
    )
    redact_patterns: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_PATTERNS),
        description="kind -> regex of identifiers to redact as [KIND] (only group 1, if the regex has one)",
    )
    phone_region: str = Field("US", description="region for phone numbers without a country code")

    # Data protection
    secret_key: SecretStr | None = Field(
        None,
        description="HMAC key for customer ids; unset: a random key is made once and kept in the database",
    )
    retention_days: int = Field(
        0, ge=0, description="blank the text of comments older than this many days; 0: keep forever"
    )
    retention_check_minutes: float = Field(
        60, gt=0, description="how often the retention job runs when MOT_RETENTION_DAYS > 0"
    )

    # Limits
    max_text_chars: int = Field(5000, ge=1, description="longest comment text accepted")
    max_batch: int = Field(1000, ge=1, description="most comments in one request")
    max_body_bytes: int = Field(10_000_000, ge=1024, description="largest request body")
    max_metadata_bytes: int = Field(8192, ge=0, description="largest metadata object, as JSON")
    max_metadata_depth: int = Field(
        16, ge=1, le=1000, description="deepest nesting of a metadata object (objects and lists within it)"
    )
    max_page_size: int = Field(1000, ge=1, description="most comments in one page of GET /v1/comments")
    max_taxonomy_bytes: int = Field(2_000_000, ge=1024, description="largest taxonomy document")

    # Web UI (issue 5)
    ui_page_size: int = Field(50, ge=1, le=1000, description="comments per page of the web UI's lists")
    journey_window_days: int = Field(
        7, ge=1, le=3650, description="journey map's default period, compared with the period before it"
    )
    upload_max_bytes: int = Field(20_000_000, ge=1024, description="largest CSV file uploaded for analysis")
    upload_max_rows: int = Field(100_000, ge=1, description="most rows in one uploaded CSV file")
    export_max_rows: int = Field(100_000, ge=1, description="most rows in one CSV export")
    similar_limit: int = Field(10, ge=1, le=100, description='comments shown by "more like this"')
    similar_scan_max: int = Field(
        200_000, ge=100, description='most recent comments "more like this" compares (time grows with it)'
    )

    # Load (issue 6)
    queue_max_comments: int = Field(
        2000,
        ge=1,
        description="comments that may wait for the model; past it requests get 429 with Retry-After",
    )
    inference_batch: int = Field(
        256,
        ge=1,
        le=10_000,
        description="most comments of several waiting requests analysed in one model call",
    )
    request_timeout_s: float = Field(
        60, gt=0, description="longest a request waits for the model before it gets 503 with Retry-After"
    )
    shutdown_grace_s: float = Field(
        30, ge=0, description="on SIGTERM, how long in-flight requests and the queue get to finish"
    )

    # Security (issue 6)
    auth: bool = Field(
        True,
        description="require an API key (or a UI session); false only for local use: anyone may do anything",
    )
    rate_limit_per_second: float = Field(
        50, ge=0, description="requests per second one key may make on average; 0: no limit"
    )
    rate_limit_burst: int = Field(
        200, ge=1, description="requests one key may make at once before the rate applies"
    )
    session_hours: float = Field(12, gt=0, le=24 * 30, description="how long a web UI sign-in lasts")
    cookie_secure: bool = Field(
        False, description="send the UI's session cookie over HTTPS only: set true behind TLS in production"
    )

    # Server
    host: str = "127.0.0.1"
    port: int = 8000
    log_format: Literal["json", "console"] = Field(
        "json", description="log lines of `mot serve`: one JSON object each, or readable text"
    )

    @field_validator("embedding_cache_dir", mode="before")
    @classmethod
    def _no_cache(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def encoder_choice(self) -> str:
        return str(self.encoder_path) if self.encoder_path is not None else self.encoder

    @field_validator("languages", "encoder_languages")
    @classmethod
    def _known_languages(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_languages(value)

    @field_validator("segment_fields")
    @classmethod
    def _segment_fields(cls, value: list[str]) -> list[str]:
        bad = [f for f in value if not f or len(f) > 64 or not f.replace("_", "").replace("-", "").isalnum()]
        if bad:
            raise ValueError(f"MOT_SEGMENT_FIELDS: {bad} are not field names (letters, digits, _ or -)")
        return list(dict.fromkeys(value))

    @field_validator("cluster_scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        if value not in {"negative", "all"}:
            raise ValueError("MOT_CLUSTER_SCOPE must be negative or all")
        return value

    @field_validator("cluster_period")
    @classmethod
    def _period(cls, value: str) -> str:
        if value not in {"hour", "day", "week"}:
            raise ValueError("MOT_CLUSTER_PERIOD must be hour, day or week")
        return value

    @field_validator("redact_patterns")
    @classmethod
    def _patterns(cls, value: dict[str, str]) -> dict[str, str]:
        # Compiled here so that a bad regex stops the start-up, naming the pattern to fix.
        try:
            compile_patterns(value, BUILTIN_KINDS)
        except ValueError as exc:
            raise ValueError(f"MOT_REDACT_PATTERNS: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _kinds(self) -> Settings:
        known = BUILTIN_KINDS | self.redact_patterns.keys()
        unknown = set(self.redact_kinds or ()) - known
        if unknown:
            raise ValueError(f"MOT_REDACT_KINDS: unknown kinds {sorted(unknown)}; use {sorted(known)}")
        return self

    @field_validator("sqlite_synchronous")
    @classmethod
    def _synchronous(cls, value: str) -> str:
        value = value.upper()
        if value not in {"NORMAL", "FULL", "EXTRA"}:
            raise ValueError("MOT_SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA (OFF loses data)")
        return value
