"""models/records.py: the one reader of comment files, for the CLI, training and uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.records import RecordsError, parse_records, read_records


def test_csv_keeps_doubled_quotes_and_numbers_rows_as_a_spreadsheet() -> None:
    data = b'id,text\n1,"she said ""no"" twice, then left"\n2,plain\n'
    records = parse_records(data, "x.csv")
    assert records.rows == [
        {"id": "1", "text": 'she said "no" twice, then left'},
        {"id": "2", "text": "plain"},
    ]
    assert records.first_row == 2 and records.header == ["id", "text"]


def test_csv_with_semicolons_and_a_bom() -> None:
    records = parse_records("\ufeffid;text\n7;caf\u00e9, cold\n".encode(), "x.csv")
    assert records.rows == [{"id": "7", "text": "caf\u00e9, cold"}]


def test_jsonl_rows_and_the_keys_seen(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('\n{"text": "a"}\n{"text": "b", "id": 2}\n', encoding="utf-8")
    records = read_records(path)
    assert records.rows == [{"text": "a"}, {"text": "b", "id": 2}]
    assert records.first_row == 2 and records.header == ["text", "id"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "x.csv", "x.csv is empty"),
        (b"text\n", "x.csv", "x.csv has a header row but no comments"),
        ("text\ncaf\u00e9\n".encode("latin-1"), "x.csv", "x.csv is not UTF-8 text (byte 8)"),
        (b"\x89PNG\x00\x00", "x.csv", "x.csv is not a text file"),
        (b'{"text": "a"}\n[1]\n', "x.jsonl", "x.jsonl line 2: each line must be a JSON object"),
        (b'{"text": \n', "x.jsonl", "x.jsonl line 1: not valid JSON"),
        (b"text\na\n", "x.txt", "x.txt: use a .csv or .jsonl file"),
    ],
)
def test_refusals_say_what_to_fix(data: bytes, name: str, message: str) -> None:
    with pytest.raises(RecordsError) as refused:
        parse_records(data, name)
    assert str(refused.value).startswith(message)


def test_the_row_limit_names_its_setting(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match=r"more than 2 rows \(MOT_UPLOAD_MAX_ROWS\)"):
        parse_records(b"text\na\nb\nc\n", "x.csv", 2, setting="MOT_UPLOAD_MAX_ROWS")
    assert len(parse_records(b"text\na\nb\n", "x.csv", 2).rows) == 2
    with pytest.raises(RecordsError, match="does not exist"):
        read_records(tmp_path / "missing.csv")
