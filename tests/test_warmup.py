"""Taxonomy prototypes are embedded ahead of requests: a request for a taxonomy still warming is
answered 503 with Retry-After at once, and the vectors are cached on disk for the next start."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.embedding_cache import EmbeddingCache
from models.encoder import Encoder
from models.pipeline import Analyzer
from models.sentiment import SentimentHead
from models.taxonomy import builtin_packs, parse_taxonomy
from service.domain.inference import Busy, InferenceQueue
from service.domain.warmup import Warmup
from service.local_server import local_server
from service.telemetry.metrics import Metrics
from tests.helpers import REQUEST_TIMEOUT_S, api_client, server_settings


def big_taxonomy(name: str, touchpoints: int = 20, examples: int = 100) -> str:
    lines = [f"name: {name}", "touchpoints:"]
    for t in range(touchpoints):
        lines += [
            f"  - id: t{t}",
            f"    name: Topic {t}",
            "    stage: usage",
            f"    description: things customers say about topic number {t}",
            "    examples:",
        ]
        lines += [
            f"      - 'topic {t} remark {e}: the service was {e % 7} out of ten'" for e in range(examples)
        ]
    return "\n".join(lines) + "\n"


def test_the_queue_refuses_a_cold_taxonomy_at_once_and_serves_it_once_warm(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    analyzer = Analyzer(Encoder(cache=cache), SentimentHead.load(), None)
    warmup = Warmup()
    queue = InferenceQueue(100, 32, REQUEST_TIMEOUT_S, Metrics.create(), warmup)
    taxonomy = builtin_packs()["hotel"]
    phrases = analyzer.phrase_count(taxonomy)
    with pytest.raises(Busy) as refused:  # nothing asked for it before: cold, whatever the machine
        queue.analyze(analyzer, ["the room was dirty"], taxonomy)
    assert refused.value.status_code == 503 and refused.value.retry_after >= 1
    assert "'hotel' is still being prepared" in str(refused.value) and f"of {phrases} phrases" in str(
        refused.value
    )
    for _ in range(6000):  # bounded: until the background thread has embedded it
        if analyzer.is_ready(taxonomy):
            break
        time.sleep(0.05)
    assert analyzer.is_ready(taxonomy) and warmup.pending() == []
    result = queue.analyze(analyzer, ["the room was dirty"], taxonomy)
    assert result[0].touchpoints
    # the prototypes are on disk now: another analyzer (a restart) reads them back
    assert cache.count() >= phrases
    queue.close()
    warmup.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("warm")
    settings = server_settings(
        auth=False,
        database_url=f"sqlite:///{folder / 'mot.db'}",
        embedding_cache_dir=folder / "cache",
        taxonomy_sync_phrases=100,
    )
    with local_server(settings) as url:
        yield url


def test_a_large_posted_taxonomy_warms_in_the_background(server: str) -> None:
    with api_client(server) as client:
        created = client.post(
            "/v1/taxonomies", content=big_taxonomy("big"), headers={"content-type": "application/yaml"}
        )
        assert created.status_code == 201, created.text  # answered before its 2,020 phrases are embedded
        body = {"taxonomy": "big", "comments": [{"text": "topic 3 was bad"}]}
        first = client.post("/v1/analyze", json=body)
        assert first.status_code == 503, first.text
        assert int(first.headers["retry-after"]) >= 1
        assert "still being prepared" in first.json()["detail"]
        assert isinstance(client.get("/readyz").json()["warming"], list)
        for _ in range(600):  # bounded: retry as Retry-After says, until it is served
            answer = client.post("/v1/analyze", json=body)
            if answer.status_code == 200:
                break
            time.sleep(min(int(answer.headers.get("retry-after", "1")), 2))
        assert answer.status_code == 200, answer.text
        assert answer.json()["taxonomy"] == "big" and len(answer.json()["results"]) == 1
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["warming"] == []


def test_a_small_posted_taxonomy_is_usable_when_the_post_answers(server: str) -> None:
    small = parse_taxonomy(big_taxonomy("small", touchpoints=3, examples=5)).to_yaml()
    with api_client(server) as client:
        assert (
            client.post(
                "/v1/taxonomies", content=small, headers={"content-type": "application/yaml"}
            ).status_code
            == 201
        )
        body = {"taxonomy": "small", "comments": [{"text": "topic 1 remark"}]}
        assert client.post("/v1/analyze", json=body).status_code == 200
