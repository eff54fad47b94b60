"""The ML core with the real encoder and the shipped heads."""

import numpy as np

from models.pipeline import Analyzer
from models.taxonomy import builtin_packs


def test_one_comment_naming_two_touchpoints_returns_both_with_evidence(analyzer: Analyzer) -> None:
    [result] = analyzer.analyze(
        ["The flight attendants were rude, but my luggage was lost too."], builtin_packs()["airline"]
    )
    labels = [m.label for m in result.touchpoints]
    assert {"cabin_crew", "baggage"} <= set(labels)
    for m in result.touchpoints:
        assert result.text[m.start : m.end].strip() == m.evidence
    baggage = next(m for m in result.touchpoints if m.label == "baggage")
    assert "luggage" in baggage.evidence and "rude" not in baggage.evidence
    assert baggage.sentiment.label == "negative"
    confidences = [m.confidence for m in result.touchpoints]
    assert confidences == sorted(confidences, reverse=True)


def test_two_touchpoints_with_no_contrast_word_are_found_by_the_best_cut(analyzer: Analyzer) -> None:
    text = "my new card was declined at the shop, and I want to close my account now"
    [result] = analyzer.analyze([text], builtin_packs()["banking"])
    by_label = {m.label: m for m in result.touchpoints}
    assert "account_closure" in by_label, by_label
    closure = by_label["account_closure"]
    assert closure.start >= text.index("and I want") and "declined" not in closure.evidence
    others = [m for m in result.touchpoints if m.label != "account_closure" and m.end <= text.index(",") + 1]
    assert others and "close" not in others[0].evidence


def test_banking_touchpoint_and_stage(analyzer: Analyzer) -> None:
    results = analyzer.analyze(
        ["My new card has not arrived yet", "I want to close my account"], builtin_packs()["banking"]
    )
    assert results[0].touchpoints[0].label == "card_ordering_and_delivery"
    assert results[0].stage.label == "purchase"
    assert results[1].touchpoints[0].label == "account_closure"
    assert results[1].stage.label == "after_sales"


def test_nothing_fits_gives_an_empty_list(analyzer: Analyzer) -> None:
    [result] = analyzer.analyze(["zxqv blorf wibble 42"], builtin_packs()["banking"])
    assert result.touchpoints == []


def test_sentiment_and_embedding(analyzer: Analyzer) -> None:
    good, bad = analyzer.analyze(
        ["Thank you so much, the crew was wonderful!", "Worst airline ever, I am furious"],
        builtin_packs()["airline"],
    )
    assert good.sentiment.label == "positive" and good.sentiment.score > 0.5
    assert bad.sentiment.label == "negative" and bad.sentiment.score < -0.5
    assert good.embedding.shape == (analyzer.encoder.dim,)
    assert abs(float(np.linalg.norm(good.embedding)) - 1) < 1e-4


def test_personal_data_never_reaches_the_result(analyzer: Analyzer) -> None:
    [result] = analyzer.analyze(
        ["my card 4111 1111 1111 1111 was charged twice, mail a@b.com"], builtin_packs()["banking"]
    )
    assert "4111" not in result.text and "a@b.com" not in result.text
    assert result.redactions == {"card": 1, "email": 1}
