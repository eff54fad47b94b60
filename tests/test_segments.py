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


def test_chinese_splits_on_full_width_stops_and_contrast_words() -> None:
    assert parts("味道很好，但是送餐太慢了，等了一个多小时") == ["味道很好", "送餐太慢了，等了一个多小时"]
    assert parts("骑手态度很好。饭菜都凉了！包装也破了") == ["骑手态度很好。", "饭菜都凉了！", "包装也破了"]
    assert parts("送餐很快不过分量太少了") == ["送餐很快", "分量太少了"]
    # 就是 after one character, and 但 inside 不但, switch nothing
    assert parts("这就是我想要的味道") == ["这就是我想要的味道"]
    assert parts("不但好吃而且便宜，下次还点") == ["不但好吃而且便宜，下次还点"]


def test_chinese_commas_are_cut_points_and_spans_are_characters() -> None:
    text = "菜品味道不错，米饭有点硬，配送员很准时"
    assert [text[p:] for p in split_points(text)] == ["米饭有点硬，配送员很准时", "配送员很准时"]
    assert split_points("太慢了，差评") == []  # two words a side is too few
    mixed = "外卖 delivery 太慢了 but the food was good"
    assert parts(mixed) == ["外卖 delivery 太慢了", "the food was good"]
