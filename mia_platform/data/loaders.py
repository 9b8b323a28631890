"""Readers for users' texts: JSON Lines, CSV/TSV and Hugging Face ``save_to_disk`` folders.

Every reader streams its input into a :class:`~mia_platform.data.validate.RecordBuilder`, so all
formats share one validation policy, and reports positions as 1-based physical line numbers
(blank lines counted) or, for Arrow tables, 1-based row numbers.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mia_platform.data.dataset import Dataset
from mia_platform.data.validate import RecordBuilder
from mia_platform.errors import DataError

#: Suffixes each file reader claims (``.gz`` compressed variants included).
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")

#: Files that mark a folder written by ``datasets.Dataset.save_to_disk`` (or a DatasetDict's).
HF_MARKERS = ("state.json", "dataset_dict.json")


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"{path}: no such file")


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def _info(path: Path, fmt: str, fields: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"source": str(path), "format": fmt, "fields": dict(fields), **extra}


def load_jsonl(
    path: str | Path,
    *,
    text_field: str = "text",
    label_field: str = "label",
    user_field: str = "user",
    min_texts_per_user: int = 1,
    strict: bool = False,
    name: str | None = None,
) -> Dataset:
    """Read a JSON Lines file (optionally gzip-compressed): one JSON object per line.

    Blank lines are skipped but counted, so a reported line number is the line an editor shows.
    Fields other than the three mapped ones are kept as per-record metadata.

    :raises DataError: on an unreadable or malformed line, a line that is not a JSON object, a
        missing field, or (with ``strict``) any record or user that would be dropped.
    """
    path = Path(path)
    _check_file(path)
    builder = RecordBuilder(
        str(path), text_field=text_field, label_field=label_field, user_field=user_field,
        strict=strict,
    )  # fmt: skip
    loads = json.loads
    try:
        with _open_binary(path) as fh:
            for lineno, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    record = loads(raw.decode("utf-8"))
                except json.JSONDecodeError as exc:
                    raise DataError(
                        f"{path}, line {lineno}: malformed JSON ({exc.msg} at column {exc.colno}); "
                        "each line must hold one JSON object"
                    ) from None
                except UnicodeDecodeError as exc:
                    raise DataError(
                        f"{path}, line {lineno}: not valid UTF-8 ({exc.reason}); "
                        "save the file as UTF-8"
                    ) from None
                if not isinstance(record, dict):
                    raise DataError(
                        f"{path}, line {lineno}: expected a JSON object, found "
                        f"{type(record).__name__}; each line must hold one JSON object"
                    )
                builder.add(record, lineno)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    return builder.finish(
        name=name or path.name,
        min_texts_per_user=min_texts_per_user,
        info=_info(path, "jsonl", builder.fields),
    )


def _csv_rows(fh: IO[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Rows with the physical line each starts on (quoted fields may span several lines)."""
    if delimiter == "\t":
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, strict=True)
    else:
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
    start = 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def load_csv(
    path: str | Path,
    *,
    text_field: str = "text",
    label_field: str = "label",
    user_field: str = "user",
    min_texts_per_user: int = 1,
    strict: bool = False,
    delimiter: str | None = None,
    name: str | None = None,
) -> Dataset:
    """Read a CSV or TSV file with a header row (optionally gzip-compressed).

    The delimiter follows the extension (``.tsv``: tab, unquoted, as in the IANA TSV format; else
    comma with standard CSV quoting) unless ``delimiter`` is given. Blank lines are skipped but
    counted. Every cell is a string, so there are no null or NaN texts here, only empty ones.

    :raises DataError: on a malformed line, a row with the wrong number of cells, a missing
        column, or (with ``strict``) any record or user that would be dropped.
    """
    path = Path(path)
    _check_file(path)
    if delimiter is None:
        delimiter = "\t" if path.name.endswith((".tsv", ".tsv.gz")) else ","
    builder = RecordBuilder(
        str(path), text_field=text_field, label_field=label_field, user_field=user_field,
        strict=strict,
    )  # fmt: skip
    header: list[str] | None = None
    lineno = 0
    try:
        with io.TextIOWrapper(_open_binary(path), encoding="utf-8", newline="") as fh:
            rows = _csv_rows(fh, delimiter)
            while True:
                try:
                    lineno, row = next(rows)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raise DataError(f"{path}, line {lineno + 1}: malformed CSV ({exc})") from None
                if not row:
                    continue
                if header is None:
                    header = row
                    for role in ("text", "label", "user"):
                        if builder.fields[role] not in header:
                            raise builder.missing(role, f"line {lineno} (header: {header})")
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{path}, line {lineno}: expected {len(header)} cells as in the header, "
                        f"found {len(row)}; quote cells that contain the delimiter"
                    )
                builder.add(dict(zip(header, row, strict=True)), lineno)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}, after line {lineno}: not valid UTF-8 ({exc.reason}); save the file as UTF-8"
        ) from None
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    if header is None:
        raise DataError(f"{path}: empty file; expected a header row naming the columns")
    return builder.finish(
        name=name or path.name,
        min_texts_per_user=min_texts_per_user,
        info=_info(path, "tsv" if delimiter == "\t" else "csv", builder.fields),
    )


def is_hf_dataset_dir(path: str | Path) -> bool:
    """True if ``path`` is a folder written by ``save_to_disk`` (a Dataset or a DatasetDict)."""
    path = Path(path)
    return path.is_dir() and any((path / marker).is_file() for marker in HF_MARKERS)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None


def _hf_split_dir(path: Path, split: str | None) -> tuple[Path, str | None]:
    """The folder of one Dataset: ``path`` itself, or the chosen split of a DatasetDict."""
    if (path / "state.json").is_file():
        return path, split
    splits = list(_read_json(path / "dataset_dict.json").get("splits", []))
    if split is None:
        if len(splits) != 1:
            raise DataError(
                f"{path}: a DatasetDict with splits {splits}; choose one with split=NAME"
            )
        split = splits[0]
    if split not in splits:
        raise DataError(f"{path}: no split {split!r}; the splits are {splits}")
    return path / split, split


def load_hf_disk(
    path: str | Path,
    *,
    text_field: str = "text",
    label_field: str = "label",
    user_field: str = "user",
    min_texts_per_user: int = 1,
    strict: bool = False,
    split: str | None = None,
    name: str | None = None,
) -> Dataset:
    """Read a Hugging Face ``datasets`` folder written by ``save_to_disk``, with pyarrow.

    The Arrow files are read directly (``datasets`` itself is not needed), batch by batch. A
    ``ClassLabel`` label column is mapped to its class names. Positions in messages are 1-based
    row numbers.

    :param split: the split to read when the folder holds a DatasetDict with several splits.
    :raises DataError: if pyarrow is missing, the folder is not a saved dataset, a column is
        missing, or (with ``strict``) any record or user would be dropped.
    """
    path = Path(path)
    if not is_hf_dataset_dir(path):
        raise DataError(
            f"{path}: not a Hugging Face dataset folder (expected state.json or "
            "dataset_dict.json, as written by save_to_disk)"
        )
    try:
        import pyarrow as pa
    except ImportError:
        raise DataError(
            f"{path}: reading Hugging Face dataset folders needs pyarrow; install it with "
            "pip install 'mia-platform[hf]' (or pip install pyarrow)"
        ) from None
    folder, split = _hf_split_dir(path, split)
    state = _read_json(folder / "state.json")
    features = _read_json(folder / "dataset_info.json").get("features", {})
    class_names = features.get(label_field, {}).get("names") if features else None
    builder = RecordBuilder(
        str(path), text_field=text_field, label_field=label_field, user_field=user_field,
        strict=strict, unit="row",
    )  # fmt: skip
    row = 0
    for entry in state.get("_data_files", []):
        arrow = folder / entry["filename"]
        try:
            reader = pa.ipc.open_stream(pa.memory_map(str(arrow)))
            for batch in reader:
                columns = batch.schema.names
                for role in ("text", "label", "user"):
                    if builder.fields[role] not in columns:
                        raise builder.missing(role, f"{arrow.name} (columns: {columns})")
                data = {c: batch.column(c).to_pylist() for c in columns}
                if class_names is not None:
                    data[label_field] = [
                        class_names[v] if isinstance(v, int) and 0 <= v < len(class_names) else v
                        for v in data[label_field]
                    ]
                for values in zip(*data.values(), strict=True):
                    row += 1
                    builder.add(dict(zip(columns, values, strict=True)), row)
        except (OSError, pa.ArrowInvalid) as exc:
            raise DataError(f"{arrow}: cannot read the Arrow file ({exc})") from None
    return builder.finish(
        name=name or path.name,
        min_texts_per_user=min_texts_per_user,
        info=_info(path, "hf_disk", builder.fields, split=split),
    )
