"""Zero-shot touchpoint scores from a taxonomy's own words, each kind of evidence used for what it is.

A touchpoint offers three kinds of phrases:
- its description, as "name: description";
- the clauses of its description ("declined, pending or reverted payments") and its name, each
  on its own, because a description usually lists several things and a comment names one;
- its example phrases, which act as neighbours: the mean similarity of the `top_k` closest.

The score is a weighted mean: `base = (description + c * best clause) / (1 + c)`, then
`(base + w * examples) / (1 + w)` with `w = example_weight * n / (n + EXAMPLE_HALF)`, so two
example phrases count for little and six hundred for almost all of `example_weight`.

`c`, `example_weight` and the softmax temperature are fitted per taxonomy from its own example
phrases, leave-one-out: each phrase is scored as if it were a comment, with itself removed, and
the weights that name its touchpoint most often win; the temperature is the one with the lowest
negative log-likelihood on those scores. A taxonomy may fix any of the three in its `scoring`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from models.heads import softmax
from models.taxonomy import Scoring, Taxonomy

EXAMPLE_HALF = 8  # examples at which they get half of `example_weight`
CLAUSE_WEIGHTS = (0.0, 0.5, 1.0)
EXAMPLE_WEIGHTS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
TEMPERATURES = np.geomspace(0.005, 0.5, 60)
DEFAULT_CLAUSE_WEIGHT = 0.5
DEFAULT_EXAMPLE_WEIGHT = 1.0
DEFAULT_TEMPERATURE = 0.05
MIN_FIT_PHRASES = 4  # fewer example phrases than this: the defaults, not a fit
MAX_FIT_PHRASES = 2000  # more: the fit scores an evenly spread 2000 of them
_CLAUSE_SPLIT = re.compile(r"[.;:()]|,\s(?:and\s|or\s)?|\s(?:and|or)\s")


def description_clauses(description: str) -> list[str]:
    """The pieces of a description worth matching on their own: two words or more."""
    pieces = (p.strip(" .,") for p in _CLAUSE_SPLIT.split(description))
    return [p for p in pieces if len(p.split()) >= 2]


@dataclass(frozen=True)
class Phrases:
    """Every phrase to embed for a taxonomy, in order, with whose and which kind each is."""

    texts: list[str]
    owners: list[int]  # touchpoint index
    kinds: list[str]  # "description" | "clause" | "example"


def taxonomy_phrases(taxonomy: Taxonomy) -> Phrases:
    texts: list[str] = []
    owners: list[int] = []
    kinds: list[str] = []
    for index, tp in enumerate(taxonomy.touchpoints):
        clauses = [c for c in dict.fromkeys([*description_clauses(tp.description), tp.name])]
        for kind, group in (
            ("description", [f"{tp.name}: {tp.description}"]),
            ("clause", clauses),
            ("example", tp.examples),
        ):
            texts += group
            owners += [index] * len(group)
            kinds += [kind] * len(group)
    return Phrases(texts, owners, kinds)


@dataclass(frozen=True)
class Fitted:
    """The weights a taxonomy scores with, and how well its own phrases named their touchpoint."""

    clause_weight: float
    example_weight: float
    temperature: float
    loo_accuracy: float | None  # None: too few example phrases to fit
    loo_phrases: int
    # (touchpoint of the phrase, touchpoint it was given) for each phrase named wrong, left out
    loo_mistakes: tuple[tuple[int, int], ...] = field(default=(), repr=False)


class ZeroShotScorer:
    """Scores (n, touchpoints) from the embeddings of a taxonomy's phrases."""

    def __init__(self, phrases: Phrases, prototypes: np.ndarray, touchpoints: int, scoring: Scoring) -> None:
        if len(prototypes) != len(phrases.texts):
            raise ValueError(f"{len(prototypes)} prototypes for {len(phrases.texts)} phrases")
        self.top_k = scoring.top_k
        self.prototypes = prototypes
        owners = np.asarray(phrases.owners, dtype=int)
        kinds = np.asarray(phrases.kinds)
        self.description_rows = np.array(
            [np.flatnonzero((owners == t) & (kinds == "description"))[0] for t in range(touchpoints)]
        )
        self.clause_rows = [np.flatnonzero((owners == t) & (kinds == "clause")) for t in range(touchpoints)]
        self.example_rows = [np.flatnonzero((owners == t) & (kinds == "example")) for t in range(touchpoints)]
        self.fitted = self._fit(scoring)

    def similarity(self, embeddings: np.ndarray) -> np.ndarray:
        f = self.fitted
        return self._combine(embeddings @ self.prototypes.T, f.clause_weight, f.example_weight)

    def confidence(self, similarity: np.ndarray) -> np.ndarray:
        return softmax(similarity / self.fitted.temperature)

    def _combine(
        self,
        sims: np.ndarray,
        clause_weight: float,
        example_weight: float,
        leave_out: np.ndarray | None = None,
    ) -> np.ndarray:
        """`leave_out[i]`: the phrase column row i is (its own similarity does not count)."""
        out = np.empty((len(sims), len(self.example_rows)), dtype=np.float32)
        for t, (description, clauses, examples) in enumerate(
            zip(self.description_rows, self.clause_rows, self.example_rows)
        ):
            base = sims[:, description].copy()
            if len(clauses) and clause_weight:
                base = (base + clause_weight * sims[:, clauses].max(axis=1)) / (1 + clause_weight)
            n = np.full(len(sims), len(examples), dtype=np.float32)
            if len(examples):
                block = sims[:, examples].copy()
                if leave_out is not None:
                    mine = leave_out[:, None] == examples[None, :]
                    block[mine] = -np.inf
                    n -= mine.sum(axis=1)
                k = min(self.top_k, len(examples))
                top = -np.sort(-block, axis=1)[:, :k]
                counted = np.minimum(k, n)
                finite = np.where(np.isfinite(top), top, 0.0).sum(axis=1)
                mean = np.divide(finite, counted, out=np.zeros_like(finite), where=counted > 0)
                w = example_weight * n / (n + EXAMPLE_HALF)
                out[:, t] = (base + w * mean) / (1 + w)
            else:
                out[:, t] = base
        return out

    def _fit(self, scoring: Scoring) -> Fitted:
        examples = np.concatenate([*self.example_rows, np.zeros(0, int)]).astype(int)
        owner = np.concatenate(
            [np.full(len(e), t) for t, e in enumerate(self.example_rows)] + [np.zeros(0, int)]
        )
        clause_w = scoring.clause_weight
        example_w = scoring.example_weight
        temperature = scoring.temperature
        if len(examples) < MIN_FIT_PHRASES or len({int(o) for o in owner}) < 2:
            return Fitted(
                DEFAULT_CLAUSE_WEIGHT if clause_w is None else clause_w,
                DEFAULT_EXAMPLE_WEIGHT if example_w is None else example_w,
                DEFAULT_TEMPERATURE if temperature is None else temperature,
                None,
                int(len(examples)),
            )
        if len(examples) > MAX_FIT_PHRASES:  # a spread sample: the fit's cost stays bounded
            pick = np.linspace(0, len(examples) - 1, MAX_FIT_PHRASES).astype(int)
            examples, owner = examples[pick], owner[pick]
        sims = self.prototypes[examples] @ self.prototypes.T
        best: tuple[float, float, float] | None = None
        best_scores = None
        for c in CLAUSE_WEIGHTS if clause_w is None else (clause_w,):
            for w in EXAMPLE_WEIGHTS if example_w is None else (example_w,):
                scores = self._combine(sims, c, w, leave_out=examples)
                accuracy = float((scores.argmax(axis=1) == owner).mean())
                if best is None or accuracy > best[0]:  # ties keep the lighter weights
                    best, best_scores = (accuracy, c, w), scores
        assert best is not None and best_scores is not None
        accuracy, c, w = best
        if temperature is None:
            temperature = fit_temperature(best_scores, owner)
        given = best_scores.argmax(axis=1)
        mistakes = tuple((int(a), int(b)) for a, b in zip(owner, given) if a != b)
        return Fitted(c, w, temperature, round(accuracy, 4), int(len(examples)), mistakes)


def fit_temperature(similarity: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature with the lowest negative log-likelihood of the true columns."""
    rows = np.arange(len(truth))
    nll = [-np.log(softmax(similarity / t)[rows, truth] + 1e-12).mean() for t in TEMPERATURES]
    return round(float(TEMPERATURES[int(np.argmin(nll))]), 4)
