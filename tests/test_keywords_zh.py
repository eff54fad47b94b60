"""Chinese keywords and labels of pain clusters: jieba words, Chinese stop words, mixed text."""

from __future__ import annotations

import re
import subprocess
import sys

from models import zh_stopwords as zh
from models.keywords import EXTRA_STOP_WORDS, _terms, cluster_keywords, label_from

DELAY = [
    "送餐太慢了，等了一个多小时才送到",
    "配送超时，一个多小时还没送到",
    "送餐慢，饭菜都凉了",
    "超时四十分钟，送餐员也不打个电话",
    "等了两个小时，送餐太慢",
    "太慢了！超时一个多小时",
    "送餐很慢，说好半小时结果超时了",
]
TASTE = [
    "味道很一般，太咸了",
    "难吃，菜太油了",
    "不好吃，味道太淡",
    "肉不新鲜，有股怪味",
    "太难吃了，又咸又油",
    "味道一般，不好吃",
]
REST = ["发票一直没开", "包装挺好的", "价格有点贵", "客服态度很好", "下次还会再点", "筷子没给"]
HAN = re.compile(r"[\u4e00-\u9fff]")


def _clusters() -> dict[int, list[str]]:
    texts = DELAY + TASTE + REST
    labels = [0] * len(DELAY) + [1] * len(TASTE) + [-1] * len(REST)
    return cluster_keywords(texts, labels)


def _readable(term: str) -> bool:
    """A Chinese term of more than one character or an allowed one; no stop word; no digit."""
    if not HAN.search(term):
        return True
    return (
        (len(term) > 1 or term in zh.SINGLE_KEEP)
        and term not in zh.STOP_WORDS
        and not re.search(r"[\d\s，。！？,.!?]", term)
    )


def test_a_delay_cluster_is_named_by_words_about_delay() -> None:
    keywords = _clusters()
    delay, taste = keywords[0], keywords[1]
    assert {"送餐", "送餐慢", "超时", "小时", "一个多小时"} & set(delay[:4]), delay
    assert {"味道", "难吃", "咸", "油", "不好吃", "味道一般"} & set(taste[:4]), taste
    for term in delay + taste:
        assert _readable(term), (term, delay, taste)
    assert not set(delay) & set(taste)


def test_the_label_reads_as_chinese_words() -> None:
    keywords = _clusters()
    label = label_from(keywords[0])
    parts = label.split(" · ")
    assert len(parts) == 3, label
    assert all(len(p) > 1 and _readable(p) for p in parts), label
    assert {"送餐慢", "超时", "一个多小时", "送餐"} & set(parts), label


def test_words_are_segmented_not_single_characters() -> None:
    terms = _terms("送餐太慢了，等了一个多小时")
    assert "送餐" in terms and "送餐慢" in terms  # 太慢 -> 慢; a pair joined without a space
    assert "一个多小时" in terms and "一个多" not in terms  # a count names nothing alone
    assert "不好吃" in _terms("不好吃")  # a negation stays with its word
    assert "不新鲜" in _terms("肉不新鲜")
    assert _terms("的了吗？是的呢。我们觉得，就是这样 123") == []
    # pairs stay inside a clause
    assert "慢超时" not in _terms("送餐慢，超时")


def test_mixed_chinese_and_english() -> None:
    assert set(_terms("外卖 delivery 太慢了 refund")) == {"外卖", "delivery", "慢", "refund"}
    texts = [
        "app 闪退，login 失败",
        "App一直闪退 crash",
        "闪退 again, the app crashes",
        "登录失败 login error",
        "送餐太慢",
        "味道一般",
        "refund please",
    ]
    keywords = cluster_keywords(texts, [0, 0, 0, 0, -1, -1, -1])[0]
    assert "闪退" in keywords[:4], keywords
    assert {"app", "login"} & set(keywords[:4]), keywords
    assert all(_readable(t) for t in keywords), keywords


def test_english_terms_stay_inside_a_comment_and_a_clause() -> None:
    """English: words and runs of up to three kept words, lower-cased, stop words and
    contractions out; no term spans two comments, a clause break or an e-mail."""
    texts = [
        "The refund never arrived, I've waited 3 weeks!",
        "Still no refund; refund me now. Card_number 1234",
        "I'm asking for my REFUND back",
        "App crashes on login, it's broken",
        "The app crashed again after the update",
        "login fails: app won't open (café wifi)",
        "Great service, thanks",
        "Delivery was late and the food was cold",
        "user@example.com said the delivery was late",
    ]
    labels = [0, 0, 0, 1, 1, 1, -1, 2, 2]
    keywords = cluster_keywords(texts, labels)
    assert keywords[0][0] == "refund" and keywords[1][:2] == ["app", "login"], keywords
    assert keywords[2][:3] == ["delivery", "delivery late", "late"], keywords
    every = {term for terms in keywords.values() for term in terms}
    assert not every & {"i've", "i'm", "won't", "it's", "com", "example", "cold example"}, every
    assert _terms("app crashed after the update") == [
        "app", "crashed", "update", "app crashed", "crashed update", "app crashed update"
    ]  # fmt: skip
    assert "refund refund" not in _terms("Still no refund; refund me now")
    assert set(EXTRA_STOP_WORDS) & set(_terms("user email phone amp")) == set()
    assert label_from(["late delivery", "late", "delivery", "refund"]) == "late delivery · refund"
    assert label_from([]) == "(no words)"


def test_label_prefers_the_word_that_holds_a_single_character() -> None:
    assert label_from(["慢", "小时", "送餐慢", "送餐"]) == "送餐慢 · 小时"
    assert label_from(["送来", "凉", "送来凉", "差"]) == "送来 · 凉 · 差"  # 送来凉 holds 送来
    assert cluster_keywords(["的了吗", "是的呢"], [0, -1]) == {0: []}


def test_jieba_loads_lazily_and_quietly() -> None:
    code = (
        "import sys\n"
        "from models.keywords import cluster_keywords\n"
        "cluster_keywords(['refund late', 'app crash'], [0, -1])\n"
        "assert 'jieba' not in sys.modules\n"
        "print(cluster_keywords(['送餐太慢', '味道一般'], [0, -1])[0])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "送餐" in run.stdout
    assert run.stderr == "", run.stderr
