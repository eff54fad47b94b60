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
from models.normalize import normalize
from models.redact import Redactor
from models.segments import split_segments
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
        # Parts of multi-part comments are embedded by pooling their tokens from the same pass.
        wanted: list[tuple[int, int, int]] = []
        for i, text in enumerate(clean):
            spans = split_segments(text)
            if len(spans) >= 2:
                wanted += [(i, start, end) for start, end in spans]
        with self._lock:  # one forward at a time: torch already uses every core
            encoded = self.encoder.encode(clean, with_tokens=True)
            span_vectors = encoded.spans(wanted)
        whole = classifier.score(encoded.sentences)
        overall = self.sentiment.predict(encoded.sentences)

        parts: list[tuple[int, int, int]] = []
        vectors: list[np.ndarray] = []
        for part, vector in zip(wanted, span_vectors):
            if vector is not None:
                parts.append(part)
                vectors.append(vector)
        part_scores = classifier.score(np.stack(vectors)) if vectors else None
        part_sentiment = self.sentiment.predict(np.stack(vectors)) if vectors else []
        by_comment: dict[int, list[int]] = {}
        for j, (i, _, _) in enumerate(parts):
            by_comment.setdefault(i, []).append(j)

        results = []
        for i, text in enumerate(clean):
            mentions = self._whole_mentions(classifier, whole, i, text, overall[i])
            for j in by_comment.get(i, []):
                _, start, end = parts[j]
                assert part_scores is not None
                mentions += self._part_mentions(
                    classifier, part_scores, j, text, start, end, part_sentiment[j]
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
                )
            )
        return results

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
