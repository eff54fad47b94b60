"""What a new user meets first on the command line: a bad file is refused in one line before any
model loads, progress moves batch by batch, `mot swap` takes a path from where the user stands,
and the auth-off warning names the address the server listens on."""

from __future__ import annotations

import csv
import logging
import os
import re
from pathlib import Path

import pytest

from service.local_server import local_server
from tests.helpers import api_client, mot, server_settings

# An encoder that cannot load: a file check that came after the model would fail on it instead.
NO_MODEL = {**os.environ, "MOT_ENCODER": str(Path("/nonexistent/encoder"))}

BAD_FILES = {
    "empty.csv": (b"", "is empty"),
    "header-only.csv": (b"text,id\n", "has a header row but no comments"),
    "latin1.csv": ("text\ncaf\u00e9 was cold\n".encode("latin-1"), "is not UTF-8 text (byte 8)"),
    "blank.jsonl": (b"\n\n", "is empty"),
}


@pytest.mark.parametrize("command", ["analyze", "mine"])
@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_one_line_before_the_model(tmp_path: Path, command: str, name: str) -> None:
    data, message = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    done = mot(command, str(path), "--out", str(tmp_path / "out.csv"), env=NO_MODEL)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {name} {message}")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_progress_moves_per_batch(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        writer.writerows([f"my card number {i} has not arrived"] for i in range(6))
    done = mot("analyze", str(source), "--out", str(tmp_path / "out.csv"), "--batch-size", "2")
    assert done.returncode == 0, done.stderr
    counts = [
        part.split("|")[-1].split("[")[0].strip()
        for part in re.split(r"[\r\n]", done.stderr)
        if "analyze:" in part
    ]
    assert {"2/6", "4/6", "6/6"} <= set(counts), counts  # the bar stood at each batch's end


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("swap") / "mot.db"
    settings = server_settings(database_url=f"sqlite:///{db}", auth=False)
    with local_server(settings) as url:
        yield url


def test_swap_resolves_a_relative_path_from_where_the_user_stands(open_server: str, tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    done = mot("swap", "no-such-bundle", "--url", open_server, cwd=tmp_path / "here")
    assert done.returncode == 1
    assert f"swapping to {tmp_path / 'here' / 'no-such-bundle'}" in done.stderr
    assert str(tmp_path / "here" / "no-such-bundle") in done.stderr.split("refused (422)")[1]


def test_the_auth_off_warning_names_the_address_listened_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = server_settings(database_url=f"sqlite:///{tmp_path / 'mot.db'}", auth=False, port=8000)
    with caplog.at_level(logging.WARNING, logger="mot"), local_server(settings) as url, api_client(url) as c:
        assert c.get("/healthz").status_code == 200
    warnings = [r.getMessage() for r in caplog.records if "AUTHENTICATION IS OFF" in r.getMessage()]
    port = url.rsplit(":", 1)[1]
    assert warnings and f"127.0.0.1:{port}" in warnings[0] and port != "8000"
