"""Zero-shot scoring from a taxonomy's own words, with weights and temperature fitted on its phrases
(models/zero_shot.py), and the taxonomy check (models/taxonomy_check.py), on the real encoder."""

from __future__ import annotations

import numpy as np

from models.classify import TouchpointClassifier
from models.encoder import Encoder
from models.taxonomy import parse_taxonomy
from models.taxonomy_check import check_taxonomy
from models.zero_shot import CLAUSE_WEIGHTS, EXAMPLE_WEIGHTS, description_clauses

AIRLINE = """
name: thin_airline
stages: [{id: pre_purchase, name: Before}, {id: purchase, name: Buying}, {id: usage, name: Flying},
         {id: after_sales, name: After}]
touchpoints:
- id: booking
  name: Booking
  stage: purchase
  description: Buying a ticket or changing a reservation on the website or the app.
  examples: [I could not book my flight online., Changing my reservation costs too much.]
- id: baggage
  name: Baggage
  stage: after_sales
  description: Checked bags that were lost, delayed or damaged.
  examples: [You lost my luggage., My suitcase arrived broken.]
- id: crew
  name: Cabin crew
  stage: usage
  description: The flight attendants and how they treated passengers.
  examples: [The flight attendant was rude to me., Great crew on my flight today.]
"""


def classifier(encoder: Encoder, document: str = AIRLINE) -> TouchpointClassifier:
    return TouchpointClassifier(parse_taxonomy(document), encoder)


def test_description_clauses_are_the_listed_subjects() -> None:
    assert description_clauses("Checked bags that were lost, delayed or damaged, and bag fees.") == [
        "Checked bags that were lost",
        "bag fees",
    ]


def test_thin_taxonomy_names_plain_comments_and_fits_its_weights(encoder: Encoder) -> None:
    c = classifier(encoder)
    comments = [
        "they lost my bag on the way home",
        "the stewardess was so kind",
        "the booking site kept crashing",
    ]
    best = [c.labels[i] for i in c.score(encoder.encode(comments).sentences).confidence.argmax(axis=1)]
    assert best == ["baggage", "crew", "booking"]
    fitted = c.fitted
    assert fitted.loo_phrases == 6 and fitted.loo_accuracy == 1.0
    assert fitted.clause_weight in CLAUSE_WEIGHTS and fitted.example_weight in EXAMPLE_WEIGHTS
    assert 0.005 <= fitted.temperature <= 0.5


def test_weights_written_in_the_taxonomy_are_used_as_written(encoder: Encoder) -> None:
    fixed = AIRLINE + "scoring: {clause_weight: 0.3, example_weight: 5.0, temperature: 0.07}\n"
    fitted = classifier(encoder, fixed).fitted
    assert (fitted.clause_weight, fitted.example_weight, fitted.temperature) == (0.3, 5.0, 0.07)


def test_each_phrase_is_left_out_of_its_own_touchpoint(encoder: Encoder) -> None:
    """A bag complaint filed under the crew is found out: scored with itself left out, it reads
    as baggage. Were it not left out it would match itself (cosine 1) and look right."""
    misfiled = AIRLINE.replace("Great crew on my flight today.", "My luggage never arrived.")
    c = classifier(encoder, misfiled)
    crew, baggage = c.labels.index("crew"), c.labels.index("baggage")
    assert (crew, baggage) in c.fitted.loo_mistakes
    assert c.fitted.loo_accuracy is not None and c.fitted.loo_accuracy < 1.0
    report = check_taxonomy(c)
    assert any(f.kind == "close_pair" and set(f.touchpoints) == {"crew", "baggage"} for f in report.findings)


def test_check_names_the_empty_stage_thin_touchpoints_and_a_dominant_one(encoder: Encoder) -> None:
    thin = AIRLINE.replace(
        "  examples: [The flight attendant was rude to me., Great crew on my flight today.]\n", ""
    )
    c = classifier(encoder, thin)
    bags = [
        f"my {thing} was lost on the flight to {city}"
        for thing in ("bag", "suitcase", "luggage")
        for city in ("Rome", "Oslo", "Lima")
    ]
    report = check_taxonomy(c, encoder.encode([*bags, "the flight attendant shouted at me"]).sentences)
    kinds = {(f.kind, tuple(f.touchpoints), f.stage) for f in report.findings}
    assert ("empty_stage", (), "pre_purchase") in kinds
    assert ("few_examples", ("crew",), None) in kinds
    assert ("dominant", ("baggage",), None) in kinds
    assert ("never_wins", ("booking",), None) in kinds
    assert report.sample_size == 10 and report.shares["baggage"] == 0.9
    assert all(f.advice for f in report.findings)


def test_check_without_a_sample_looks_at_the_phrases_only(encoder: Encoder) -> None:
    report = check_taxonomy(classifier(encoder))
    assert report.sample_size == 0 and report.shares == {} and report.nothing_fits_share is None
    assert [f.stage for f in report.findings if f.kind == "empty_stage"] == ["pre_purchase"]


def test_prototype_order_matches_the_phrases(encoder: Encoder) -> None:
    """The pipeline embeds `prototype_phrases` itself and hands the vectors over: same scores."""
    from models.classify import prototype_phrases

    taxonomy = parse_taxonomy(AIRLINE)
    texts, _ = prototype_phrases(taxonomy)
    given = TouchpointClassifier(taxonomy, prototypes=encoder.encode(texts).sentences)
    vectors = encoder.encode(["my suitcase is gone"]).sentences
    assert np.allclose(
        given.score(vectors).confidence, classifier(encoder).score(vectors).confidence, atol=1e-5
    )


def test_a_taxonomy_with_thousands_of_phrases_fits_on_a_bounded_sample() -> None:
    from models.classify import prototype_phrases
    from models.zero_shot import MAX_FIT_PHRASES

    big = AIRLINE.replace(
        "  examples: [You lost my luggage., My suitcase arrived broken.]\n",
        "  examples:\n" + "".join(f"  - bag number {i} is lost\n" for i in range(2500)),
    )
    taxonomy = parse_taxonomy(big)
    texts, _ = prototype_phrases(taxonomy)
    vectors = np.random.default_rng(0).normal(size=(len(texts), 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    fitted = TouchpointClassifier(taxonomy, prototypes=vectors).fitted
    assert fitted.loo_phrases == MAX_FIT_PHRASES and fitted.loo_accuracy is not None


def test_a_single_touchpoint_taxonomy_is_checked_on_a_sample(encoder: Encoder) -> None:
    one = "name: one\ntouchpoints:\n- {id: x, name: X, stage: usage, description: d}\n"
    report = check_taxonomy(classifier(encoder, one), encoder.encode(["late parcel", "rude staff"]).sentences)
    assert report.sample_size == 2 and not any(f.kind == "close_pair" for f in report.findings)
