"""Sentence embeddings kept on disk, keyed by (encoder, prompt, dtype) and the text's hash.

A taxonomy's prototypes, a training set or an evaluation set is embedded once per encoder: a
restart, a second taxonomy with the same phrases, or a second `mot train` on the same file reads
the vectors back instead of running the encoder. SQLite (the standard library's) holds them: one
file, safe for several processes, nothing to install.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import numpy as np


class EmbeddingCache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "embeddings.sqlite"

    def _connect(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=60)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
        return connection

    @staticmethod
    def _keys(namespace: str, texts: Sequence[str]) -> list[bytes]:
        prefix = namespace.encode("utf-8") + b"\0"
        return [hashlib.sha256(prefix + t.encode("utf-8", "surrogatepass")).digest() for t in texts]

    def get(self, namespace: str, texts: Sequence[str], dim: int) -> dict[int, np.ndarray]:
        """The vectors known for texts, by position; a vector of another size counts as missing."""
        keys = self._keys(namespace, texts)
        position: dict[bytes, list[int]] = {}
        for i, key in enumerate(keys):
            position.setdefault(key, []).append(i)
        found: dict[int, np.ndarray] = {}
        unique = list(position)
        with closing(self._connect()) as connection:
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk)
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape[0] == dim:
                        for i in position[key]:
                            found[i] = vector
        return found

    def put(self, namespace: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        keys = self._keys(namespace, texts)
        rows = [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors)]
        with closing(self._connect()) as connection, connection:
            connection.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)

    def count(self) -> int:
        if not self.path.is_file():
            return 0
        with closing(self._connect()) as connection:
            return int(connection.execute("SELECT count(*) FROM vectors").fetchone()[0])
