"""Words that name a cluster: class-based TF-IDF (c-TF-IDF, as BERTopic defines it).

All comments of a cluster are one document; a term scores high when it is frequent in that
cluster and rare across the others, so "refund" names the refund cluster even though a tenth
of all comments mention money. The comments outside every cluster form one more class, so a
cluster is described against the rest, not only against the other clusters.

Terms are words and pairs of neighbouring words. English words are found by a pattern and
lower-cased; a run of Chinese characters is cut into words by jieba (precise mode) and a pair
of Chinese words is written without a space ("送餐" + "慢" -> "送餐慢"). Chinese stop words,
single characters that say nothing alone and numbers go (models/zh_stopwords.py); mixed text
gives both kinds of term.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from models import zh_stopwords as zh

# Words of every complaint and the placeholders of redaction: they name no pain point.
EXTRA_STOP_WORDS = frozenset(
    {"email", "phone", "card_number", "iban", "user", "amp", "http", "https", "im", "ve"}
)
_STOP_WORDS = ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS
_WORD = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z']+\b")  # words, not numbers or ids
# CJK ideographs (unified, extension A, compatibility): one run of them goes to jieba.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@functools.cache
def _segmenter() -> Any:
    """jieba's tokenizer, built on first use (it loads its dictionary, about a second); a race
    at start builds it twice, harmlessly."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()  # our own: the words added here stay here
    tokenizer.initialize()
    for word in zh.EXTRA_WORDS:
        tokenizer.add_word(word)
    return tokenizer


def _english_terms(text: str) -> list[str]:
    """Words and pairs of words, as CountVectorizer(token_pattern, stop_words) gives them."""
    tokens = [t for t in _WORD.findall(text) if t not in _STOP_WORDS]
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _is_count(word: str) -> bool:
    return set(word) <= zh.NUMERAL_CHARACTERS


def _chinese_terms(run: str) -> list[str]:
    """Words and pairs of words of one run of Chinese characters (a clause)."""
    words: list[str] = []
    for word in _segmenter().lcut(run):
        if len(word) > 1 and word[-1] in zh.SINGLE_KEEP and word[:-1] in zh.DEGREE_WORDS:
            word = word[-1]  # 太慢 -> 慢
        if words and _is_count(word) and _is_count(words[-1]):
            words[-1] += word  # 两个 + 多 -> 两个多
        elif words and words[-1] in zh.NEGATIONS and word not in zh.STOP_WORDS:
            words[-1] += word  # 不 + 新鲜 -> 不新鲜
        else:
            words.append(word)
    kept: list[tuple[str, bool]] = []  # (word, is a count)
    for word in words:
        if _is_count(word):
            kept.append((word, True))
        elif word not in zh.STOP_WORDS and (len(word) > 1 or word in zh.SINGLE_KEEP):
            kept.append((word, False))
    terms = [w for w, count in kept if not count]
    terms += [a + b for (a, _), (b, count) in zip(kept, kept[1:]) if not count]
    return terms


def _terms(document: str) -> list[str]:
    """Every term of a document: English outside runs of Chinese characters, Chinese inside."""
    document = document.lower()
    if not _HAN.search(document):
        return _english_terms(document)
    terms: list[str] = []
    start = 0
    for run in _HAN.finditer(document):
        terms += _english_terms(document[start : run.start()])
        terms += _chinese_terms(run.group())
        start = run.end()
    return terms + _english_terms(document[start:])


def cluster_keywords(
    texts: Sequence[str], labels: Sequence[int] | np.ndarray, *, top: int = 8
) -> dict[int, list[str]]:
    """Top terms of every cluster id >= 0 in `labels` (one per text), best first."""
    labels = np.asarray(labels)
    clusters = sorted(int(c) for c in np.unique(labels) if c >= 0)
    if not clusters:
        return {}
    classes = [*clusters, -1]  # -1: everything outside the clusters
    documents = [" ".join(t for t, c in zip(texts, labels) if c == k) for k in classes]
    vectorizer = CountVectorizer(analyzer=_terms, min_df=1)
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(np.float64)
    except ValueError:  # nothing but stop words
        return {c: [] for c in clusters}
    terms = vectorizer.get_feature_names_out()
    words = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(words, 1)
    average = float(words[:-1].mean()) if len(words) > 1 else float(words.mean())
    idf = np.log(1 + average / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    result: dict[int, list[str]] = {}
    for row, cluster in enumerate(clusters):
        order = np.argsort(-scores[row], kind="stable")
        result[cluster] = [str(terms[i]) for i in order[:top] if scores[row, i] > 0]
    return result


def label_from(keywords: Sequence[str], *, words: int = 3) -> str:
    """A short name: the best terms, skipping a word already inside a chosen bigram.

    One Chinese character ("慢") gives way to the first later term that holds it ("送餐慢").
    """
    chosen: list[str] = []
    for i, term in enumerate(keywords):
        candidates = [term]
        if len(term) == 1 and _HAN.fullmatch(term):
            candidates[:0] = [t for t in keywords[i + 1 :] if term in t][:1]
        for candidate in candidates:
            if not any(candidate in kept or kept in candidate for kept in chosen):
                chosen.append(candidate)
                break
        if len(chosen) == words:
            break
    return " · ".join(chosen) if chosen else "(no words)"
