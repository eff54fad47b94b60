"""Words that name a cluster: class-based TF-IDF (c-TF-IDF, as BERTopic defines it).

All comments of a cluster are one class; a term scores high when it is frequent in that cluster
and rare across the others, so "refund" names the refund cluster even though a tenth of all
comments mention money. The comments outside every cluster form one more class, so a cluster is
described against the rest, not only against the other clusters. Terms are counted per comment,
so no pair of words spans two comments.

Before terms are taken, `clean` removes what names no pain point: handles and the redaction
placeholders (`@user`, `[EMAIL]`...), URLs, HTML entities (`&amp;`), the `#` of a hashtag (its word
stays), and undoes one known scraping artefact (REPAIRS).

Terms are runs of one to three words (stop words removed, inside one clause). English words are
found by a pattern and lower-cased; a run of Chinese characters is cut into words by jieba
(precise mode) and a pair of Chinese words is written without a space ("送餐" + "慢" -> "送餐慢").
Chinese stop words, single characters that say nothing alone and numbers go
(models/zh_stopwords.py); mixed text gives both kinds of term.

`describe_groups` names each cluster with a phrase of its members' own words ("lost my bag"):
its subject is the best-scoring term that enough members share and that they use far more often
than the comments at large (GenericRule); a cluster with no such term is venting without a
subject, marked generic and named GENERIC_LABEL.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from models import zh_stopwords as zh

# Words of every complaint and the placeholders of redaction: they name no pain point.
EXTRA_STOP_WORDS = frozenset(
    {"email", "phone", "card_number", "iban", "user", "amp", "http", "https", "im", "ve"}
)
_STOP_WORDS = ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS
# "don't", "that's", "i've": a stop word or an auxiliary before the apostrophe says nothing
_CONTRACTED = frozenset({"don", "didn", "doesn", "isn", "wasn", "aren", "weren", "won", "can", "couldn",
                         "shouldn", "wouldn", "haven", "hasn", "hadn", "ain", "let"})  # fmt: skip
_WORD = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z']+\b")  # words, not numbers or ids
_CLAUSE = re.compile(r"[.!?;:,()\[\]\"…\n]+|\s[-–—/|]+\s")  # a phrase never spans these
# CJK ideographs (unified, extension A, compatibility): one run of them goes to jieba.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LONGEST = 3  # words in a term
PAIRED = 0.05  # a label's two words become one phrase when this share of the members wrote them so

_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.[A-Za-z]{2,}")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]+")  # @user, raw handles: ASCII, as on X
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*\]")  # [EMAIL], [PHONE], [NAME], [ORDER_ID]...
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);?", re.IGNORECASE)  # left after one unescape
# The airline tweets (Figure Eight, 2015) came scraped with their complaint reasons pasted over
# words: "cancelled" reads "Cancelled Flightled", "later" "Late Flightr", "rebooking"
# "reFlight Booking Problems". Title case and glued to letters, the artefact is never a
# customer's own words; undoing it keeps "flightled" out of labels and the reason out of the
# terms. Applied to terms only: the comment itself is left as it came.
REPAIRS = (
    ("Cancelled Flight", "cancel"),
    ("Late Flight", "late"),
    ("Flight Booking Problems", "booking"),
)

GENERIC_LABEL = "general dissatisfaction"
# Words of venting that name no subject: judgement, intensity, address, thanks, filler. A term
# of these words alone is never a cluster's subject (GenericRule).
VENTING = frozenset(
    """worst worse bad terrible horrible awful suck sucks sucked sucking hate hated fail fails
    failed failing fail ridiculous disappointed disappointing disappointment unacceptable
    pathetic joke shame shameful disgrace disgraceful disgusted disgusting annoyed annoying
    frustrated frustrating frustration angry upset sad poor lame crap crappy wtf omg lol ugh
    wow seriously really literally absolutely totally honestly actually just guys guy thanks
    thank thx ty hey hi yes yeah yep ok okay sure exactly great good love nice like best better
    awesome amazing happy glad pls plz please sorry oh ah lmao smh hell damn god people
    today tonight day week time times got get getting know want need think going make way thing
    things lot says said tell told say come came doing did does done let keep""".split()
) | frozenset("差 很差 太差 垃圾 失望 无语 恶心 坑 不好 一般 郁闷 生气 好评 满意 谢谢 不错".split())


@dataclass(frozen=True)
class GenericRule:
    """When a cluster has a subject. A candidate is a term its members use at least `lift`
    times as often as all comments do, not made of VENTING words alone. The cluster has a
    subject when at least `coverage` of its members hold one of its `top` best-scoring
    candidates (synonyms share the work: "delay", "waiting", "hours"); otherwise it is generic
    ("@user exactly", "@user Suck"): it vents, and says about what only as much as any comment.
    """

    top: int = 3
    coverage: float = 0.25
    lift: float = 2.0


@dataclass(frozen=True)
class Described:
    """The words of one group of comments."""

    keywords: list[str]  # best c-TF-IDF terms first
    label: str  # a phrase of the members' own words, or GENERIC_LABEL
    subject: str | None  # the term the label is built on; None: generic
    coverage: float  # share of the members holding one of the subject's candidates (GenericRule)
    generic: bool


def clean(text: str) -> str:
    """The words of a comment without handles, placeholders, URLs, HTML entities or the `#` of
    hashtags; the known scraping artefact undone (REPAIRS)."""
    for artefact, original in REPAIRS:
        text = text.replace(artefact, original)
    text = html.unescape(text)
    text = _ENTITY.sub(" ", text)  # "&amp;amp;" unescapes to "&amp;"
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    return text.replace("#", " ").replace("\u2019", "'").replace("\u2018", "'")


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


def _is_stop(word: str) -> bool:
    if word in _STOP_WORDS:
        return True
    head, apostrophe, _ = word.partition("'")
    return bool(apostrophe) and (head in _STOP_WORDS or head in _CONTRACTED or not head)


def _english_spans(text: str) -> list[tuple[str, str]]:
    """(term, the words it was written as) for runs of 1..LONGEST kept words of each clause;
    "lost bag" may have been written "lost my bag"."""
    spans: list[tuple[str, str]] = []
    for clause in _CLAUSE.split(text):
        words = [m for m in _WORD.finditer(clause) if not _is_stop(m.group())]
        for n in range(1, LONGEST + 1):
            for i in range(len(words) - n + 1):
                run = words[i : i + n]
                spans.append((" ".join(m.group() for m in run), clause[run[0].start() : run[-1].end()]))
    return spans


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


def _spans(document: str) -> list[tuple[str, str]]:
    """Every (term, as written) of a comment: English outside runs of Chinese characters, Chinese
    inside (a Chinese term is its own written form)."""
    document = clean(document).lower()
    if not _HAN.search(document):
        return _english_spans(document)
    spans: list[tuple[str, str]] = []
    start = 0
    for run in _HAN.finditer(document):
        spans += _english_spans(document[start : run.start()])
        spans += [(t, t) for t in _chinese_terms(run.group())]
        start = run.end()
    return spans + _english_spans(document[start:])


def _terms(document: str) -> list[str]:
    return [term for term, _ in _spans(document)]


@dataclass(frozen=True)
class _Counts:
    clusters: list[int]
    terms: np.ndarray  # (v,) the vocabulary
    scores: np.ndarray  # (k, v) c-TF-IDF of each cluster
    coverage: np.ndarray  # (k, v) share of each cluster's comments holding the term
    overall: np.ndarray  # (v,) share of all comments holding the term
    held: sparse.csr_matrix  # (n, v) True where a comment holds the term
    rows: np.ndarray  # (n,) the row of each comment's cluster; len(clusters): in none


def _count(texts: Sequence[str], labels: np.ndarray) -> _Counts | None:
    clusters = sorted(int(c) for c in np.unique(labels) if c >= 0)
    if not clusters:
        return None
    try:
        per_comment = CountVectorizer(analyzer=_terms, min_df=1).fit(texts)
    except ValueError:  # nothing but stop words
        empty = np.zeros((len(clusters), 0))
        rows = np.full(len(labels), len(clusters))
        return _Counts(
            clusters, np.array([]), empty, empty, np.zeros(0), sparse.csr_matrix((len(labels), 0)), rows
        )
    x = sparse.csr_matrix(per_comment.transform(texts), dtype=np.float64)
    row = {c: i for i, c in enumerate(clusters)}
    rows = np.array([row.get(int(c), len(clusters)) for c in labels])  # the last class: the rest
    classes = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(clusters) + 1, len(rows))
    )
    counts = (classes @ x).toarray()
    present = sparse.csr_matrix(x > 0, dtype=np.float64)
    held = (classes @ present).toarray()
    words = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(words, 1)
    average = float(words[:-1].mean()) if len(words) > 1 else float(words.mean())
    idf = np.log(1 + average / np.maximum(counts.sum(axis=0), 1))
    sizes = np.bincount(rows, minlength=len(clusters) + 1)[:, None]
    return _Counts(
        clusters=clusters,
        terms=per_comment.get_feature_names_out(),
        scores=(tf * idf)[:-1],
        coverage=(held / np.maximum(sizes, 1))[:-1],
        overall=held.sum(axis=0) / max(len(texts), 1),
        held=present,
        rows=rows,
    )


def cluster_keywords(
    texts: Sequence[str], labels: Sequence[int] | np.ndarray, *, top: int = 8
) -> dict[int, list[str]]:
    """Top terms of every cluster id >= 0 in `labels` (one per text), best first."""
    found = _count(texts, np.asarray(labels))
    if found is None:
        return {}
    return {c: _top(found, row, top) for row, c in enumerate(found.clusters)}


def term_scores(texts: Sequence[str], labels: Sequence[int] | np.ndarray) -> np.ndarray:
    """(k, v) c-TF-IDF of clusters 0..k-1 (k: the largest id + 1) over one vocabulary; a row of
    zeros for an id no comment has. What models/themes.py compares clusters' words with."""
    labels = np.asarray(labels)
    k = int(labels.max(initial=-1)) + 1
    found = _count(texts, labels)
    result = np.zeros((k, 0 if found is None else len(found.terms)))
    if found is not None:
        result[found.clusters] = found.scores
    return result


def _top(found: _Counts, row: int, top: int) -> list[str]:
    order = np.argsort(-found.scores[row], kind="stable")[:top]
    return [str(found.terms[i]) for i in order if found.scores[row, i] > 0]


def _venting(term: str) -> bool:
    return term in VENTING or all(word in VENTING for word in term.split(" "))


def _same_stem(a: str, b: str) -> bool:
    """ "bag" and "bags", "agent" and "agents": one word twice is no second subject."""
    short = min(len(a), len(b))
    return short >= 3 and a[: short - 1] == b[: short - 1]


def _holds(longer: str, shorter: str) -> bool:
    if _HAN.search(shorter):
        return shorter in longer and longer != shorter
    return f" {shorter} " in f" {longer} " and longer != shorter


def describe_groups(
    texts: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    *,
    top: int = 8,
    rule: GenericRule = GenericRule(),
) -> dict[int, Described]:
    """Keywords, phrase label and generic flag of every cluster id >= 0 in `labels`.

    The label is the cluster's subject (see GenericRule), lengthened to the longest term holding
    it that at least a third of the members who use the subject also use ("cancelled" ->
    "flight cancelled"),
    and written as most members wrote it ("flight was cancelled"); a single word is followed by
    the next subject that does not overlap it ("hold · hours").
    """
    labels = np.asarray(labels)
    found = _count(texts, labels)
    if found is None:
        return {}
    venting = np.array([_venting(str(t)) for t in found.terms], dtype=bool)
    lift = found.coverage / np.maximum(found.overall, 1e-12)
    eligible = (lift >= rule.lift) & ~venting & (found.scores > 0)
    result: dict[int, Described] = {}
    for row, cluster in enumerate(found.clusters):
        keywords = _top(found, row, top)
        subjects = [int(i) for i in np.argsort(-found.scores[row], kind="stable") if eligible[row, i]]
        members = np.flatnonzero(found.rows == row)
        coverage = float((found.held[members][:, subjects[: rule.top]].sum(axis=1) > 0).mean())
        if coverage < rule.coverage:
            result[cluster] = Described(keywords, GENERIC_LABEL, None, round(coverage, 4), True)
            continue
        subject = str(found.terms[subjects[0]])
        phrase = _lengthen(found, row, subject)
        parts = [phrase]
        if " " not in phrase:
            parts += [
                t
                for t in (str(found.terms[i]) for i in subjects[1:6])
                if not (_holds(t, phrase) or _holds(phrase, t) or _same_stem(t, phrase))
            ][:1]
        if len(parts) == 2:  # "flight · cancelled" written together by enough: "flight was cancelled"
            pairs = [np.flatnonzero(found.terms == f"{a} {b}") for a, b in (parts, parts[::-1])]
            held = [(float(found.coverage[row, i[0]]), i[0]) for i in pairs if len(i)]
            if held and max(held)[0] >= PAIRED:
                parts = [str(found.terms[max(held)[1]])]
        written = [texts[i] for i in members]
        label = " · ".join(_as_written(written, part) for part in parts)
        result[cluster] = Described(keywords, label, subject, round(coverage, 4), False)
    return result


def _lengthen(found: _Counts, row: int, subject: str) -> str:
    base = found.coverage[row, int(np.flatnonzero(found.terms == subject)[0])]
    near = np.flatnonzero(found.coverage[row] >= base / 3)  # few terms: check only these
    phrase = subject
    while True:
        longer = [
            (float(found.coverage[row, i]), str(found.terms[i]))
            for i in near
            if _holds(str(found.terms[i]), phrase) and not _venting(str(found.terms[i]))
        ]
        if not longer:
            return phrase
        phrase = max(longer)[1]


def _as_written(members: Sequence[str], term: str) -> str:
    """The commonest way the members wrote the term, at most two words longer than it."""
    ways: Counter[str] = Counter()
    for text in members:
        for found, written in _spans(text):
            if found == term and len(written.split()) <= len(term.split()) + 2:
                ways[" ".join(written.split())] += 1
    return ways.most_common(1)[0][0] if ways else term


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
