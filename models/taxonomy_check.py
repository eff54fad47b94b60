"""What to fix in a taxonomy before trusting its journey map: touchpoints the encoder can hardly
tell apart, touchpoints that never win on a sample of comments, one touchpoint taking most of
them, stages without touchpoints and touchpoints with too few example phrases. Each finding says
in plain words what to do about it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from models.classify import TouchpointClassifier

FindingKind = Literal["close_pair", "never_wins", "dominant", "empty_stage", "few_examples", "nothing_fits"]
MIN_EXAMPLES = 2
MAX_SHARE = 0.4  # the largest touchpoint's share of the sample above which the map says little
AMBIGUOUS_RATIO = 0.5  # second-best confidence over best: above it, a comment is a toss-up
AMBIGUOUS_SHARE = 0.03  # of the sample: a pair this often a toss-up is worth a look
MAX_EMPTY_SHARE = 0.5
LOO_CONFUSED_SHARE = 0.07  # of a pair's example phrases read as the other one


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    touchpoints: list[str]
    value: float
    advice: str
    stage: str | None = None


@dataclass(frozen=True)
class TaxonomyCheck:
    taxonomy: str
    findings: list[Finding]
    sample_size: int
    shares: dict[str, float] = field(default_factory=dict)  # touchpoint: share of the sample it wins
    nothing_fits_share: float | None = None
    loo_accuracy: float | None = None  # the taxonomy's own phrases, each named right without itself

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_taxonomy(classifier: TouchpointClassifier, sample: np.ndarray | None = None) -> TaxonomyCheck:
    """`sample`: embeddings of real comments (stored ones, or a file's) to see how the taxonomy
    divides them; without it only the taxonomy's own phrases are looked at."""
    taxonomy = classifier.taxonomy
    findings = [*_empty_stages(classifier), *_few_examples(classifier), *_close_by_phrases(classifier)]
    shares: dict[str, float] = {}
    empty_share = None
    size = 0 if sample is None else len(sample)
    if sample is not None and size:
        scores = classifier.score(sample)
        best = scores.confidence.argmax(axis=1)
        fits = scores.fits[np.arange(size), best]
        empty_share = round(float(1 - fits.mean()), 4)
        counts = np.bincount(best[fits], minlength=len(classifier.labels))
        named = max(int(fits.sum()), 1)
        shares = {label: round(float(c / named), 4) for label, c in zip(classifier.labels, counts)}
        findings += _sample_findings(classifier, scores.confidence, fits, shares, empty_share)
    return TaxonomyCheck(
        taxonomy=taxonomy.name,
        findings=findings,
        sample_size=size,
        shares=shares,
        nothing_fits_share=empty_share,
        loo_accuracy=classifier.fitted.loo_accuracy,
    )


def _empty_stages(classifier: TouchpointClassifier) -> list[Finding]:
    used = {tp.stage for tp in classifier.taxonomy.touchpoints}
    return [
        Finding(
            "empty_stage",
            [],
            0.0,
            f"stage {stage!r} has no touchpoint, so no comment can land in it: add the touchpoints "
            "customers meet there, or drop the stage",
            stage=stage,
        )
        for stage in classifier.stages
        if stage not in used
    ]


def _few_examples(classifier: TouchpointClassifier) -> list[Finding]:
    return [
        Finding(
            "few_examples",
            [tp.id],
            float(len(tp.examples)),
            f"{tp.id!r} has {len(tp.examples)} example phrase(s): add at least {MIN_EXAMPLES}, "
            "written the way customers say it",
        )
        for tp in classifier.taxonomy.touchpoints
        if len(tp.examples) < MIN_EXAMPLES
    ]


def _close_by_phrases(classifier: TouchpointClassifier) -> list[Finding]:
    """Pairs whose example phrases, each left out in turn, score higher for the other touchpoint:
    the encoder reads the two as one subject."""
    labels = classifier.labels
    examples = {t: len(rows) for t, rows in enumerate(classifier.scorer.example_rows)}
    pairs: dict[tuple[int, int], int] = {}
    for a, b in classifier.fitted.loo_mistakes:
        key = (min(a, b), max(a, b))
        pairs[key] = pairs.get(key, 0) + 1
    findings = []
    for (a, b), count in sorted(pairs.items(), key=lambda kv: -kv[1]):
        share = count / max(examples[a] + examples[b], 1)
        if share < LOO_CONFUSED_SHARE:
            continue
        findings.append(
            Finding(
                "close_pair",
                [labels[a], labels[b]],
                round(share, 4),
                f"{count} example phrase(s) of {labels[a]!r} and {labels[b]!r} read as the other one "
                "to the encoder: say in each description what sets them apart, with example phrases "
                "for the difference, or merge them",
            )
        )
    return findings


def _sample_findings(
    classifier: TouchpointClassifier,
    confidence: np.ndarray,
    fits: np.ndarray,
    shares: dict[str, float],
    empty_share: float,
) -> list[Finding]:
    findings = []
    labels = classifier.labels
    for label, share in shares.items():
        if share == 0:
            findings.append(
                Finding(
                    "never_wins",
                    [label],
                    0.0,
                    f"{label!r} is the best match for none of the sample: check that its description "
                    "uses the words customers use, or drop it",
                )
            )
    largest = max(shares, key=lambda k: shares[k])
    if shares[largest] > MAX_SHARE:
        findings.append(
            Finding(
                "dominant",
                [largest],
                shares[largest],
                f"{largest!r} takes {shares[largest]:.0%} of the comments that name a touchpoint: "
                "narrow its description, or split it into the subjects it covers",
            )
        )
    if empty_share > MAX_EMPTY_SHARE:
        findings.append(
            Finding(
                "nothing_fits",
                [],
                empty_share,
                f"{empty_share:.0%} of the sample fits no touchpoint: the taxonomy misses what these "
                "customers write about (see the pain clusters), or the comments carry no subject",
            )
        )
    if confidence.shape[1] < 2:
        return findings  # one touchpoint: no pair to confuse
    order = np.argsort(-confidence, axis=1)[:, :2]
    rows = np.arange(len(confidence))
    first, second = confidence[rows, order[:, 0]], confidence[rows, order[:, 1]]
    toss_up = fits & (second >= AMBIGUOUS_RATIO * first)
    pairs: dict[tuple[int, int], int] = {}
    for a, b in order[toss_up]:
        key = (int(min(a, b)), int(max(a, b)))
        pairs[key] = pairs.get(key, 0) + 1
    for (a, b), count in sorted(pairs.items(), key=lambda kv: -kv[1]):
        share = count / len(confidence)
        if share < AMBIGUOUS_SHARE:
            break
        findings.append(
            Finding(
                "close_pair",
                [labels[a], labels[b]],
                round(share, 4),
                f"{share:.0%} of the sample is a toss-up between {labels[a]!r} and {labels[b]!r}: "
                "add example phrases on each side of the line between them",
            )
        )
    return findings
