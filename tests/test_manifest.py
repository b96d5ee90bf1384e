"""The manifest module: line schema, writer and reader, as generate, resume, merge and the
reference model's GeneratedFolder use them."""

from __future__ import annotations

import json

import pytest
from test_generate import manifest, small

from reference_model.data import DataError, GeneratedFolder
from synthdefect.generate import GenerateError, generate, merge_shards
from synthdefect.generate.config import Shard
from synthdefect.generate.manifest import (
    FIELDS,
    ManifestError,
    ManifestWriter,
    manifest_line,
    read_manifest,
)

RECORD = {
    "index": 0,
    "label": 1,
    "anomalous_area": 0.25,
    "source": "a.png",
    "texture": None,
    "files": {"image": "images/000000.png", "mask": "masks/000000.png"},
    "params": {"preset": "draem-code"},
}


def write_lines(path, records, tail=b""):
    with ManifestWriter(path) as writer:
        writer.append(manifest_line(r) for r in records)
    with open(path, "ab") as f:
        f.write(tail)


def test_written_lines_read_back(tmp_path):
    path = tmp_path / "manifest.jsonl"
    records = [{**RECORD, "index": i, "label": i % 2} for i in range(3)]
    write_lines(path, records)
    assert path.read_text().splitlines()[0] == json.dumps(records[0], separators=(",", ":"))
    assert read_manifest(path) == records
    assert list(read_manifest(path)[0]) == list(FIELDS)  # key order kept


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"label": 2}, "out of range"),
        ({"label": True}, "'label' is bool"),
        ({"index": "3"}, "'index' is str"),
        ({"files": None}, "'files' is NoneType"),
    ],
)
def test_writer_refuses_records_outside_the_schema(change, message):
    with pytest.raises(ValueError, match=message):
        manifest_line({**RECORD, **change})
    with pytest.raises(ValueError, match="no 'params'"):
        manifest_line({k: v for k, v in RECORD.items() if k != "params"})


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        (b'{"index": 1, "label"\n', "line 2 is not valid JSON"),
        (b"\n", "line 2 is not valid JSON"),
        (b"[1, 2]\n", "line 2 is not a manifest record: not a JSON object"),
        (b'{"index": 1}\n', "line 2 is not a manifest record: no 'label'"),
    ],
)
def test_a_garbled_line_is_an_error_naming_file_and_line(tmp_path, bad_line, message):
    path = tmp_path / "manifest.jsonl"
    write_lines(path, [RECORD], tail=bad_line + manifest_line({**RECORD, "index": 2}).encode())
    with pytest.raises(ManifestError, match=f"manifest\\.jsonl {message}"):
        read_manifest(path)
    with pytest.raises(ManifestError, match=message):
        read_manifest(path, torn_tail=True)  # only an incomplete *last* line is tolerated


def test_a_torn_last_line_is_an_error_unless_allowed(tmp_path):
    path = tmp_path / "manifest.jsonl"
    write_lines(path, [RECORD], tail=manifest_line(RECORD).encode()[:20])
    with pytest.raises(ManifestError, match="line 2 is incomplete"):
        read_manifest(path)
    assert read_manifest(path, torn_tail=True) == [RECORD]


def test_resume_refuses_a_garbled_line_instead_of_dropping_it(tmp_path):
    out = tmp_path / "out"
    generate(small(out, n=12), workers=1)
    path = out / "manifest.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[4] = b"garbage\n"
    path.write_bytes(b"".join(lines))
    with pytest.raises(GenerateError, match=r"manifest\.jsonl line 5 is not valid JSON"):
        generate(small(out, n=12), workers=1, resume=True)


def test_merge_refuses_a_garbled_shard_manifest(tmp_path):
    out = tmp_path / "out"
    for i in range(2):
        generate(small(out, n=8, shard=Shard(i, 2)), workers=1)
    path = out / "manifest.shard-1-of-2.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"label"', b'"lab"', 1))
    with pytest.raises(GenerateError, match=r"shard-1-of-2\.jsonl line 1 .*no 'label'"):
        merge_shards(out)


def test_a_training_folder_with_a_garbled_line_is_a_data_error(tmp_path):
    out = tmp_path / "out"
    generate(small(out, n=6, with_normal=True), workers=1)
    assert len(GeneratedFolder(out, size=32)) == len(manifest(out)) == 6
    path = out / "manifest.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]) + b"{not json\n" + b"".join(lines[4:]))
    with pytest.raises(DataError, match=r"manifest\.jsonl line 4 is not valid JSON"):
        GeneratedFolder(out, size=32)
    path.write_bytes(b"".join(lines) + lines[0][:10])
    with pytest.raises(DataError, match="line 7 is incomplete"):
        GeneratedFolder(out, size=32)
