from models.segments import split_segments


def parts(text: str) -> list[str]:
    return [text[a:b] for a, b in split_segments(text)]


def test_contrast_splits_and_drops_the_conjunction() -> None:
    assert parts("check-in was quick but they lost my bag") == ["check-in was quick", "they lost my bag"]


def test_sentences_split_and_short_parts_join() -> None:
    assert parts("Great flight! The seats were comfy. However my luggage arrived damaged.") == [
        "Great flight! The seats were comfy.",
        "my luggage arrived damaged.",
    ]
    assert parts("ok") == ["ok"]
