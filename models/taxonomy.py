"""Journey taxonomies: stages and touchpoints as plain YAML files, validated with pydantic.

A taxonomy is data, not code: a company can describe its own journey in a file and classify
against it at once (zero-shot, from descriptions and example phrases).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

PACKS_DIR = Path(__file__).resolve().parent / "packs"
MAX_FILE_BYTES = 2_000_000  # the default of MOT_MAX_TAXONOMY_BYTES
MAX_DEPTH = 8  # a taxonomy nests 4 levels (touchpoints: - examples: - "..."); some room for scoring
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: 10x faster

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$", strip_whitespace=True)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]  # ISO 639-1
# Names in other languages than the taxonomy's own, for readers of those ({"en": "Delivery speed"}).
Names = Annotated[
    dict[LanguageCode, Annotated[str, StringConstraints(min_length=1, max_length=200)]], Field(max_length=50)
]

# The four stages of a customer journey in moments-of-truth management.
DEFAULT_STAGES: list[dict[str, str]] = [
    {
        "id": "pre_purchase",
        "name": "Pre-purchase",
        "description": "Before buying: discovering, comparing, asking about offers, prices and eligibility.",
    },
    {
        "id": "purchase",
        "name": "Purchase",
        "description": "Buying and onboarding: ordering, booking, paying, signing up, verifying identity.",
    },
    {
        "id": "usage",
        "name": "Usage",
        "description": "Using the product or service day to day: how it works, performs and is delivered.",
    },
    {
        "id": "after_sales",
        "name": "After-sales",
        "description": "After the sale: support, complaints, refunds, returns, repairs, security, cancelling.",
    },
]


class TaxonomyError(ValueError):
    """A taxonomy file or document that cannot be used; the message names the bad field."""


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    names: Names = Field(default_factory=dict)
    description: str = Field(default="", max_length=2000)

    def name_in(self, language: str | None) -> str:
        return self.names.get(language or "", self.name)


class Touchpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    names: Names = Field(default_factory=dict)
    stage: Identifier
    description: str = Field(min_length=1, max_length=2000)
    examples: list[Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = Field(
        default_factory=list, max_length=5000
    )

    def name_in(self, language: str | None) -> str:
        return self.names.get(language or "", self.name)


class EncoderScoring(BaseModel):
    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(default=None, gt=0, le=10)
    min_similarity: float | None = Field(default=None, ge=-1, le=1)


class Scoring(BaseModel):
    """How similarities to a touchpoint's prototypes become a calibrated confidence."""

    model_config = ConfigDict(extra="forbid")

    top_k: int = Field(default=3, ge=1, le=100)  # mean of the k closest example phrases
    # None: fitted from the taxonomy's own example phrases, leave-one-out (models/zero_shot.py)
    temperature: float | None = Field(default=None, gt=0, le=10)  # softmax temperature over scores
    clause_weight: float | None = Field(default=None, ge=0, le=100)  # description clauses vs the whole
    example_weight: float | None = Field(default=None, ge=0, le=100)  # example phrases vs the description
    min_similarity: float = Field(default=0.2, ge=-1, le=1)  # below: "nothing fits"
    # Similarities spread differently under each encoder: the temperature and floor fitted for
    # one (by encoder name, e.g. embeddinggemma-300m) replace the ones above under it.
    by_encoder: dict[str, EncoderScoring] = Field(default_factory=dict)

    def for_encoder(self, name: str) -> Scoring:
        """A copy: what a classifier does with its scoring never changes the taxonomy's."""
        override = self.by_encoder.get(name)
        update = override.model_dump(exclude_none=True) if override is not None else {}
        return self.model_copy(update=update, deep=True)


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Identifier
    version: str = "1"
    description: str = ""
    language: LanguageCode = "en"  # of the names, descriptions and examples; `names` give others
    stages: list[Stage] = Field(default_factory=lambda: [Stage(**s) for s in DEFAULT_STAGES])
    touchpoints: list[Touchpoint] = Field(min_length=1, max_length=1000)
    scoring: Scoring = Field(default_factory=Scoring)

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        stage_ids = [s.id for s in self.stages]
        if len(set(stage_ids)) != len(stage_ids):
            raise ValueError(f"stages: duplicate stage id in {stage_ids}")
        seen: set[str] = set()
        for i, tp in enumerate(self.touchpoints):
            if tp.id in seen:
                raise ValueError(f"touchpoints.{i}.id: duplicate touchpoint id '{tp.id}'")
            seen.add(tp.id)
            if tp.stage not in stage_ids:
                raise ValueError(f"touchpoints.{i}.stage: '{tp.stage}' is not one of the stages {stage_ids}")
        return self

    @property
    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def touchpoint(self, touchpoint_id: str) -> Touchpoint:
        for tp in self.touchpoints:
            if tp.id == touchpoint_id:
                return tp
        raise KeyError(touchpoint_id)

    def names_in(self, language: str | None) -> dict[str, str]:
        """Stage and touchpoint ids -> the names a reader of `language` reads (else the own ones)."""
        return {item.id: item.name_in(language) for item in [*self.stages, *self.touchpoints]}

    def to_yaml(self) -> str:
        data = self.model_dump(exclude_none=True)
        if not data["scoring"]["by_encoder"]:
            del data["scoring"]["by_encoder"]
        for item in [*data["stages"], *data["touchpoints"]]:
            if not item["names"]:
                del item["names"]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def parse_taxonomy(document: str | bytes | dict[str, Any]) -> Taxonomy:
    """Parse YAML (or JSON, a subset of YAML) or a mapping; errors name the field to fix."""
    if isinstance(document, dict):
        data: Any = document
    else:
        try:
            check_shape(document)
            data = yaml.load(document, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise TaxonomyError(f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TaxonomyError("a taxonomy must be a mapping with 'name' and 'touchpoints'")
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as exc:
        raise TaxonomyError(describe_errors(exc)) from exc


def check_shape(document: str | bytes) -> None:
    """Refuse anchors and aliases, and nesting deeper than a taxonomy has, before anything is
    built: an alias repeats a value without copying it, so a few kilobytes can stand for billions
    of strings (the "billion laughs"), which validation would then walk one by one. Reads the
    parser's events only (in C where PyYAML has it), so the check costs no memory."""
    depth = 0
    for event in yaml.parse(document, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise TaxonomyError(
                f"line {event.start_mark.line + 1}: anchors and aliases (&name, *name) are not allowed "
                "in a taxonomy: write each value out"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise TaxonomyError(
                    f"line {event.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep; "
                    "a taxonomy is a mapping of lists of mappings"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_taxonomy(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> Taxonomy:
    """A taxonomy file: a regular file (not a device or a folder) of at most `max_bytes`."""
    path = Path(path)
    try:
        if not path.is_file():
            raise TaxonomyError(f"taxonomy file {path} is not a file: give the path of a YAML file")
        size = path.stat().st_size
        if size > max_bytes:
            raise TaxonomyError(
                f"taxonomy file {path} is {size} bytes; the limit is {max_bytes} (MOT_MAX_TAXONOMY_BYTES)"
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"taxonomy file {path} is not UTF-8 text (byte {exc.start})") from exc
    try:
        return parse_taxonomy(text)
    except TaxonomyError as exc:
        raise TaxonomyError(f"{path}: {exc}") from exc


def builtin_packs() -> dict[str, Taxonomy]:
    """The industry packs shipped in models/packs, by name."""
    packs = (load_taxonomy(p) for p in sorted(PACKS_DIR.glob("*.yaml")))
    return {t.name: t for t in packs}


def describe_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        message = re.sub(r"^Value error, ", "", err["msg"])
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)


def find_taxonomy(
    name_or_path: str, files: Iterable[str | Path] = (), max_bytes: int = MAX_FILE_BYTES
) -> Taxonomy:
    """A taxonomy by what a user types: a YAML/JSON path, or the name of a shipped pack or of
    one of `files` (MOT_TAXONOMY_FILES)."""
    if Path(name_or_path).suffix in {".yaml", ".yml", ".json"}:
        return load_taxonomy(name_or_path, max_bytes)
    packs = builtin_packs()
    for path in files:
        taxonomy = load_taxonomy(path)
        packs[taxonomy.name] = taxonomy
    if name_or_path not in packs:
        raise TaxonomyError(f"unknown taxonomy {name_or_path!r}: use one of {sorted(packs)} or a YAML path")
    return packs[name_or_path]
