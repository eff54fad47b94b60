"""Swapping the model of a running server: no request dropped, a broken bundle refused while
the old model keeps serving, every response naming the model that made it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.bundle import load_bundle
from service.local_server import local_server
from tests.helpers import LABELLED_ROWS, WAIT_S, api_client, server_settings, write_csv
from training.labelled import fit_taxonomy, load_labelled
from training.train import TrainOptions, train_bundle


def make_bundle(folder: Path, name: str, rows: list[tuple[str, ...]]) -> Path:
    labelled = load_labelled(
        write_csv(folder / f"{name}.csv", rows),
        text_col="text",
        touchpoint_col="touchpoint",
        stage_col="stage",
        sentiment_col="sentiment",
    )
    taxonomy = fit_taxonomy(labelled, None, "support")
    train_bundle(labelled, taxonomy, TrainOptions(name=name), folder / name, say=lambda _: None)
    return folder / name


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bundles")
    return {
        "a": make_bundle(folder, "model_a", LABELLED_ROWS),
        "b": make_bundle(folder, "model_b", LABELLED_ROWS[1:]),
    }


@pytest.fixture
def url(bundles: dict[str, Path], tmp_path: Path) -> Iterator[str]:
    settings = server_settings(
        auth=False, database_url=f"sqlite:///{tmp_path / 'mot.db'}", model_bundle=bundles["a"]
    )
    with local_server(settings) as base:
        yield base


def test_swap_under_load_drops_nothing(url: str, bundles: dict[str, Path], tmp_path: Path) -> None:
    version_a = load_bundle(bundles["a"]).version
    version_b = load_bundle(bundles["b"]).version
    assert version_a != version_b
    statuses: list[int] = []
    versions: list[str] = []
    per_client: list[list[str]] = []
    stop = threading.Event()
    swapped = threading.Event()

    def client() -> None:
        mine: list[str] = []
        per_client.append(mine)
        with api_client(url) as http:
            while not stop.is_set():
                body = {"taxonomy": "support", "comments": [{"text": t} for t, *_ in LABELLED_ROWS[:8]]}
                response = http.post("/v1/analyze", json=body)
                statuses.append(response.status_code)
                if response.status_code == 200:
                    versions.append(response.json()["model_version"])
                    mine.append(versions[-1])
                    top = response.json()["results"][6]["touchpoints"]
                    assert top and top[0]["label"] == "refunds"
                if swapped.is_set() and versions.count(version_b) >= 5:
                    stop.set()

    with api_client(url) as http:
        assert http.get("/v1/model").json()["model_version"] == version_a
        assert http.get("/v1/taxonomies").json()[-1]["origin"] == "bundle"
        threads = [threading.Thread(target=client) for _ in range(3)]
        for thread in threads:
            thread.start()
        while len(statuses) < 5:
            stop.wait(0.05)
        response = http.post("/v1/admin/model", json={"bundle": str(bundles["b"])})
        assert response.status_code == 200, response.text
        assert response.json()["model_version"] == version_b
        assert "## Validation" in response.json()["card"]
        page = http.get("/ui/model").text  # the web UI's model page: the card rendered, its metrics
        assert version_b in page and "<h2>Validation</h2>" in page and "Validation metrics" in page
        swapped.set()
        for thread in threads:
            thread.join(timeout=120)
        assert stop.is_set()

        assert set(statuses) == {200}, statuses  # not one request failed during the swap
        assert versions[0] == version_a and versions[-1] == version_b
        for seen in per_client:  # each client sees the old model, then only the new one
            assert seen == sorted(seen, key=[version_a, version_b].index)

        broken = tmp_path / "broken"
        broken.mkdir()
        (broken / "manifest.json").write_text("{not json")
        response = http.post("/v1/admin/model", json={"bundle": str(broken)})
        assert response.status_code == 422
        assert "old model keeps serving" in response.json()["detail"]
        response = http.post("/v1/admin/model", json={"bundle": str(tmp_path / "nowhere")})
        assert response.status_code == 422 and "no manifest.json" in response.json()["detail"]
        assert http.get("/v1/model").json()["model_version"] == version_b
        assert (
            http.post("/v1/analyze", json={"taxonomy": "support", "comments": [{"text": "hi"}]}).status_code
            == 200
        )


def test_bundle_root_confines_swaps(bundles: dict[str, Path], tmp_path: Path) -> None:
    settings = server_settings(
        auth=False, database_url=f"sqlite:///{tmp_path / 'mot.db'}", bundle_root=bundles["a"].parent
    )
    with local_server(settings) as base, api_client(base) as http:
        response = http.post("/v1/admin/model", json={"bundle": "model_b"})  # relative to the root
        assert response.status_code == 200, response.text
        response = http.post("/v1/admin/model", json={"bundle": "../../etc"})
        assert response.status_code == 422 and "outside MOT_BUNDLE_ROOT" in response.json()["detail"]


def test_promoting_a_new_encoder_reembeds_stored_comments(tmp_path: Path) -> None:
    labelled = load_labelled(
        write_csv(tmp_path / "rows.csv", LABELLED_ROWS),
        text_col="text",
        touchpoint_col="touchpoint",
        stage_col="stage",
    )
    options = TrainOptions(name="tuned", mode="finetune")
    options.finetune.epochs, options.finetune.batch_size = 1, 8
    tuned = train_bundle(
        labelled, fit_taxonomy(labelled, None, "support"), options, tmp_path / "tuned", say=print
    )
    assert tuned.encoder_path is not None

    settings = server_settings(auth=False, database_url=f"sqlite:///{tmp_path / 'mot.db'}", reembed_batch=5)
    with local_server(settings) as base, api_client(base) as http:
        comments = [{"id": str(i), "source": "s", "text": text} for i, (text, *_) in enumerate(LABELLED_ROWS)]
        assert http.post("/v1/comments", json={"comments": comments}).status_code == 200
        stock = http.get("/v1/model").json()
        assert stock["stale_embeddings"] == 0

        assert http.post("/v1/admin/model", json={"bundle": str(tmp_path / "tuned")}).status_code == 200
        deadline = time.monotonic() + WAIT_S
        while True:
            jobs = http.get("/v1/jobs").json()
            if jobs and jobs[0]["status"] != "running" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        job = http.get(f"/v1/jobs/{jobs[0]['id']}").json()
        assert job["kind"] == "reembed" and job["status"] == "done", job
        assert job["done"] == job["total"] == len(LABELLED_ROWS) and job["progress"] == 1.0
        stored = http.get("/v1/comments", params={"source": "s"}).json()["comments"]
        assert {c["embedding_model"] for c in stored} == {tuned.encoder_version}
        assert http.get("/v1/model").json()["stale_embeddings"] == 0
        assert http.get("/v1/jobs/999").status_code == 404
