"""Model bundles: everything a trained model needs, in one folder the service can load.

    manifest.json        name, version, mode, encoder, heads and their labels, checksums, metrics
    heads.safetensors    `touchpoint.weight/bias`, `stage.weight/bias`, `sentiment.weight/bias`
    taxonomy.yaml        the taxonomy the touchpoint and stage heads were trained for
    encoder/             a fine-tuned sentence-transformers folder (fewshot and finetune modes);
                         absent when the heads sit on the stock encoder, named in the manifest
    README.md            the model card: data, settings, metrics

Weights are safetensors and everything else JSON or YAML: nothing is unpickled. Loading checks
every checksum in the manifest, so a truncated or altered bundle is refused with the file named.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, ValidationError
from safetensors.numpy import load_file, save_file

from models.heads import LinearHead
from models.taxonomy import Taxonomy, TaxonomyError, describe_errors, load_taxonomy

FORMAT = 1
MANIFEST = "manifest.json"
HEADS = "heads.safetensors"
TAXONOMY = "taxonomy.yaml"
ENCODER_DIR = "encoder"
CARD = "README.md"
HEAD_NAMES = ("touchpoint", "stage", "sentiment")


class BundleError(ValueError):
    """A bundle that cannot be used; the message says which file and what to do."""


MAX_MANIFEST_BYTES = 10_000_000
PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib"}


def _inside(name: str) -> str:
    """A file name in the manifest: a relative path inside the bundle (no "..", not absolute)."""
    parts = name.replace("\\", "/").split("/")
    if not name or name.startswith("/") or ".." in parts or "\x00" in name:
        raise ValueError(f"{name!r} is not a path inside the bundle")
    return name


FileName = Annotated[str, AfterValidator(_inside)]


class EncoderEntry(BaseModel):
    version: str
    bundled: bool = False
    # how to run it: the preset it came from (a stock encoder is opened by that name), the prompt
    # put before every text, the Matryoshka dimensions kept
    preset: str | None = Field(None, max_length=100)
    prompt: str | None = Field(None, max_length=500)
    dim: int | None = Field(None, ge=1)
    dtype: Literal["auto", "float32", "bfloat16"] | None = None  # unset: float32


class Manifest(BaseModel):
    """manifest.json, checked field by field before any of it is used."""

    format: Literal[1]
    name: str = Field(max_length=200)
    version: str = Field(max_length=300)
    mode: str = Field(max_length=32)
    encoder: EncoderEntry
    heads: dict[Literal["touchpoint", "stage", "sentiment"], list[str]]
    taxonomy: str | None = None
    files: dict[FileName, Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]]
    metrics: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)


@dataclass
class Bundle:
    name: str
    mode: str  # head | fewshot | finetune
    encoder_version: str  # the encoder the heads were trained on
    heads: dict[str, LinearHead]
    taxonomy: Taxonomy | None = None
    encoder_path: Path | None = None  # set when the bundle carries its own encoder
    encoder_run: dict[str, Any] = field(default_factory=dict)  # preset, prompt, dim (EncoderEntry)
    metrics: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # name@digest of the weights, set on save and load
    path: Path | None = None

    @property
    def model_version(self) -> str:
        return self.version

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "version": self.version,
            "mode": self.mode,
            "encoder": {
                "version": self.encoder_version,
                "bundled": self.encoder_path is not None,
                **self.encoder_run,
            },
            "heads": {name: head.labels for name, head in self.heads.items()},
            "taxonomy": self.taxonomy.name if self.taxonomy else None,
            "metrics": self.metrics,
            "settings": self.settings,
            "data": self.data,
        }


def save_bundle(bundle: Bundle, folder: Path, card: str) -> Bundle:
    """Write the bundle; an encoder, if any, must already be saved in `folder/encoder`."""
    folder.mkdir(parents=True, exist_ok=True)
    unknown = set(bundle.heads) - set(HEAD_NAMES)
    if unknown:
        raise BundleError(f"unknown heads {sorted(unknown)}: a bundle holds {HEAD_NAMES}")
    tensors: dict = {}
    for name, head in bundle.heads.items():
        tensors.update(head.tensors(name))
    save_file(tensors, str(folder / HEADS))
    if bundle.taxonomy is not None:
        (folder / TAXONOMY).write_text(bundle.taxonomy.to_yaml(), encoding="utf-8")
    (folder / CARD).write_text(card, encoding="utf-8")
    files = _checksums(folder)
    bundle.version = f"{bundle.name}@{_digest_of(files)}"
    bundle.path = folder
    manifest = {**bundle.manifest(), "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return bundle


def load_bundle(folder: str | Path) -> Bundle:
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if folder.is_symlink() or manifest_path.is_symlink() or not manifest_path.is_file():
        raise BundleError(f"{folder} is not a model bundle: it has no {MANIFEST} (make one with `mot train`)")
    if manifest_path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BundleError(
            f"{manifest_path} is larger than {MAX_MANIFEST_BYTES} bytes: not one `mot train` wrote"
        )
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_bytes())
    except ValidationError as exc:
        raise BundleError(f"{manifest_path}: {describe_errors(exc)}") from exc
    return _from_manifest(folder, manifest.model_dump())


def _from_manifest(folder: Path, manifest: dict[str, Any]) -> Bundle:
    expected: dict[str, str] = manifest["files"]
    actual = _checksums(folder)
    for name, digest in expected.items():
        if name not in actual:
            raise BundleError(f"{folder}: file {name} is missing; copy the whole bundle folder")
        if actual[name] != digest:
            raise BundleError(
                f"{folder}: {name} does not match its checksum: the bundle is damaged or altered"
            )
    unlisted = sorted(set(actual) - set(expected))
    if unlisted:
        raise BundleError(
            f"{folder}: {unlisted[0]} is not in the manifest: remove what was added, or train the bundle again"
        )
    try:
        tensors = load_file(str(folder / HEADS))
        heads = {
            name: LinearHead.from_tensors(tensors, name, labels) for name, labels in manifest["heads"].items()
        }
    except Exception as exc:  # safetensors raises several types; all mean the same to a user
        raise BundleError(f"{folder / HEADS}: {exc}") from exc
    taxonomy = None
    if manifest.get("taxonomy"):
        try:
            taxonomy = load_taxonomy(folder / TAXONOMY)
        except TaxonomyError as exc:
            raise BundleError(str(exc)) from exc
    encoder = manifest["encoder"]
    encoder_path = folder / ENCODER_DIR if encoder.get("bundled") else None
    if encoder_path is not None and not (encoder_path / "modules.json").is_file():
        raise BundleError(f"{folder}: the manifest says the encoder is bundled but {ENCODER_DIR}/ is missing")
    if encoder_path is not None and not (encoder_path / "model.safetensors").is_file():
        raise BundleError(
            f"{folder}: {ENCODER_DIR}/ has no model.safetensors: save the encoder with safetensors"
        )
    bundle = Bundle(
        name=manifest["name"],
        mode=manifest["mode"],
        encoder_version=encoder["version"],
        heads=heads,
        taxonomy=taxonomy,
        encoder_path=encoder_path,
        encoder_run={
            k: encoder[k]
            for k in ("preset", "prompt", "dim", "dtype", "languages")
            if encoder.get(k) is not None
        },
        metrics=manifest.get("metrics", {}),
        settings=manifest.get("settings", {}),
        data=manifest.get("data", {}),
        version=manifest["version"],
        path=folder,
    )
    _check_consistent(bundle)
    return bundle


def _check_consistent(bundle: Bundle) -> None:
    if not bundle.heads:
        raise BundleError(f"{bundle.path}: the bundle has no heads")
    dims = {head.dim for head in bundle.heads.values()}
    if len(dims) != 1:
        raise BundleError(f"{bundle.path}: heads disagree on the embedding size {sorted(dims)}")
    if "touchpoint" in bundle.heads:
        if bundle.taxonomy is None:
            raise BundleError(f"{bundle.path}: a touchpoint head needs {TAXONOMY}")
        known = {tp.id for tp in bundle.taxonomy.touchpoints}
        missing = set(bundle.heads["touchpoint"].labels) - known
        if missing:
            raise BundleError(f"{bundle.path}: touchpoints {sorted(missing)} are not in {TAXONOMY}")
    if "stage" in bundle.heads and bundle.taxonomy is not None:
        missing = set(bundle.heads["stage"].labels) - set(bundle.taxonomy.stage_ids)
        if missing:
            raise BundleError(f"{bundle.path}: stages {sorted(missing)} are not in {TAXONOMY}")


def _checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` but the manifest. A bundle holds regular files only:
    a link could make it read (and serve) a file from anywhere on the disk, and weights in a
    pickle format (torch .bin/.pt, joblib) run code when loaded, so both are refused."""
    files = {}
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in sorted(dirs + names):
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                raise BundleError(
                    f"{folder}: {relative} is a symbolic link: copy the file itself into the bundle"
                )
            if path.suffix.lower() in PICKLE_SUFFIXES:
                raise BundleError(
                    f"{folder}: {relative} is in a pickle format, which is never loaded: save weights as safetensors"
                )
            if path.is_file() and relative != MANIFEST:
                files[relative] = _sha256(path)
    return dict(sorted(files.items()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest_of(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:12]
