"""The validation policy of docs/data.md, rule by rule, on files built for each rule."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from mia_platform.data.loaders import load_csv, load_hf_disk, load_jsonl
from mia_platform.errors import DataError


def write_jsonl(path: Path, lines: list[object]) -> Path:
    """Write ``lines`` (dicts as JSON, strings verbatim) one per line."""
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def rec(user: str, text: object, label: object = "a", **extra: object) -> dict:
    return {"user": user, "text": text, "label": label, **extra}


def test_reads_records_with_sorted_ids_and_metadata(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [rec("zed", "one", "b", lang="en"), rec("amy", "two", "a"), rec("zed", "three", 7)],
    )
    ds = load_jsonl(path)
    assert ds.texts == ["one", "two", "three"]
    assert ds.label_names == ["7", "a", "b"]  # integer labels become strings; sorted names
    assert ds.labels.tolist() == [2, 1, 0]
    assert ds.user_names == ["amy", "zed"]
    assert ds.users.tolist() == [1, 0, 1]
    assert ds.metadata == {"lang": ["en", None, None]}
    assert ds.drops.as_dict() == {"dropped_texts": {}, "dropped_users": {}, "duplicate_texts": 0}
    assert ds.info["format"] == "jsonl"


def test_malformed_line_143_of_200_counts_blank_lines(tmp_path: Path) -> None:
    lines: list[object] = [rec(f"u{i % 7}", f"text {i}") for i in range(200)]
    lines[9] = ""  # blank physical lines still count
    lines[50] = "   "
    lines[142] = '{"user": "u1", "text": "oops", "label": }'
    path = write_jsonl(tmp_path / "bad.jsonl", lines)
    with pytest.raises(DataError) as err:
        load_jsonl(path)
    assert str(err.value) == (
        f"{path}, line 143: malformed JSON (Expecting value at column 41); "
        "each line must hold one JSON object"
    )


def test_gzip_jsonl_and_non_object_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(rec("u", "hello")) + "\n\n[1, 2]\n")
    with pytest.raises(DataError) as err:
        load_jsonl(path)
    assert str(err.value) == (
        f"{path}, line 3: expected a JSON object, found list; each line must hold one JSON object"
    )


def test_missing_field_names_field_and_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [rec("u", "ok"), {"user": "u", "text": "no label"}])
    with pytest.raises(DataError) as err:
        load_jsonl(path)
    assert str(err.value) == (
        f"{path}, line 2: missing required field 'label' (the label); "
        "name the field that holds it with label_field / --label-field"
    )


def test_field_mapping(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"who": "u", "body": "hi", "stars": 5}])
    ds = load_jsonl(path, text_field="body", label_field="stars", user_field="who")
    assert (ds.texts, ds.label_names, ds.user_names) == (["hi"], ["5"], ["u"])


def test_bad_texts_are_dropped_and_counted_by_reason(tmp_path: Path) -> None:
    lines = [
        rec("a", "fine"),
        rec("a", None),
        '{"user": "a", "text": NaN, "label": "a"}',  # Python's json reads NaN as float nan
        rec("a", 12),
        rec("a", ""),
        rec("a", " \t\n"),
        rec("b", "fine"),  # duplicate of line 1: counted, kept
        rec("c", "x", None),
        rec("c", "y", ""),
        rec("c", "z", [1]),
        rec(None, "w"),  # type: ignore[arg-type]
    ]
    ds = load_jsonl(write_jsonl(tmp_path / "d.jsonl", lines))
    assert ds.texts == ["fine", "fine"]
    assert ds.drops.as_dict() == {
        "dropped_texts": {
            "empty_label": 1,
            "empty_text": 2,
            "invalid_label": 1,
            "nan_text": 1,
            "non_string_text": 1,
            "null_label": 1,
            "null_text": 1,
            "null_user": 1,
        },
        "dropped_users": {"all_texts_dropped": 1},  # user c
        "duplicate_texts": 1,
    }


def test_user_whose_only_text_is_empty_is_reported(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [rec("a", "hi"), rec("ghost", "   ")])
    ds = load_jsonl(path)
    assert ds.user_names == ["a"]
    assert ds.drops.dropped_texts == {"empty_text": 1}
    assert ds.drops.dropped_users == {"all_texts_dropped": 1}


def test_strict_turns_a_drop_into_an_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [rec("a", "hi"), rec("a", "hi"), rec("b", None)])
    with pytest.raises(DataError) as err:
        load_jsonl(path, strict=True)
    assert str(err.value) == (
        f"{path}, line 3: field 'text' is unusable (null_text); "
        "strict mode refuses records that would be dropped"
    )


def test_min_texts_per_user_drops_single_text_users(tmp_path: Path) -> None:
    lines = [rec("a", "1"), rec("b", "2"), rec("a", "3"), rec("c", "4", "z"), rec("d", "5")]
    path = write_jsonl(tmp_path / "d.jsonl", lines)
    ds = load_jsonl(path, min_texts_per_user=2)
    assert ds.texts == ["1", "3"]
    assert ds.user_names == ["a"] and ds.users.tolist() == [0, 0]
    assert ds.label_names == ["a"]  # label "z" only belonged to a dropped user
    assert ds.drops.dropped_users == {"min_texts_per_user": 3}
    assert ds.drops.dropped_texts == {"user_below_min_texts": 3}
    with pytest.raises(DataError) as err:
        load_jsonl(path, min_texts_per_user=2, strict=True)
    assert str(err.value) == (
        f"{path}: user 'b' has 1 text(s), fewer than min_texts_per_user=2; strict mode refuses "
        "users that would be dropped"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nothing\.jsonl: no such file$"):
        load_jsonl(tmp_path / "nothing.jsonl")


def test_csv_with_quoted_multiline_cell_and_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        'user,text,label,extra\nu1,"two\nlines",pos,1\n\nu2,"a, b",neg,2\nu2,,neg,3\n',
        encoding="utf-8",
    )
    ds = load_csv(path)
    assert ds.texts == ["two\nlines", "a, b"]
    assert ds.label_names == ["neg", "pos"] and ds.labels.tolist() == [1, 0]
    assert ds.metadata == {"extra": ["1", "2"]}
    assert ds.drops.dropped_texts == {"empty_text": 1}
    bad = tmp_path / "bad.csv"
    bad.write_text('user,text,label\nu1,"ok",pos\n\nu2,extra,neg,cell\n', encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_csv(bad)
    assert str(err.value) == (
        f"{bad}, line 4: expected 3 cells as in the header, found 4; "
        "quote cells that contain the delimiter"
    )


def test_csv_missing_column_and_malformed_quote(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("user,body,label\nu,hi,a\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_csv(path)
    assert str(err.value) == (
        f"{path}, line 1 (header: ['user', 'body', 'label']): missing required field 'text' "
        "(the text); name the field that holds it with text_field / --text-field"
    )
    bad = tmp_path / "q.csv"
    bad.write_text('user,text,label\nu,"unterminated,a\n', encoding="utf-8")
    with pytest.raises(
        DataError, match=r"q\.csv, line 2: malformed CSV \(unexpected end of data\)"
    ):
        load_csv(bad)


def test_tsv_is_tab_separated_and_unquoted(tmp_path: Path) -> None:
    path = tmp_path / "d.tsv"
    path.write_text('user\ttext\tlabel\nu1\t"quoted", as is\tx\nu2\tplain\ty\n', encoding="utf-8")
    ds = load_csv(path)
    assert ds.texts == ['"quoted", as is', "plain"]
    assert ds.info["format"] == "tsv"


def test_hf_disk_dataset_and_dict(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets", reason="needs the [hf] extra (datasets, pyarrow)")
    features = datasets.Features(
        {
            "text": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["neg", "pos"]),
            "user": datasets.Value("string"),
            "score": datasets.Value("float32"),
        }
    )
    rows = {
        "text": ["good", None, "bad", "fine"],
        "label": [1, 0, 0, 1],
        "user": ["a", "a", "b", "b"],
        "score": [0.5, 1.0, 2.0, 3.0],
    }
    hf = datasets.Dataset.from_dict(rows, features=features)
    hf.save_to_disk(str(tmp_path / "one"))
    ds = load_hf_disk(tmp_path / "one")
    assert ds.texts == ["good", "bad", "fine"]
    assert ds.label_names == ["neg", "pos"] and ds.labels.tolist() == [1, 0, 1]
    assert ds.metadata == {"score": [0.5, 2.0, 3.0]}
    assert ds.drops.dropped_texts == {"null_text": 1}
    with pytest.raises(DataError) as err:
        load_hf_disk(tmp_path / "one", strict=True)
    assert str(err.value) == (
        f"{tmp_path / 'one'}, row 2: field 'text' is unusable (null_text); "
        "strict mode refuses records that would be dropped"
    )
    datasets.DatasetDict({"train": hf, "test": hf}).save_to_disk(str(tmp_path / "dict"))
    with pytest.raises(DataError, match=r"a DatasetDict with splits \['train', 'test'\]"):
        load_hf_disk(tmp_path / "dict")
    assert len(load_hf_disk(tmp_path / "dict", split="test")) == 3
    with pytest.raises(DataError, match=r"missing required field 'who' \(the user\)"):
        load_hf_disk(tmp_path / "one", user_field="who")


def test_hf_disk_rejects_other_folders(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        load_hf_disk(tmp_path)
    assert str(err.value) == (
        f"{tmp_path}: not a Hugging Face dataset folder (expected state.json or "
        "dataset_dict.json, as written by save_to_disk)"
    )


def test_subset_keeps_ids_comparable(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [rec("a", "1", "x", m=1), rec("b", "2", "y", m=2)])
    sub = load_jsonl(path).subset(np.array([1]))
    assert sub.texts == ["2"] and sub.labels.tolist() == [1] and sub.metadata == {"m": [2]}
