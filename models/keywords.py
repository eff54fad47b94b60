"""Words that name a cluster: class-based TF-IDF (c-TF-IDF, as BERTopic defines it).

All comments of a cluster are one document; a term scores high when it is frequent in that
cluster and rare across the others, so "refund" names the refund cluster even though a tenth
of all comments mention money. The comments outside every cluster form one more class, so a
cluster is described against the rest, not only against the other clusters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

# Words of every complaint and the placeholders of redaction: they name no pain point.
EXTRA_STOP_WORDS = frozenset(
    {"email", "phone", "card_number", "iban", "user", "amp", "http", "https", "im", "ve"}
)


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
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    vectorizer = CountVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS),
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z']+\b",  # words, not numbers or ids
        min_df=1,
    )
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
    """A short name: the best terms, skipping a word already inside a chosen bigram."""
    chosen: list[str] = []
    for term in keywords:
        if any(term in kept or kept in term for kept in chosen):
            continue
        chosen.append(term)
        if len(chosen) == words:
            break
    return " · ".join(chosen) if chosen else "(no words)"
