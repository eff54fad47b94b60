"""The analysis pipeline: normalise, redact, embed once, then every head reads that embedding."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import numpy as np

from models.bundle import Bundle
from models.classify import (
    TouchpointClassifier,
    TouchpointScores,
    TrainedTouchpointClassifier,
    prototype_phrases,
)
from models.encoder import Encoder, ProgressFn
from models.language import LanguageDetector
from models.normalize import normalize
from models.redact import Redactor
from models.segments import split_points, split_segments
from models.sentiment import Sentiment, SentimentHead
from models.taxonomy import Taxonomy


@dataclass(frozen=True)
class Label:
    label: str
    confidence: float


@dataclass(frozen=True)
class TouchpointMention:
    label: str
    stage: str
    confidence: float
    sentiment: Sentiment
    evidence: str
    start: int  # evidence span in the redacted text
    end: int


@dataclass(frozen=True)
class Analysis:
    text: str  # normalised and redacted: the only form that is ever stored
    stage: Label
    touchpoints: list[TouchpointMention]
    sentiment: Sentiment
    embedding: np.ndarray
    redactions: dict[str, int] = field(default_factory=dict)
    language: str | None = None  # ISO 639-1; None: not detected (too short, or detection off)
    warnings: list[str] = field(default_factory=list)  # what makes this result less trustworthy


Classifier = TouchpointClassifier | TrainedTouchpointClassifier


class Analyzer:
    """Holds the encoder and heads; classifiers per taxonomy are built once and cached.

    With a bundle, its trained heads serve its own taxonomy (and its sentiment head, if it has
    one, every request); other taxonomies are still classified zero-shot.
    """

    def __init__(
        self,
        encoder: Encoder,
        sentiment: SentimentHead,
        redactor: Redactor | None,
        *,
        bundle: Bundle | None = None,
        min_confidence: float = 0.3,
        max_touchpoints: int = 3,
        language_detector: LanguageDetector | None = None,
    ) -> None:
        if sentiment.dim != encoder.dim:
            raise ValueError(
                f"sentiment head expects {sentiment.dim}-d embeddings, encoder gives {encoder.dim}-d"
            )
        self.encoder = encoder
        self.sentiment = sentiment
        self.redactor = redactor
        self.min_confidence = min_confidence
        self.max_touchpoints = max_touchpoints
        self.language_detector = language_detector
        if bundle is not None:
            check_bundle_fits(bundle, encoder)
        self.bundle = bundle
        # True when the encoder is the stock one (not a bundle's own): a swap may keep it
        self.encoder_is_stock = bundle is None or bundle.encoder_path is None
        self.model_version = bundle.version if bundle else f"{encoder.version}+{sentiment.version}"
        self._classifiers: dict[tuple[str, int], Classifier] = {}
        self._zero_shot: dict[tuple[str, int], TouchpointClassifier] = {}  # beside trained heads
        self._lock = threading.Lock()

    def classifier(self, taxonomy: Taxonomy, progress: ProgressFn | None = None) -> Classifier:
        """The taxonomy's classifier, built on first use. Its prototypes are embedded a batch at a
        time, each under the model lock, so requests for other taxonomies go on meanwhile."""
        key = self._key(taxonomy)
        with self._lock:
            if key in self._classifiers:
                return self._classifiers[key]
        built = self._build_classifier(taxonomy, progress)
        with self._lock:
            return self._classifiers.setdefault(key, built)

    def is_ready(self, taxonomy: Taxonomy) -> bool:
        with self._lock:
            return self._key(taxonomy) in self._classifiers

    def phrase_count(self, taxonomy: Taxonomy) -> int:
        """Phrases the taxonomy's classifier must embed (0 when trained heads serve it)."""
        return 0 if self._trained_for(taxonomy) else len(prototype_phrases(taxonomy)[0])

    def uncached_phrase_count(self, taxonomy: Taxonomy) -> int:
        """Phrases the encoder would have to run for (those in the embedding cache cost a read)."""
        if self._trained_for(taxonomy):
            return 0
        texts, _ = prototype_phrases(taxonomy)
        cache = self.encoder.cache
        if cache is None:
            return len(texts)
        return len(texts) - len(cache.get(self.encoder.cache_namespace, texts, self.encoder.dim))

    @staticmethod
    def _key(taxonomy: Taxonomy) -> tuple[str, int]:
        return (taxonomy.name, hash(taxonomy.model_dump_json()))

    def _trained_for(self, taxonomy: Taxonomy) -> bool:
        bundle = self.bundle
        return bool(bundle and "touchpoint" in bundle.heads and bundle.taxonomy == taxonomy)

    def _build_classifier(self, taxonomy: Taxonomy, progress: ProgressFn | None) -> Classifier:
        bundle = self.bundle
        if bundle and self._trained_for(taxonomy):
            return TrainedTouchpointClassifier(
                taxonomy, bundle.heads["touchpoint"], bundle.heads.get("stage")
            )
        texts, _ = prototype_phrases(taxonomy)
        step = max(self.encoder.batch_size, 1)
        chunks = []
        for start in range(0, len(texts), step):
            with self._lock:
                chunks.append(self.encoder.encode(texts[start : start + step]).sentences)
            if progress:
                progress(min(start + step, len(texts)), len(texts))
        prototypes = np.concatenate(chunks) if chunks else np.zeros((0, self.encoder.dim), np.float32)
        return TouchpointClassifier(taxonomy, prototypes=prototypes, encoder_name=self.encoder.name)

    def zero_shot_classifier(self, taxonomy: Taxonomy) -> TouchpointClassifier:
        """The taxonomy's zero-shot classifier, even where trained heads serve it (to check it)."""
        classifier = self.classifier(taxonomy)
        if isinstance(classifier, TouchpointClassifier):
            return classifier
        key = self._key(taxonomy)
        with self._lock:
            if key not in self._zero_shot:
                prototypes = self.encoder.encode(prototype_phrases(taxonomy)[0]).sentences
                self._zero_shot[key] = TouchpointClassifier(
                    taxonomy, prototypes=prototypes, encoder_name=self.encoder.name
                )
            return self._zero_shot[key]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings of texts already prepared (as stored), e.g. to re-embed them."""
        with self._lock:  # stored comments: the database keeps these, the cache need not
            return self.encoder.encode(texts, use_cache=False).sentences

    def prepare(self, text: str) -> tuple[str, dict[str, int]]:
        clean = normalize(text)
        if self.redactor is None:
            return clean, {}
        redacted = self.redactor(clean)
        return redacted.text, redacted.counts

    def analyze(self, texts: list[str], taxonomy: Taxonomy) -> list[Analysis]:
        classifier = self.classifier(taxonomy)
        prepared = [self.prepare(t) for t in texts]
        clean = [p[0] for p in prepared]
        # Parts of multi-part comments, and both halves of every cut in two that split_points
        # offers, are embedded by pooling their tokens from the same pass.
        wanted: list[tuple[int, int, int]] = []
        for i, text in enumerate(clean):
            spans = split_segments(text)
            if len(spans) >= 2:
                wanted += [(i, start, end) for start, end in spans]
        segment_count = len(wanted)
        cuts: list[tuple[int, int, int]] = []  # (comment, row of the left half, row of the right)
        for i, text in enumerate(clean):
            for point in split_points(text):
                left_end = len(text[:point].rstrip(" ,;"))
                cuts.append((i, len(wanted), len(wanted) + 1))
                wanted += [(i, 0, left_end), (i, point, len(text))]
        with self._lock:  # one forward at a time: torch already uses every core
            encoded = self.encoder.encode(clean, with_tokens=True)
            span_vectors = encoded.spans(wanted)
        languages = self.language_detector.detect(clean) if self.language_detector else [None] * len(clean)
        whole = classifier.score(encoded.sentences)
        overall = self.sentiment.predict(encoded.sentences)

        rows = [j for j, vector in enumerate(span_vectors) if vector is not None]
        row_of = {j: r for r, j in enumerate(rows)}
        stacked = np.stack([span_vectors[j] for j in rows]) if rows else None
        span_scores = classifier.score(stacked) if stacked is not None else None
        span_sentiment = self.sentiment.predict(stacked) if stacked is not None else []
        by_comment: dict[int, list[int]] = {}
        for j in range(segment_count):
            if j in row_of:
                by_comment.setdefault(wanted[j][0], []).append(j)
        best_cut = self._best_cuts(cuts, row_of, span_scores)

        results = []
        for i, text in enumerate(clean):
            mentions = self._whole_mentions(classifier, whole, i, text, overall[i])
            for j in [*by_comment.get(i, []), *best_cut.get(i, ())]:
                _, start, end = wanted[j]
                r = row_of[j]
                assert span_scores is not None
                mentions += self._part_mentions(
                    classifier, span_scores, r, text, start, end, span_sentiment[r]
                )
            stage_index = int(whole.stage_confidence[i].argmax())
            results.append(
                Analysis(
                    text=text,
                    stage=Label(
                        classifier.stages[stage_index], float(whole.stage_confidence[i, stage_index])
                    ),
                    touchpoints=self._merge(mentions),
                    sentiment=overall[i],
                    embedding=encoded.sentences[i],
                    redactions=prepared[i][1],
                    language=languages[i],
                    warnings=self._language_warnings(languages[i]),
                )
            )
        return results

    def _language_warnings(self, language: str | None) -> list[str]:
        reads = self.encoder.languages
        if language is None or reads is None or language in reads:
            return []
        return [
            f"unsupported_language: the comment is in {language}, but the encoder {self.encoder.name} "
            f"reads {', '.join(reads)} only, so its touchpoints and sentiment are unreliable: serve a "
            "multilingual encoder (MOT_ENCODER=embeddinggemma-300m)"
        ]

    def _best_cuts(
        self,
        cuts: list[tuple[int, int, int]],
        row_of: dict[int, int],
        scores: TouchpointScores | None,
    ) -> dict[int, tuple[int, int]]:
        """Per comment, the cut whose two halves name two different touchpoints that both fit,
        the surest on its weaker side; comments with no such cut are absent."""
        best: dict[int, tuple[float, tuple[int, int]]] = {}
        if scores is None:
            return {}
        for i, left, right in cuts:
            if left not in row_of or right not in row_of:
                continue
            a, b = row_of[left], row_of[right]
            top_a, top_b = int(scores.confidence[a].argmax()), int(scores.confidence[b].argmax())
            if top_a == top_b or not (self._fits(scores, a, top_a) and self._fits(scores, b, top_b)):
                continue
            weaker = min(float(scores.confidence[a, top_a]), float(scores.confidence[b, top_b]))
            if i not in best or weaker > best[i][0]:
                best[i] = (weaker, (left, right))
        return {i: pair for i, (_, pair) in best.items()}

    def _whole_mentions(
        self, classifier: Classifier, scores: TouchpointScores, i: int, text: str, sentiment: Sentiment
    ) -> list[TouchpointMention]:
        order = np.argsort(-scores.confidence[i])[: self.max_touchpoints]
        return [
            self._mention(classifier, int(t), float(scores.confidence[i, t]), sentiment, text, 0, len(text))
            for t in order
            if self._fits(scores, i, int(t))
        ]

    def _part_mentions(
        self, classifier, scores, j: int, text: str, start: int, end: int, sentiment: Sentiment
    ) -> list[TouchpointMention]:
        best = int(scores.confidence[j].argmax())
        if not self._fits(scores, j, best):
            return []
        return [
            self._mention(classifier, best, float(scores.confidence[j, best]), sentiment, text, start, end)
        ]

    def _fits(self, scores: TouchpointScores, row: int, column: int) -> bool:
        return bool(scores.confidence[row, column] >= self.min_confidence and scores.fits[row, column])

    @staticmethod
    def _mention(classifier, t: int, confidence: float, sentiment, text: str, start: int, end: int):
        label = classifier.labels[t]
        return TouchpointMention(
            label=label,
            stage=classifier.taxonomy.touchpoint(label).stage,
            confidence=confidence,
            sentiment=sentiment,
            evidence=text[start:end].strip(),
            start=start,
            end=end,
        )

    def _merge(self, mentions: list[TouchpointMention]) -> list[TouchpointMention]:
        """One mention per touchpoint: a part's mention (narrower evidence, own sentiment) wins
        over the whole comment's; the confidence kept is the higher of the two."""
        best: dict[str, TouchpointMention] = {}
        for m in mentions:
            old = best.get(m.label)
            if old is None:
                best[m.label] = m
                continue
            narrower = m if (m.end - m.start) < (old.end - old.start) else old
            best[m.label] = replace(narrower, confidence=max(m.confidence, old.confidence))
        ranked = sorted(best.values(), key=lambda m: -m.confidence)
        return ranked[: max(self.max_touchpoints, 1)]


def check_bundle_fits(bundle: Bundle, encoder: Encoder) -> None:
    """A bundle's heads only make sense on the embedding they were trained on."""
    if bundle.encoder_version != encoder.version:
        raise ValueError(
            f"bundle {bundle.version} was trained on encoder {bundle.encoder_version}, "
            f"but the encoder loaded is {encoder.version}: serve it with that encoder"
        )
