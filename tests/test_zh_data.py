"""The Chinese review sets are read with their fixed split (row % 5 == 0 is test) and graded on
negative-or-not; the data itself is never in the repository, so these tests write a small file
of the same shape."""

from __future__ import annotations

from pathlib import Path

from training.datasets import zh_reviews
from training.evaluate_service import _sentiment, spread


def test_rows_divisible_by_five_are_the_test_split(tmp_path: Path) -> None:
    folder = tmp_path / "zh"
    folder.mkdir()
    rows = [f"{i % 2},评论{i}" for i in range(12)] + ["1,  "]  # a blank review is skipped
    (folder / "waimai_10k.csv").write_text("label,review\n" + "\n".join(rows) + "\n", encoding="utf-8")
    test = zh_reviews(tmp_path, "zh-waimai", "test")
    train = zh_reviews(tmp_path, "zh-waimai", "train")
    assert [ex.text for ex in test] == ["评论0", "评论5", "评论10"]
    assert len(train) == 9 and not {ex.text for ex in train} & {ex.text for ex in test}
    assert [ex.sentiment for ex in test] == ["negative", "positive", "negative"]


def test_binary_sets_are_graded_on_negative_or_not() -> None:
    examples = zh_like(["negative", "positive", "positive", "negative"])
    results = [{"sentiment": {"label": label}} for label in ("negative", "neutral", "positive", "positive")]
    graded = _sentiment(examples, results)["sentiment"]
    assert graded["negative_vs_not"]["accuracy"] == 0.75  # neutral counts as "not negative"
    assert graded["accuracy"] == 0.5


def test_spread_samples_across_a_sorted_file() -> None:
    examples = zh_like(["negative"] * 10)
    assert [ex.id for ex in spread(examples, 3)] == ["0", "3", "6"]
    assert spread(examples, 20) == examples


def zh_like(sentiments: list[str]):  # type: ignore[no-untyped-def]
    from training.datasets import Example

    return [
        Example(id=str(i), text="x", touchpoint=None, stage=None, sentiment=s)
        for i, s in enumerate(sentiments)
    ]


def test_language_detection_is_graded_with_what_was_found_and_warned() -> None:
    from training.datasets import Example
    from training.evaluate_service import _languages

    examples = [Example(id=str(i), text="x", touchpoint=None, stage=None, language=lang) for i, lang in enumerate(["zh", "zh", "en", "en"])]  # fmt: skip
    warning = ["unsupported_language: the comment is in zh"]
    results = [
        {"language": "zh", "warnings": warning},
        {"language": "ja", "warnings": warning},
        {"language": "en", "warnings": []},
        {"language": None, "warnings": []},
    ]
    graded = _languages(examples, results)["language"]
    assert graded["accuracy"] == 0.5 and graded["undetected_share"] == 0.25
    assert graded["found"] == {"zh": {"zh": 1, "ja": 1}, "en": {"en": 1, "none": 1}}
    assert graded["warned"] == {"zh": 2}
