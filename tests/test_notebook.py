"""The training notebook runs top to bottom on a small sample of the shipped data."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.helpers import DATA_DIR

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "train_evaluate_compare.ipynb"


@pytest.mark.skipif(not (DATA_DIR / "banking77").is_dir(), reason="needs ../shared/data")
def test_notebook_runs_on_a_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOT_NOTEBOOK_SAMPLE", "300")
    monkeypatch.setenv("MOT_DATA_DIR", str(DATA_DIR))
    monkeypatch.setenv("PYTHONPATH", str(NOTEBOOK.parents[1]) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells for o in cell.get("outputs", []))
    assert "promote:" in outputs
