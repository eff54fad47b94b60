"""`mot train` end to end on a small labelled file: bad files are refused with the row and the
fix; each mode writes a bundle that loads, verifies and serves; finetune resumes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.bundle import BundleError, load_bundle
from models.encoder import Encoder
from models.pipeline import Analyzer
from models.redact import Redactor
from models.sentiment import SentimentHead
from tests.helpers import LABELLED_ROWS, mot, write_csv
from training.finetune import FinetuneConfig, Task, finetune
from training.labelled import LabelledDataError, fit_taxonomy, load_labelled


@pytest.mark.parametrize(
    ("rows", "options", "message"),
    [
        (LABELLED_ROWS, {"touchpoint_col": "topic"}, "no column 'topic'"),
        (
            [*LABELLED_ROWS[:3], ("  ", "delivery", "usage", "negative"), *LABELLED_ROWS[3:]],
            {"touchpoint_col": "touchpoint"},
            "row 5: 'text' is empty",
        ),
        (
            [*LABELLED_ROWS, ("Gift wrap was lovely", "gift_wrap", "usage", "positive")],
            {"touchpoint_col": "touchpoint"},
            "row 20: touchpoint 'gift_wrap' has 1 example",
        ),
        (
            [*LABELLED_ROWS[:2], ("ok", "delivery", "usage", "meh"), *LABELLED_ROWS[2:]],
            {"sentiment_col": "sentiment"},
            "row 4: sentiment 'meh'",
        ),
    ],
)
def test_bad_files_name_the_row_and_the_fix(tmp_path: Path, rows, options, message: str) -> None:
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(LabelledDataError, match=message):
        load_labelled(path, text_col="text", **options)


def test_unknown_touchpoint_needs_a_stage_or_the_taxonomy(tmp_path: Path) -> None:
    from models.taxonomy import builtin_packs

    labelled = load_labelled(
        write_csv(tmp_path / "l.csv", LABELLED_ROWS), text_col="text", touchpoint_col="touchpoint"
    )
    with pytest.raises(
        LabelledDataError, match="row 8: touchpoint 'refunds' is not in taxonomy 'ecommerce'.*--stage-col"
    ):
        fit_taxonomy(labelled, builtin_packs()["ecommerce"], "shop")
    labelled = load_labelled(
        write_csv(tmp_path / "l.csv", LABELLED_ROWS),
        text_col="text",
        touchpoint_col="touchpoint",
        stage_col="stage",
    )
    taxonomy = fit_taxonomy(labelled, builtin_packs()["ecommerce"], "shop")
    assert taxonomy is not None and {"delivery", "refunds", "login"} <= {tp.id for tp in taxonomy.touchpoints}
    assert taxonomy.touchpoint("refunds").stage == "after_sales"


def test_cli_refuses_a_bad_file_with_one_line(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bad.csv", [*LABELLED_ROWS[:1], ("", "delivery", "usage", "negative"), *LABELLED_ROWS[1:]]
    )
    done = mot("train", "--data", str(path), "--touchpoint-col", "touchpoint", "--out", str(tmp_path / "b"))
    assert done.returncode == 2
    assert "row 3: 'text' is empty: fill it in or drop the row" in done.stderr
    assert "Traceback" not in done.stderr


def train(tmp_path: Path, mode: str, *extra: str) -> Path:
    out = tmp_path / f"bundle-{mode}"
    done = mot(
        "train", "--data", str(write_csv(tmp_path / "train.csv", LABELLED_ROWS)), "--out", str(out),
        "--touchpoint-col", "touchpoint", "--stage-col", "stage", "--sentiment-col", "sentiment",
        "--mode", mode, "--valid-share", "0.2", *extra,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def test_head_mode_bundle_serves_its_taxonomy(tmp_path: Path, encoder: Encoder) -> None:
    out = train(tmp_path, "head")
    bundle = load_bundle(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["mode"] == "head" and not manifest["encoder"]["bundled"]
    assert set(manifest["files"]) == {"heads.safetensors", "taxonomy.yaml", "README.md"}
    assert bundle.heads["touchpoint"].labels == ["delivery", "login", "refunds"]
    assert bundle.heads["sentiment"].labels == ["negative", "neutral", "positive"]
    assert "## Validation" in (out / "README.md").read_text()

    analyzer = Analyzer(encoder, SentimentHead.load(), Redactor(), bundle=bundle)
    assert analyzer.model_version == bundle.version
    texts = ["my refund still has not come through", "the delivery driver lost my parcel", "I can't sign in"]
    results = analyzer.analyze(texts, bundle.taxonomy)
    assert [r.touchpoints[0].label for r in results] == ["refunds", "delivery", "login"]
    assert results[0].stage.label == "after_sales"
    assert results[1].sentiment.label == "negative"


def test_few_labels_train_with_the_taxonomy_words_and_a_fitted_temperature(tmp_path: Path) -> None:
    out = train(tmp_path, "head", "--per-label", "4", "--seed", "1")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["data"]["examples"] == 12  # 4 of each of the 3 touchpoints
    assert manifest["data"]["labels"]["touchpoint"] == {"delivery": 4, "login": 4, "refunds": 4}
    assert manifest["data"]["taxonomy_words"] == 3  # one name per touchpoint, to train on
    assert manifest["data"]["validation"] == 3  # the names are never validated on
    # a head fitted on a handful of rows is unsure: its temperature sharpens it for min_confidence
    assert manifest["metrics"]["validation"]["touchpoint"]["temperature"] < 1.0

    (tmp_path / "plain").mkdir()
    plain = json.loads(
        (train(tmp_path / "plain", "head", "--no-taxonomy-words") / "manifest.json").read_text()
    )
    assert "taxonomy_words" not in plain["data"] and plain["data"]["examples"] == len(LABELLED_ROWS)


def test_taxonomy_words_name_each_labelled_touchpoint_once() -> None:
    from models.taxonomy import Taxonomy, Touchpoint
    from training.labelled import LabelledSet, taxonomy_words

    taxonomy = Taxonomy(
        name="t",
        description="t",
        touchpoints=[
            Touchpoint(id="card_arrival", name="card_arrival", stage="usage", description="card_arrival"),
            Touchpoint(id="refunds", name="Refunds", stage="after_sales", description="Money sent back"),
            Touchpoint(id="unused", name="Unused", stage="usage", description="No row names it"),
        ],
    )
    labelled = LabelledSet(
        ["a", "b", "c"], ["card_arrival", "refunds", "refunds"], [None] * 3, [None] * 3, [2, 3, 4], "f"
    )
    words = taxonomy_words(labelled, taxonomy)
    assert words.texts == ["card arrival", "Refunds: Money sent back"]
    assert words.touchpoints == ["card_arrival", "refunds"] and words.stages == [None, None]


def test_damaged_bundle_is_refused(tmp_path: Path) -> None:
    out = train(tmp_path, "head")
    heads = out / "heads.safetensors"
    original = heads.read_bytes()
    heads.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
    with pytest.raises(BundleError, match="heads.safetensors does not match its checksum"):
        load_bundle(out)
    heads.write_bytes(original)
    load_bundle(out)
    (out / "taxonomy.yaml").unlink()
    with pytest.raises(BundleError, match="taxonomy.yaml is missing"):
        load_bundle(out)
    with pytest.raises(BundleError, match="no manifest.json"):
        load_bundle(tmp_path)


@pytest.mark.parametrize("mode", ["fewshot", "finetune"])
def test_encoder_modes_bundle_their_encoder(tmp_path: Path, mode: str) -> None:
    out = train(tmp_path, mode, "--epochs", "1", "--iterations", "2", "--batch-size", "8")
    bundle = load_bundle(out)
    assert bundle.mode == mode and bundle.encoder_path == out / "encoder"
    assert (out / "encoder" / "model.safetensors").is_file()
    assert not (out / ".run").exists()  # resume checkpoints are removed once the bundle is whole
    if mode == "finetune":
        assert all("temperature" in m for m in bundle.metrics["validation"].values())
    encoder = Encoder(bundle.encoder_path)
    assert encoder.version == bundle.encoder_version
    analyzer = Analyzer(encoder, SentimentHead.load(), None, bundle=bundle)
    result = analyzer.analyze(["my refund has not arrived"], bundle.taxonomy)[0]
    assert result.touchpoints and result.touchpoints[0].label in {"delivery", "login", "refunds"}
    with pytest.raises(ValueError, match="was trained on encoder"):
        Analyzer(Encoder(), SentimentHead.load(), None, bundle=bundle)


def test_finetune_resumes_where_it_stopped(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    from models.encoder import default_model_path

    texts = [r[0] for r in LABELLED_ROWS]
    labels = sorted({r[1] for r in LABELLED_ROWS})
    task = Task("touchpoint", labels, [labels.index(r[1]) for r in LABELLED_ROWS])
    config = FinetuneConfig(epochs=2, batch_size=6, patience=5)

    def model():
        return SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)

    class Interrupted(Exception):
        pass

    def interrupt_after_first_epoch(message: str) -> None:
        if message.startswith("epoch 1:"):
            raise Interrupted

    whole = finetune(model(), texts, [task], texts, [task], config)
    run = tmp_path / "run"
    with pytest.raises(Interrupted):
        finetune(
            model(), texts, [task], texts, [task], config, run_dir=run, progress=interrupt_after_first_epoch
        )
    assert json.loads((run / "state.json").read_text())["epoch"] == 1
    said: list[str] = []
    resumed = finetune(model(), texts, [task], texts, [task], config, run_dir=run, progress=said.append)
    assert said[0].startswith("resuming after epoch 1")
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    assert resumed.history[0] == whole.history[0]
    # an interrupted-and-resumed run ends where an unbroken one does
    assert resumed.history[1]["loss"] == pytest.approx(whole.history[1]["loss"], abs=0.05)
    np.testing.assert_allclose(resumed.heads["touchpoint"].bias, whole.heads["touchpoint"].bias, atol=0.05)


def test_calibration_sharpens_an_underconfident_head_without_changing_its_answers() -> None:
    from models.heads import LinearHead
    from training.heads import calibrate

    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"]
    weight = rng.normal(size=(3, 8)).astype(np.float32)
    points = rng.normal(size=(600, 8)).astype(np.float32)
    # Labels drawn from the softmax of the true logits: the calibrated temperature is known (1/4)
    true = LinearHead(weight * 4, np.zeros(3, dtype=np.float32), labels)
    drawn = [labels[rng.choice(3, p=p)] for p in true.probabilities(points)]
    soft = LinearHead(weight, np.zeros(3, dtype=np.float32), labels)
    sharp, temperature = calibrate(soft, points, drawn)
    assert 0.18 < temperature < 0.33
    assert (sharp.probabilities(points).argmax(1) == soft.probabilities(points).argmax(1)).all()

    def nll(head: LinearHead) -> float:
        p = head.probabilities(points)
        return float(-np.log(p[np.arange(len(drawn)), [labels.index(y) for y in drawn]]).mean())

    assert nll(sharp) < nll(soft)
