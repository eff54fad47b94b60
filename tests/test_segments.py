from models.segments import split_points, split_segments


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


def test_cut_points_are_commas_and_and_before_a_new_clause_with_words_on_both_sides() -> None:
    text = "my card was declined, and I want to close my account"
    assert [text[p:] for p in split_points(text)] == ["and I want to close my account"]
    text = "the app crashed and my transfer is missing"
    assert [text[p:] for p in split_points(text)] == ["and my transfer is missing"]
    # "cash and card" is a list, not a new clause; a cut must leave three words a side
    assert split_points("I paid with cash and card today") == []
    assert split_points("hi, my card was declined") == []
