"""Readers for the labelled evaluation sets in ../shared/data, with their official splits.

The data is read in place and never copied into the repository.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    touchpoint: str | None  # None: the reference map gives no touchpoint
    stage: str | None
    sentiment: str | None = None
    intent: str | None = None
    created_at: str | None = None
    language: str | None = None  # ISO 639-1, where the set says (graded by `mot evaluate languages`)


def _read(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass --data-dir pointing at shared/data")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def banking77(data_dir: Path, split: str) -> list[Example]:
    """Banking77 `train` or `test`, intents mapped to touchpoints and stages."""
    if split not in {"train", "test"}:
        raise ValueError("split must be 'train' or 'test'")
    folder = Path(data_dir) / "banking77"
    mapping = {r["intent"]: r for r in _read(folder / "journey_map.csv")}
    return [
        Example(
            id=f"b77-{split}-{i}",
            text=row["text"],
            touchpoint=mapping[row["category"]]["touchpoint"],
            stage=mapping[row["category"]]["stage"],
            intent=row["category"],
        )
        for i, row in enumerate(_read(folder / f"{split}.csv"))
    ]


def banking77_intents(data_dir: Path, split: str) -> list[Example]:
    """Banking77 with its 77 intents as the touchpoints (ids as `mot train` makes them)."""
    from training.labelled import slug

    return [replace(ex, touchpoint=slug(ex.intent or "")) for ex in banking77(data_dir, split)]


def airline(data_dir: Path, split: str) -> list[Example]:
    """Airline tweets; the test split is `tweet_id % 5 == 0`, as the data's README fixes."""
    if split not in {"train", "test", "all"}:
        raise ValueError("split must be 'train', 'test' or 'all'")
    folder = Path(data_dir) / "airline"
    mapping = {r["negativereason"]: r for r in _read(folder / "journey_map.csv")}
    examples = []
    for row in _read(folder / "tweets.csv"):
        is_test = int(row["tweet_id"]) % 5 == 0
        if (split == "test" and not is_test) or (split == "train" and is_test):
            continue
        ref = mapping.get(row["negativereason"]) if row["negativereason"] else None
        examples.append(
            Example(
                id=row["tweet_id"],
                text=row["text"],
                touchpoint=(ref["touchpoint"] or None) if ref else None,
                stage=(ref["stage"] or None) if ref else None,
                sentiment=row["airline_sentiment"],
                intent=row["negativereason"] or None,
                created_at=row["tweet_created"],
            )
        )
    return examples


# The Chinese review sets of ../shared/data/zh (its README): file, and the taxonomy they are read with.
ZH_SETS = {
    "zh-waimai": ("waimai_10k.csv", "food_delivery"),
    "zh-hotel": ("chnsenticorp_hotel.csv", "hotel_zh"),
    "zh-shopping": ("online_shopping_10_cats.csv", "ecommerce_zh"),
}
ZH_TOUCHPOINTS = Path(__file__).resolve().parent / "eval_packs" / "zh_touchpoints.csv"


def zh_reviews(data_dir: Path, name: str, split: str) -> list[Example]:
    """A Chinese review set; label 0 is negative, 1 positive (they have no neutral). The test split
    is every row whose 0-based position is divisible by 5. Touchpoints come from the hand-labelled
    rows of training/eval_packs/zh_touchpoints.csv (test rows only; the others have none)."""
    if split not in {"train", "test"}:
        raise ValueError("split must be 'train' or 'test'")
    file, _ = ZH_SETS[name]
    labelled: dict[int, str] = {}
    if ZH_TOUCHPOINTS.is_file():
        labelled = {int(r["row"]): r["touchpoint"] for r in _read(ZH_TOUCHPOINTS) if r["file"] == file}
    examples = []
    for i, row in enumerate(_read(Path(data_dir) / "zh" / file)):
        if (i % 5 == 0) != (split == "test") or not row["review"].strip():
            continue
        examples.append(
            Example(
                id=f"{name}-{i}",
                text=row["review"],
                touchpoint=labelled.get(i),
                stage=None,
                sentiment="negative" if row["label"].strip() == "0" else "positive",
                intent=row.get("cat") or None,
            )
        )
    return examples


def mixed_languages(data_dir: Path, split: str, per_set: int = 500) -> list[Example]:
    """Test rows of the three Chinese sets and the two English ones, `per_set` of each spread
    evenly through it, interleaved, each with the language it is written in."""
    if split != "test":
        raise ValueError("the language sample is drawn from test splits only")
    sets = [
        *((zh_reviews(data_dir, name, "test"), "zh") for name in ZH_SETS),
        (banking77(data_dir, "test"), "en"),
        (airline(data_dir, "test"), "en"),
    ]
    chosen = []
    for examples, language in sets:
        step = [examples[i * len(examples) // per_set] for i in range(min(per_set, len(examples)))]
        chosen.append(
            [replace(ex, touchpoint=None, stage=None, sentiment=None, language=language) for ex in step]
        )
    return [ex for group in zip(*chosen) for ex in group]
