"""Hostile input, over real HTTP against the real server (authentication on, an admin key), on
SQLite and PostgreSQL, and through the `mot` command: each case gets a 4xx that says what to fix,
or is neutralised, and the valid items of a batch are kept."""

from __future__ import annotations

import csv
import io
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest

from models.bundle import Bundle, load_bundle, save_bundle
from models.heads import LinearHead
from service.local_server import local_server
from tests.helpers import api_client, mot, new_key, server_settings

MAX_BODY = 5_000_000  # room for the 1 MB strings, so that the item limits answer, not the body's


@dataclass(frozen=True)
class Hostile:
    url: str
    key: str
    bundles: Path  # MOT_BUNDLE_ROOT

    def client(self) -> httpx.Client:
        return api_client(self.url, self.key)


@pytest.fixture(scope="module")
def hostile(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    bundles = tmp_path_factory.mktemp("bundles")
    settings = server_settings(
        database_url=database_url,
        rate_limit_per_second=0,
        max_batch=20,
        max_body_bytes=MAX_BODY,
        max_taxonomy_bytes=50_000,
        bundle_root=bundles,
    )
    assert settings.auth and settings.max_metadata_depth == 16
    with local_server(settings) as url:
        yield Hostile(url, new_key(database_url, f"hostile-{uuid.uuid4().hex[:6]}", ["admin"]), bundles)


def ingest(c: httpx.Client, *items: dict) -> httpx.Response:
    return c.post("/v1/comments", json={"comments": list(items)})


def source() -> str:
    return f"hostile-{uuid.uuid4().hex[:8]}"


def test_control_characters_in_text_are_neutralised(hostile: Hostile) -> None:
    with hostile.client() as c:
        response = ingest(
            c, {"id": "1", "source": source(), "text": "The\x00 app\x07 crashed\x1b[31m \u0085again"}
        )
        assert response.status_code == 200, response.text
        item = response.json()["items"][0]
        assert item["status"] == "created"
        assert item["result"]["text"] == "The app crashed [31m again"


def test_bad_characters_in_ids_and_metadata_refuse_only_their_item(hostile: Hostile) -> None:
    src = source()
    items = [
        {"id": "ok", "source": src, "text": "Refund took three weeks"},
        {"id": "bad\x01id", "source": src, "text": "x"},
        {"id": "2", "source": "line\nbreak", "text": "x"},
        {"id": "3", "source": src, "text": "x", "customer_id": "c\x00"},
        {"id": "4", "source": src, "text": "x", "metadata": {"note": "nul \x00 here"}},
        {"id": "5", "source": src, "text": "x", "metadata": {"k\x00": 1}},
    ]
    with hostile.client() as c:
        response = ingest(c, *items)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["created"] == 1 and body["invalid"] == 5
        by_index = {i["index"]: i for i in body["items"]}
        assert by_index[0]["status"] == "created"
        assert "U+0001" in by_index[1]["message"] and "remove control characters" in by_index[1]["message"]
        assert "source" in by_index[2]["message"] and "U+000A" in by_index[2]["message"]
        assert "customer_id" in by_index[3]["message"] and "U+0000" in by_index[3]["message"]
        assert "metadata.note" in by_index[4]["message"]
        assert "a key of metadata" in by_index[5]["message"]


def test_lone_surrogates_and_invalid_utf8(hostile: Hostile) -> None:
    src = source()
    # JSON can escape a lone surrogate; Python reads it, but it is not Unicode
    raw = (
        '{"comments": [{"id": "s1", "source": "SRC", "text": "broken \\ud800 text"},'
        ' {"id": "s2\\udfff", "source": "SRC", "text": "fine"},'
        ' {"id": "s3", "source": "SRC", "text": "x", "metadata": {"a": "\\ud83d"}}]}'
    ).replace("SRC", src)
    with hostile.client() as c:
        response = c.post("/v1/comments", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert items[0]["status"] == "created" and "\ud800" not in items[0]["result"]["text"]
        assert items[1]["status"] == "invalid" and "unicode string" in items[1]["message"]  # pydantic's words
        assert items[1]["id"] == "s2?"  # echoed as valid UTF-8
        assert items[2]["status"] == "invalid" and "U+D83D" in items[2]["message"]
        analysed = c.post(
            "/v1/analyze",
            content='{"comments": [{"text": "lost \\udc00 luggage"}]}',
            headers={"content-type": "application/json"},
        )
        assert analysed.status_code == 200 and "\udc00" not in analysed.json()["results"][0]["text"]

        latin1 = '{"comments": [{"text": "caf\xe9 was cold"}]}'.encode("latin-1")
        refused = c.post("/v1/comments", content=latin1, headers={"content-type": "application/json"})
        assert refused.status_code == 400
        assert "not UTF-8" in refused.json()["detail"] and "byte" in refused.json()["detail"]


def test_megabyte_strings(hostile: Hostile) -> None:
    big = "a" * 1_000_000
    src = source()
    with hostile.client() as c:
        response = ingest(
            c,
            {"id": "fine", "source": src, "text": "My card never arrived"},
            {"id": "long", "source": src, "text": big},
            {"id": big, "source": src, "text": "x"},
            {"id": "meta", "source": src, "text": "x", "metadata": {"blob": big}},
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert [i["status"] for i in items] == ["created", "invalid", "invalid", "invalid"]
        assert "MOT_MAX_TEXT_CHARS" in items[1]["message"]
        assert "at most 200 characters" in items[2]["message"]
        assert "MOT_MAX_METADATA_BYTES" in items[3]["message"]
        analysed = c.post("/v1/analyze", json={"comments": [{"text": "ok"}, {"text": big}]})
        assert analysed.status_code == 422  # analyze answers for all or none, naming each bad item
        assert analysed.json()["detail"]["errors"][0]["index"] == 1
        query = c.get("/v1/comments", params={"q": big[:600]})
        assert query.status_code == 422 and "q" in query.json()["detail"]


def nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


def test_deeply_nested_metadata(hostile: Hostile) -> None:
    src = source()
    with hostile.client() as c:
        response = ingest(
            c,
            {"id": "16", "source": src, "text": "The app crashed", "metadata": nested(16)},
            {"id": "17", "source": src, "text": "The app crashed", "metadata": nested(17)},
            {
                "id": "lists",
                "source": src,
                "text": "x",
                "metadata": {"a": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]},
            },
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert items[0]["status"] == "created"
        assert items[1]["status"] == "invalid" and "MOT_MAX_METADATA_DEPTH" in items[1]["message"]
        assert items[2]["status"] == "invalid" and "flatten it" in items[2]["message"]
        deep = '{"comments": [{"text": "x", "metadata": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001 + "]}"
        refused = c.post("/v1/comments", content=deep, headers={"content-type": "application/json"})
        assert refused.status_code == 400 and "nested too deeply" in refused.json()["detail"]


def test_huge_batches_and_bodies(hostile: Hostile) -> None:
    with hostile.client() as c:
        batch = c.post("/v1/analyze", json={"comments": [{"text": "x"}] * 21})
        assert batch.status_code == 413 and "MOT_MAX_BATCH" in batch.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what arrives
            yield b'{"comments": [{"text": "'
            for _ in range(60):
                yield b"a" * 100_000
            yield b'"}]}'

        streamed = c.post("/v1/comments", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413 and "MOT_MAX_BODY_BYTES" in streamed.json()["detail"]
        assert c.get("/healthz").status_code == 200


def test_html_and_script_are_escaped(hostile: Hostile) -> None:
    src = source()
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)> the refund never came'
    with hostile.client() as c:
        stored = ingest(c, {"id": "xss", "source": src, "text": attack})
        assert stored.status_code == 200 and stored.headers["content-type"] == "application/json"
        signed = c.post(
            "/ui/login", data={"key": hostile.key, "next": "/ui/comments"}, follow_redirects=False
        )
        assert signed.status_code == 303
        page = c.get("/ui/comments", params={"source": src}, headers={"authorization": ""})
        assert page.status_code == 200, page.text
        assert "&lt;script&gt;alert" in page.text and "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]


def test_formulas_are_defused_in_exports(hostile: Hostile) -> None:
    src = source()
    formulas = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]
    with hostile.client() as c:
        stored = ingest(c, *({"id": str(i), "source": src, "text": t} for i, t in enumerate(formulas)))
        assert stored.json()["created"] == 4, stored.text
        export = c.get("/v1/export/comments.csv", params={"source": src})
        assert export.status_code == 200
        texts = {row["text"] for row in csv.DictReader(io.StringIO(export.text))}
        assert all(t.startswith("'") for t in texts), texts
        assert "'=HYPERLINK" in "".join(texts)


BOMB = """a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
name: bomb
touchpoints: [{id: x, name: X, stage: usage, description: boom, examples: *d}]
"""


@pytest.mark.parametrize(
    ("document", "status", "needle"),
    [
        (BOMB, 422, "anchors and aliases"),
        (
            "name: anchored\ntouchpoints:\n- &tp {id: a, name: A, stage: usage, description: d}\n",
            422,
            "anchors",
        ),
        ("[" * 5000 + "]" * 5000, 422, "not valid YAML"),
        ("name: wrong\ntouchpoints: 5\n", 422, "touchpoints: Input should be a valid list"),
        ("name: 7\ntouchpoints: [{id: a, name: A, stage: usage, description: [d]}]\n", 422, "description"),
        ("!!python/object/apply:os.system ['echo owned']\n", 422, "could not determine a constructor"),
        ("name: big\ndescription: " + "x" * 60_000 + "\n", 413, "MOT_MAX_TAXONOMY_BYTES"),
    ],
    ids=["billion-laughs", "anchor", "deep", "wrong-type", "wrong-type-nested", "python-tag", "huge"],
)
def test_malformed_taxonomies(hostile: Hostile, document: str, status: int, needle: str) -> None:
    with hostile.client() as c:
        response = c.post("/v1/taxonomies", content=document, headers={"content-type": "application/yaml"})
        assert response.status_code == status, response.text
        assert needle in response.json()["detail"]


def make_bundle(folder: Path) -> Path:
    """A real bundle: a sentiment head on the stock encoder's 384 dimensions."""
    rng = np.random.default_rng(0)
    head = LinearHead(
        rng.normal(size=(3, 384)).astype(np.float32),
        np.zeros(3, np.float32),
        ["negative", "neutral", "positive"],
    )
    bundle = Bundle(
        name=folder.name, mode="head", encoder_version="all-MiniLM-L6-v2", heads={"sentiment": head}
    )
    save_bundle(bundle, folder, "# hostile test bundle\n")
    load_bundle(folder)  # the untampered bundle loads
    return folder


def tamper(folder: Path, how: str) -> None:
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if how == "pickle":
        (folder / "encoder").mkdir()
        (folder / "encoder" / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    elif how == "symlink":
        (folder / "README.md").unlink()
        (folder / "README.md").symlink_to("/etc/hostname")
    elif how == "traversal":
        manifest["files"]["../../../etc/hostname"] = "0" * 64
    elif how == "checksum":
        (folder / "README.md").write_text("# changed\n")
    elif how == "wrong-types":
        manifest["files"] = ["heads.safetensors"]
    elif how == "unlisted":
        (folder / "extra.safetensors").write_bytes(b"{}")
    manifest_path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("how", "needle"),
    [
        ("pickle", "pickle format"),
        ("symlink", "symbolic link"),
        ("traversal", "files"),
        ("checksum", "does not match its checksum"),
        ("wrong-types", "files: Input should be"),
        ("unlisted", "is not in the manifest"),
    ],
)
def test_tampered_bundles_are_refused(hostile: Hostile, how: str, needle: str) -> None:
    folder = make_bundle(hostile.bundles / f"{how}-{uuid.uuid4().hex[:6]}")
    tamper(folder, how)
    with hostile.client() as c:
        before = c.get("/v1/model").json()["model_version"]
        response = c.post("/v1/admin/model", json={"bundle": str(folder)})
        assert response.status_code == 422, response.text
        assert (
            needle in response.json()["detail"] and "the old model keeps serving" in response.json()["detail"]
        )
        assert c.get("/v1/model").json()["model_version"] == before


def test_path_traversal_in_api_file_arguments(hostile: Hostile, tmp_path: Path) -> None:
    outside = make_bundle(tmp_path / "outside")  # a valid bundle, but not under MOT_BUNDLE_ROOT
    with hostile.client() as c:
        for path in (str(outside), f"../{outside.parent.name}/outside", "../../../../etc"):
            response = c.post("/v1/admin/model", json={"bundle": path})
            assert response.status_code == 422, response.text
            assert "outside MOT_BUNDLE_ROOT" in response.json()["detail"]
        assert c.get("/v1/taxonomies/..%2F..%2Fetc%2Fpasswd").status_code == 404
        assert c.delete("/v1/customers/..%2F..%2Fetc%2Fpasswd").json() == {
            "customer": "../../etc/passwd",
            "deleted": 0,
        }
        upload = c.post(
            "/v1/uploads",
            files={"file": ("../../../tmp/owned.csv", b"text\nthe app crashed\n", "text/csv")},
            data={"text_col": "text", "source": source()},
        )
        assert upload.status_code == 202, upload.text  # the name is only a label: nothing is written
        assert not Path("/tmp/owned.csv").exists()
        nul = c.get("/v1/comments", params={"source": "a\x00b"})
        assert nul.status_code == 400 and "NUL" in nul.json()["detail"]
        assert c.post("/ui/login", data={"key": hostile.key}, follow_redirects=False).status_code == 303
        huge = c.get("/v1/clusters/99999999999999999999999")
        assert huge.status_code == 422 and "less than or equal to 2147483647" in huge.text
        page = c.get("/ui/clusters/99999999999999999999999")
        assert page.status_code == 422
        odd = c.get(
            "/ui/comments", params={"cluster": "99999999999999999999", "like": "²", "end": "9999-12-31"}
        )
        assert odd.status_code == 200


def test_cli_path_traversal_and_bad_files(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("text\nthe app crashed\n")
    (tmp_path / "bomb.yaml").write_text(BOMB)
    not_csv = mot("analyze", "../../../../etc/hostname", "--out", "out.csv", cwd=tmp_path)
    assert not_csv.returncode == 2 and "use a .csv or .jsonl file" in not_csv.stderr
    pack = mot("analyze", "in.csv", "--out", "out.csv", "--taxonomy", "../../../etc/passwd", cwd=tmp_path)
    assert pack.returncode == 2 and "unknown taxonomy '../../../etc/passwd'" in pack.stderr
    bomb = mot("analyze", "in.csv", "--out", "out.csv", "--taxonomy", "bomb.yaml", cwd=tmp_path)
    assert bomb.returncode == 2 and "anchors and aliases" in bomb.stderr
    assert not (tmp_path / "out.csv").exists()

    bundle = make_bundle(tmp_path / "bundles" / "evil")
    tamper(bundle, "traversal")
    refused = mot("evaluate", "bundles/evil", "banking77", cwd=tmp_path)
    assert refused.returncode == 2 and "files" in refused.stderr and "../../../etc/hostname" in refused.stderr

    root = tmp_path / "approved"
    root.mkdir()
    shutil.copytree(make_bundle(tmp_path / "fine"), tmp_path / "elsewhere")
    serve = mot(
        "serve",
        "--bundle",
        "../elsewhere",
        "--port",
        "1",
        cwd=tmp_path,
        env={"MOT_BUNDLE_ROOT": str(root), "MOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"},
    )
    assert serve.returncode != 0 and "outside MOT_BUNDLE_ROOT" in serve.stderr
