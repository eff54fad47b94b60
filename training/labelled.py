"""Labelled comments for training: read a CSV or JSONL file, check it, and resolve its labels
against a taxonomy. Every error names the row (as a spreadsheet shows it) and the fix."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from models.records import RecordsError, read_records
from models.sentiment import LABELS as SENTIMENTS
from models.taxonomy import DEFAULT_STAGES, Taxonomy, Touchpoint

MAX_EXAMPLES_PER_NEW_TOUCHPOINT = 5
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class LabelledDataError(ValueError):
    """A training file that cannot be used as it is."""


@dataclass
class LabelledSet:
    texts: list[str]
    touchpoints: list[str | None]  # None: the row names no touchpoint
    stages: list[str | None]
    sentiments: list[str | None]
    rows: list[int]  # the file's row number of each example
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    def has(self, head: str) -> bool:
        return any(v is not None for v in self.column(head))

    def column(self, head: str) -> list[str | None]:
        return {"touchpoint": self.touchpoints, "stage": self.stages, "sentiment": self.sentiments}[head]

    def extended(self, extra: LabelledSet) -> LabelledSet:
        return LabelledSet(
            self.texts + extra.texts,
            self.touchpoints + extra.touchpoints,
            self.stages + extra.stages,
            self.sentiments + extra.sentiments,
            self.rows + extra.rows,
            self.source,
        )

    def subset(self, index: list[int]) -> LabelledSet:
        return LabelledSet(
            [self.texts[i] for i in index],
            [self.touchpoints[i] for i in index],
            [self.stages[i] for i in index],
            [self.sentiments[i] for i in index],
            [self.rows[i] for i in index],
            self.source,
        )


def load_labelled(
    path: Path,
    *,
    text_col: str,
    touchpoint_col: str | None = None,
    stage_col: str | None = None,
    sentiment_col: str | None = None,
    min_examples: int = 2,
) -> LabelledSet:
    try:
        read = read_records(path)
    except RecordsError as exc:
        raise LabelledDataError(str(exc)) from exc
    records, first = read.rows, read.first_row
    wanted = {"--text-col": text_col, "--touchpoint-col": touchpoint_col}
    wanted |= {"--stage-col": stage_col, "--sentiment-col": sentiment_col}
    columns = set().union(*(r.keys() for r in records[:100]))
    for option, column in wanted.items():
        if column is not None and column not in columns:
            raise LabelledDataError(
                f"{path.name} has no column {column!r} (its columns: {sorted(columns)}): fix {option}"
            )
    if not any((touchpoint_col, stage_col, sentiment_col)):
        raise LabelledDataError(
            "nothing to learn: give at least one of --touchpoint-col, --stage-col, --sentiment-col"
        )

    texts, touchpoints, stages, sentiments, rows = [], [], [], [], []
    for offset, record in enumerate(records):
        number = first + offset
        text = record.get(text_col)
        if not isinstance(text, str) or not text.strip():
            raise LabelledDataError(
                f"{path.name} row {number}: {text_col!r} is empty: fill it in or drop the row"
            )
        if text[:1] == "'" and text[1:2] in FORMULA_STARTS:  # undo the spreadsheet guard of our CSV exports
            text = text[1:]
        texts.append(text)
        touchpoints.append(_cell(record, touchpoint_col))
        stages.append(_cell(record, stage_col))
        sentiment = _cell(record, sentiment_col)
        if sentiment is not None:
            sentiment = sentiment.lower()
            if sentiment not in SENTIMENTS:
                raise LabelledDataError(
                    f"{path.name} row {number}: sentiment {sentiment!r} must be one of {list(SENTIMENTS)}"
                )
        sentiments.append(sentiment)
        rows.append(number)
    labelled = LabelledSet(texts, touchpoints, stages, sentiments, rows, path.name)
    for head in ("touchpoint", "stage", "sentiment"):
        _check_counts(labelled, head, min_examples)
    return labelled


def _cell(record: dict[str, object], column: str | None) -> str | None:
    if column is None:
        return None
    value = record.get(column)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _check_counts(labelled: LabelledSet, head: str, min_examples: int) -> None:
    values = labelled.column(head)
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return
    if len(counts) < 2:
        raise LabelledDataError(
            f"{labelled.source}: every {head} label is {next(iter(counts))!r}: a head needs two or more"
        )
    for label, count in sorted(counts.items()):
        if count < min_examples:
            row = labelled.rows[values.index(label)]
            raise LabelledDataError(
                f"{labelled.source} row {row}: {head} {label!r} has {count} example(s), fewer than "
                f"{min_examples}: add examples of it, or relabel or drop its rows"
            )


def slug(label: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    if not value or not value[0].isalpha():
        value = f"t_{value}"
    return value[:64]


def fit_taxonomy(labelled: LabelledSet, taxonomy: Taxonomy | None, name: str) -> Taxonomy | None:
    """Map touchpoint and stage labels onto the taxonomy, in place; labels not in it become new
    touchpoints when the file names their stage. Returns the taxonomy the bundle is trained for."""
    if not labelled.has("touchpoint") and not labelled.has("stage"):
        return taxonomy
    base = taxonomy.model_copy(deep=True) if taxonomy else None
    stage_ids = base.stage_ids if base else [s["id"] for s in DEFAULT_STAGES]
    for i, stage in enumerate(labelled.stages):
        if stage is not None and stage not in stage_ids:
            raise LabelledDataError(
                f"{labelled.source} row {labelled.rows[i]}: stage {stage!r} is not one of {stage_ids}: fix the label"
            )
    if not labelled.has("touchpoint"):
        raise LabelledDataError(
            "a stage head is trained together with a touchpoint head (the service reads stages from the "
            "touchpoint classifier): give --touchpoint-col too"
        )
    known = {tp.id for tp in base.touchpoints} if base else set()
    new: dict[str, tuple[str, str, list[str]]] = {}  # id -> (label, stage, examples)
    for i, label in enumerate(labelled.touchpoints):
        if label is None or label in known:
            continue
        stage = labelled.stages[i]
        if stage is None:
            where = f"taxonomy {base.name!r}" if base else "any taxonomy (none was given)"
            raise LabelledDataError(
                f"{labelled.source} row {labelled.rows[i]}: touchpoint {label!r} is not in {where}: "
                "fix the label, add it to the taxonomy (--taxonomy), or give --stage-col so that new "
                "touchpoints are created with their stage"
            )
        ident = slug(label)
        entry = new.setdefault(ident, (label, stage, []))
        if entry[1] != stage:
            raise LabelledDataError(
                f"{labelled.source} row {labelled.rows[i]}: touchpoint {label!r} has stage {stage!r} here but "
                f"{entry[1]!r} in an earlier row: a touchpoint belongs to one stage"
            )
        if len(entry[2]) < MAX_EXAMPLES_PER_NEW_TOUCHPOINT:
            entry[2].append(labelled.texts[i][:2000])
    for i, label in enumerate(labelled.touchpoints):
        if label is not None and label not in known:
            labelled.touchpoints[i] = slug(label)
    created = [
        Touchpoint(id=ident, name=label, stage=stage, description=label, examples=examples)
        for ident, (label, stage, examples) in new.items()
    ]
    if base is None:
        return Taxonomy(
            name=slug(name), description=f"created by mot train from {labelled.source}", touchpoints=created
        )
    base.touchpoints = [*base.touchpoints, *created]
    return Taxonomy.model_validate(base.model_dump())


def sample_per_label(labelled: LabelledSet, head: str, n: int, seed: int) -> LabelledSet:
    """At most `n` examples of each label of `head`, drawn with a fixed seed, in file order: the
    same file then answers "how good is it with only n labels each?"."""
    rng = random.Random(seed)
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(labelled.column(head)):
        if label is not None:
            groups.setdefault(label, []).append(i)
    chosen = [i for label in sorted(groups) for i in rng.sample(groups[label], min(n, len(groups[label])))]
    return labelled.subset(sorted(chosen))


def taxonomy_words(labelled: LabelledSet, taxonomy: Taxonomy) -> LabelledSet:
    """One extra example per labelled touchpoint: its name, and its description where that says
    more. A taxonomy's own words are labelled data too; with a handful of examples per label they
    count (docs/MEASUREMENTS.md: Banking77 with 8 examples per intent)."""
    used = {t for t in labelled.touchpoints if t is not None}
    texts, touchpoints, stages = [], [], []
    for tp in taxonomy.touchpoints:
        if tp.id not in used:
            continue
        name = tp.name.replace("_", " ")
        words = name if tp.description in (tp.name, name) else f"{name}: {tp.description}"
        texts.append(words)
        touchpoints.append(tp.id)
        stages.append(tp.stage if labelled.has("stage") else None)
    return LabelledSet(texts, touchpoints, stages, [None] * len(texts), [0] * len(texts), labelled.source)


def _default_stages() -> list[dict[str, str]]:
    from models.taxonomy import DEFAULT_STAGES

    return DEFAULT_STAGES
