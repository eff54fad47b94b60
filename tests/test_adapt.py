"""Adaptation from unlabelled comments (models/adapt.py, `mot adapt`): a head fitted on the
zero-shot scorer's confident predictions, promoted only when it passes its checks."""

from __future__ import annotations

import csv
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from models.adapt import AdaptConfig, adapt, adapted_bundle
from models.bundle import load_bundle
from models.classify import TouchpointClassifier
from models.encoder import Encoder
from models.taxonomy import parse_taxonomy
from service.jobs.adapt import due_for_adaptation
from service.local_server import local_server
from tests.helpers import WAIT_S, api_client, comments, mot, scratch_database, server_settings, wait_for_job

SHOP = """name: shop
touchpoints:
- id: refunds
  name: Refunds
  stage: after_sales
  description: Getting money back for an order.
  examples: [I want my money back., Where is my refund?]
- id: login
  name: Login
  stage: usage
  description: Signing in to the app or the website, passwords.
  examples: [I cannot sign in., My password does not work.]
- id: delivery
  name: Delivery
  stage: usage
  description: Parcels that arrive late, at the wrong address or never.
  examples: [My parcel is late., The courier lost my package.]
"""


def texts(per_group: dict[str, int]) -> list[str]:
    return [t for group, n in per_group.items() for t in comments(group, n)]


def test_balanced_comments_promote_a_head_that_keeps_the_taxonomy(encoder: Encoder) -> None:
    classifier = TouchpointClassifier(parse_taxonomy(SHOP), encoder)
    vectors = encoder.encode(texts({"refund": 80, "login": 80, "delivery": 80})).sentences
    result = adapt(classifier, vectors)
    assert result.promoted, result.reasons
    assert result.head is not None and result.head.labels == ["refunds", "login", "delivery"]
    assert (
        result.checks["phrases_named_right"]["adapted"]
        >= result.checks["phrases_named_right"]["zero_shot_left_out"]
    )
    assert result.checks["pseudo_labels"] >= 120 and result.checks["held_out_agreement"] >= 0.8
    named = result.head.probabilities(
        encoder.encode(["my parcel went missing", "the login keeps failing"]).sentences
    )
    assert [result.head.labels[i] for i in named.argmax(axis=1)] == ["delivery", "login"]


def test_a_lopsided_stream_is_refused_with_its_reason(encoder: Encoder) -> None:
    classifier = TouchpointClassifier(parse_taxonomy(SHOP), encoder)
    vectors = encoder.encode(texts({"refund": 10, "login": 10, "delivery": 200})).sentences
    result = adapt(classifier, vectors)
    assert not result.promoted
    assert any("'delivery' takes" in reason for reason in result.reasons)
    too_few = adapt(classifier, vectors[:50], config=AdaptConfig(min_comments=200))
    assert not too_few.promoted and "at least 200" in too_few.reasons[0] and too_few.head is None


def test_an_analyst_correction_outranks_the_pseudo_label(encoder: Encoder) -> None:
    classifier = TouchpointClassifier(parse_taxonomy(SHOP), encoder)
    rows = texts({"refund": 80, "login": 80, "delivery": 80})
    odd = "the voucher code from my order"  # the taxonomy has no word for it; an analyst says refunds
    vectors = encoder.encode([*rows, *[odd] * 3]).sentences
    before = adapt(classifier, vectors)
    after = adapt(classifier, vectors, corrections={len(rows) + i: "refunds" for i in range(3)})
    assert after.checks["corrections"] == 3
    probe = encoder.encode([odd]).sentences
    assert after.head is not None and before.head is not None
    refunds = after.head.labels.index("refunds")
    assert after.head.probabilities(probe)[0, refunds] > before.head.probabilities(probe)[0, refunds]


def write(path: Path, rows: list[str]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        writer.writerows([r] for r in rows)


def test_mot_adapt_writes_a_bundle_only_when_promoted(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(SHOP)
    write(tmp_path / "good.csv", texts({"refund": 80, "login": 80, "delivery": 80}))
    done = mot(
        "adapt",
        str(tmp_path / "good.csv"),
        "--taxonomy",
        str(tmp_path / "shop.yaml"),
        "--out",
        str(tmp_path / "b"),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["promoted"] is True
    bundle = load_bundle(tmp_path / "b")
    assert bundle.mode == "adapted" and bundle.taxonomy is not None and bundle.taxonomy.name == "shop"
    assert bundle.metrics["adaptation"]["pseudo_labels"] >= 120

    write(tmp_path / "lopsided.csv", texts({"refund": 10, "login": 10, "delivery": 200}))
    refused = mot(
        "adapt",
        str(tmp_path / "lopsided.csv"),
        "--taxonomy",
        str(tmp_path / "shop.yaml"),
        "--out",
        str(tmp_path / "c"),
    )
    assert refused.returncode == 1 and "refused: 'delivery' takes" in refused.stderr
    assert not (tmp_path / "c").exists()


def test_the_adaptation_job_promotes_on_a_real_server_and_refuses_a_lopsided_stream(
    own_database_url: str, tmp_path: Path
) -> None:
    settings = server_settings(
        auth=False, database_url=own_database_url, adapt_min_comments=100, adapt_dir=tmp_path / "adapted"
    )
    with local_server(settings) as url, api_client(url) as client:
        for name in ("shop", "shop2"):
            document = SHOP.replace("name: shop", f"name: {name}")
            assert (
                client.post(
                    "/v1/taxonomies", content=document, headers={"content-type": "application/yaml"}
                ).status_code
                == 201
            )
        for name, groups in (
            ("shop", {"refund": 80, "login": 80, "delivery": 80}),
            ("shop2", {"refund": 10, "login": 10, "delivery": 200}),
        ):
            batch = [{"text": t} for t in texts(groups)]
            for begin in range(0, len(batch), 50):
                stored = client.post(
                    "/v1/comments", json={"taxonomy": name, "comments": batch[begin : begin + 50]}
                )
                assert stored.status_code == 200, stored.text
        stock = client.get("/v1/model").json()["model_version"]

        refused = wait_for_job(
            client, client.post("/v1/admin/adapt", json={"taxonomy": "shop2"}).json()["id"]
        )
        assert refused["status"] == "done" and refused["result"]["promoted"] is False
        assert any("'delivery' takes" in r for r in refused["result"]["reasons"])
        assert client.get("/v1/model").json()["model_version"] == stock

        started = client.post("/v1/admin/adapt", json={"taxonomy": "shop"})
        assert started.status_code == 202, started.text
        job = wait_for_job(client, started.json()["id"])
        assert job["status"] == "done" and job["result"]["promoted"] is True, job
        serving = client.get("/v1/model").json()["model_version"]
        assert serving.startswith("shop-adapted@") and job["result"]["model_version"] == serving
        assert Path(job["result"]["bundle"]).parent == tmp_path / "adapted"
        answer = client.post(
            "/v1/analyze", json={"taxonomy": "shop", "comments": [{"text": "my parcel never came"}]}
        )
        assert answer.json()["results"][0]["touchpoints"][0]["label"] == "delivery"
        assert client.post("/v1/admin/adapt", json={"taxonomy": "nope"}).status_code == 404


def test_a_taxonomy_is_due_for_adaptation_at_its_threshold_then_at_twice_as_many(encoder: Encoder) -> None:
    shop = parse_taxonomy(SHOP)
    other = parse_taxonomy(SHOP.replace("name: shop", "name: other"))
    both = [shop, other]
    result = adapt(
        TouchpointClassifier(shop, encoder),
        encoder.encode(texts({"refund": 80, "login": 80, "delivery": 80})).sentences,
    )
    adapted, _ = adapted_bundle(result, shop, encoder, "shop-adapted", AdaptConfig())
    assert adapted.metrics["adaptation"]["comments"] == 240

    assert due_for_adaptation(None, both, {"shop": 99, "other": 50}, {}, 100)[0] is None
    assert due_for_adaptation(None, both, {"shop": 120, "other": 300}, {}, 100)[0] is other
    # adapted at 200 comments: not again before 400, so the other one goes first
    assert due_for_adaptation(None, both, {"shop": 120, "other": 300}, {"other": 200}, 100)[0] is shop
    # the adapted head serving was fitted on 240: its taxonomy again at 480, and never another one,
    # whose head would displace it
    assert due_for_adaptation(adapted, both, {"shop": 479, "other": 5000}, {}, 100)[0] is None
    assert due_for_adaptation(adapted, both, {"shop": 480, "other": 5000}, {}, 100)[0] is shop
    taxonomy, why = due_for_adaptation(replace(adapted, mode="head"), both, {"shop": 5000}, {}, 100)
    assert taxonomy is None and "trained on labels" in why


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_server_adapts_a_taxonomy_by_itself_once_it_has_enough_comments(
    kind: str, tmp_path: Path
) -> None:
    with scratch_database(kind, tmp_path) as database_url:
        settings = server_settings(
            auth=False,
            database_url=database_url,
            adapt_min_comments=240,  # all of them: none is started on part of the stream
            adapt_check_minutes=0.01,
            adapt_dir=tmp_path / "adapted",
        )
        with local_server(settings) as url, api_client(url) as client:
            created = client.post(
                "/v1/taxonomies", content=SHOP, headers={"content-type": "application/yaml"}
            )
            assert created.status_code == 201, created.text
            batch = [{"text": t} for t in texts({"refund": 80, "login": 80, "delivery": 80})]
            for begin in range(0, len(batch), 60):
                stored = client.post(
                    "/v1/comments", json={"taxonomy": "shop", "comments": batch[begin : begin + 60]}
                )
                assert stored.status_code == 200, stored.text
            deadline = time.monotonic() + WAIT_S
            while not client.get("/v1/model").json()["model_version"].startswith("shop-adapted@"):
                assert time.monotonic() < deadline, client.get("/v1/jobs").json()
                time.sleep(0.2)
            jobs = [j for j in client.get("/v1/jobs").json() if j["kind"] == "adapt"]
            assert len(jobs) == 1 and jobs[0]["result"]["promoted"] is True, jobs
            assert jobs[0]["result"]["checks"]["comments"] == 240
