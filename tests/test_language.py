"""Language per comment: detected, returned, stored, filtered, and warned about when the
encoder serving does not read it."""

from __future__ import annotations

import uuid

import httpx
import pytest

from models.language import LanguageDetector, check_languages
from models.pipeline import Analyzer
from models.taxonomy import builtin_packs
from tests.helpers import samples, value


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def test_each_comment_gets_its_language_or_none_when_too_short(detector: LanguageDetector) -> None:
    texts = [
        "my card was declined at the shop",
        "送餐太慢了，等了一个多小时",
        "El vuelo llegó tarde y perdieron mi maleta",
        "Der Flug war verspätet und das Gepäck kam nicht an",
        "ok",
        "[EMAIL] 123",
        "@user thanks for nothing, lost my bag again",
    ]
    assert detector.detect(texts) == ["en", "zh", "es", "de", None, None, "en"]


def test_unknown_codes_are_refused_by_name() -> None:
    assert check_languages(["EN", "zh", "en"]) == ["en", "zh"]
    with pytest.raises(ValueError, match=r"\['xx', 'english'\]"):
        check_languages(["en", "xx", "english"])


def test_an_english_encoder_warns_about_a_chinese_comment(
    analyzer: Analyzer, detector: LanguageDetector
) -> None:
    assert analyzer.encoder.languages == ("en",)
    zh_aware = Analyzer(analyzer.encoder, analyzer.sentiment, analyzer.redactor, language_detector=detector)
    english, chinese = zh_aware.analyze(
        ["The flight was delayed by three hours", "航班延误了三个小时，行李也丢了"],
        builtin_packs()["airline"],
    )
    assert (english.language, english.warnings) == ("en", [])
    assert chinese.language == "zh"
    [warning] = chinese.warnings
    assert warning.startswith("unsupported_language") and "embeddinggemma-300m" in warning
    # without a detector nothing is claimed either way
    [plain] = analyzer.analyze(["航班延误了三个小时"], builtin_packs()["airline"])
    assert (plain.language, plain.warnings) == (None, [])


def test_language_is_returned_stored_filtered_and_counted(client: httpx.Client) -> None:
    source = f"lang-{uuid.uuid4().hex}"
    before = samples(client)
    comments = [
        {"id": "1", "text": "The flight was delayed by three hours", "source": source},
        {"id": "2", "text": "航班延误了三个小时，行李也丢了", "source": source},
        {"id": "3", "text": "ok", "source": source},
    ]
    response = client.post("/v1/comments", json={"taxonomy": "airline", "comments": comments})
    assert response.status_code == 200, response.text
    results = [item["result"] for item in response.json()["items"]]
    assert [r["language"] for r in results] == ["en", "zh", None]
    assert results[0]["warnings"] == [] and results[1]["warnings"][0].startswith("unsupported_language")

    chinese = client.get("/v1/comments", params={"source": source, "language": "zh"}).json()["comments"]
    assert [(c["id"], c["language"]) for c in chinese] == [("2", "zh")]
    english = client.get("/v1/comments", params={"source": source, "language": "en"}).json()["comments"]
    assert [c["id"] for c in english] == ["1"]
    refused = client.get("/v1/comments", params={"language": "Chinese"})
    assert refused.status_code == 422 and "language" in refused.text

    after = samples(client)
    name = "mot_comments_analyzed_by_language_total"
    assert (
        value(after, name, language="zh", supported="no") - value(before, name, language="zh", supported="no")
        == 1
    )
    assert (
        value(after, name, language="en", supported="yes")
        - value(before, name, language="en", supported="yes")
        >= 1
    )
    assert (
        value(after, name, language="und", supported="yes")
        - value(before, name, language="und", supported="yes")
        >= 1
    )

    page = client.get("/ui/comments", params={"source": source, "language": "zh"})
    assert page.status_code == 200
    assert '<option value="zh" selected>zh</option>' in page.text
    assert "航班延误" in page.text and "three hours" not in page.text
    assert "not read by this encoder" in page.text


def test_the_journey_names_touchpoints_in_the_readers_language(client: httpx.Client) -> None:
    name = f"wm{uuid.uuid4().hex[:8]}"
    taxonomy = {
        "name": name,
        "language": "zh",
        "stages": [{"id": "usage", "name": "使用", "names": {"en": "Usage"}}],
        "touchpoints": [
            {"id": "delivery_speed", "name": "配送速度", "names": {"en": "Delivery speed"}, "stage": "usage",
             "description": "送餐快慢、超时、等了很久", "examples": ["送餐太慢了", "等了一个多小时"]},
            {"id": "taste", "name": "口味", "stage": "usage", "description": "饭菜好不好吃、咸淡"},
        ],
    }  # fmt: skip
    assert client.post("/v1/taxonomies", json=taxonomy).status_code == 201

    def names(**kwargs: object) -> dict[str, str]:
        journey = client.get(
            "/v1/journey",
            params={"taxonomy": name, **kwargs.get("params", {})},
            headers=kwargs.get("headers", {}),
        )  # type: ignore[arg-type]
        assert journey.status_code == 200, journey.text
        [stage] = journey.json()["stages"]
        return {stage["stage"]: stage["name"], **{t["touchpoint"]: t["name"] for t in stage["touchpoints"]}}

    assert names() == {"usage": "使用", "delivery_speed": "配送速度", "taste": "口味"}
    english = {
        "usage": "Usage",
        "delivery_speed": "Delivery speed",
        "taste": "口味",
    }  # no English name: its own
    assert names(params={"lang": "en"}) == english
    assert names(headers={"accept-language": "en-US,en;q=0.9,zh;q=0.5"}) == english
    assert names(params={"lang": "zh"}, headers={"accept-language": "en"})["usage"] == "使用"
    assert client.get("/v1/journey", params={"taxonomy": name, "lang": "english"}).status_code == 422
