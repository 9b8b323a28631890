"""Real data through the real entry point: shared datasets against PROVENANCE.md, shakespeare."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mia_platform.cli import cli
from mia_platform.data.summary import summarize
from mia_platform.manager import make_plugin_manager


def _shared_data() -> Path | None:
    env = os.environ.get("MIA_SHARED_DATA")
    here = Path(__file__).resolve()
    for candidate in ([Path(env)] if env else []) + [here.parents[2] / "shared"]:
        if (candidate / "data").is_dir():
            return candidate / "data"
    return None


SHARED = _shared_data()
needs_shared = pytest.mark.skipif(
    SHARED is None, reason="shared datasets not found (../shared/data or MIA_SHARED_DATA)"
)


@pytest.fixture(scope="module")
def pm():
    return make_plugin_manager()


@needs_shared
def test_reddit_college_matches_provenance(pm) -> None:
    s = summarize(pm.open_dataset(str(SHARED / "reddit-college" / "reddit_college.jsonl")))
    assert (s["texts"], s["users"], s["users_with_3plus_texts"]) == (43298, 3716, 3716)
    assert (s["texts_of_users_with_3plus"], s["max_texts_per_user"]) == (43298, 25)
    assert s["label_counts"] == {
        "College": 7999,
        "ApplyingToCollege": 7600,
        "AskAcademia": 7261,
        "GradSchool": 7015,
        "CollegeRant": 5850,
        "Emory": 5017,
        "CollegeMajors": 1991,
        "CollegeAdvice": 565,
    }
    assert s["users_with_several_labels"] == 1247
    assert s["texts_per_user"] == {
        "1": 0, "2": 0, "3-4": 0, "5-9": 2017, "10-19": 1008, "20-49": 691, "50+": 0,
    }  # fmt: skip
    assert s["words_per_text"]["median"] == 33
    assert s["dropped_texts"] == {} and s["dropped_users"] == {}


@needs_shared
def test_amazon_matches_provenance(pm) -> None:
    path = str(SHARED / "amazon-5core-small" / "amazon_5core_small.jsonl")
    ds = pm.open_dataset(path)
    s = summarize(ds)
    assert (s["texts"], s["users"], s["users_with_3plus_texts"]) == (7486, 1441, 1421)
    assert (s["texts_of_users_with_3plus"], s["max_texts_per_user"]) == (7447, 16)
    assert s["label_counts"] == {"5": 5979, "4": 733, "3": 419, "1": 208, "2": 147}
    assert s["users_with_several_labels"] == 114
    assert s["texts_per_user"] == {
        "1": 1, "2": 19, "3-4": 817, "5-9": 600, "10-19": 4, "20-49": 0, "50+": 0,
    }  # fmt: skip
    assert (s["words_per_text"]["median"], round(s["words_per_text"]["mean"], 1)) == (18, 33.3)
    assert sorted(set(ds.metadata["category"])) == ["AMAZON_FASHION", "All_Beauty", "Appliances"]
    # The same reviewer's text repeats across products: 1,938 distinct texts of 7,486.
    assert s["duplicate_texts"] == 7486 - 1938
    three = pm.open_dataset(path, min_texts_per_user=3)
    assert (len(three), three.drops.dropped_users["min_texts_per_user"]) == (7447, 20)


def test_shakespeare_counts(pm) -> None:
    ds = pm.open_dataset("shakespeare")
    s = summarize(ds)
    assert (s["texts"], s["users"], s["classes"]) == (30414, 1356, 37)
    assert s["users_with_several_labels"] == 0  # a role belongs to one play
    assert s["label_counts"]["Hamlet"] == 1089
    assert all(name.count("/") == 1 for name in ds.user_names)
    assert "hamlet/HAM" in ds.user_names and "othello/IAGO" in ds.user_names
    assert ds.info["license"].startswith("texts: public domain")
    assert ds.info["source_hash"].startswith("sha256:")
    genre = pm.open_dataset("shakespeare", label="genre")
    assert genre.label_names == ["comedy", "history", "tragedy"]
    assert summarize(genre)["label_counts"] == {"comedy": 12046, "tragedy": 10887, "history": 7481}
    assert genre.texts == ds.texts and genre.metadata["play"][0] == ds.label_names[ds.labels[0]]


def test_shakespeare_rejects_unknown_options(pm) -> None:
    from mia_platform.errors import DataError

    with pytest.raises(DataError) as err:
        pm.open_dataset("shakespeare", text_field="body")
    assert str(err.value) == (
        "dataset 'shakespeare': unknown option(s) text_field; "
        "valid options: label, min_texts_per_user, strict"
    )
    with pytest.raises(DataError, match=r"unknown label 'act'; choose one of \('play', 'genre'\)"):
        pm.open_dataset("shakespeare", label="act")


def test_claims_by_extension_and_folder(pm, tmp_path: Path) -> None:
    claim = pm.hook.mia_claim_dataset
    assert claim(source="x/a.jsonl.gz") == "jsonl"
    assert claim(source="b.TSV") == "csv"
    (tmp_path / "state.json").write_text("{}")
    assert claim(source=str(tmp_path)) == "hf_disk"
    assert claim(source="model.onnx") is None


def test_cli_inspect_json_and_text(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    rows = [
        {"user": "a", "text": "x", "label": "p"},
        {"user": "a", "text": "y", "label": "q"},
        {"user": "b", "text": "x", "label": "p"},
        {"user": "c", "text": None, "label": "p"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["data", "inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert (s["texts"], s["users"], s["classes"], s["duplicate_texts"]) == (3, 2, 2, 1)
    assert s["users_with_several_labels"] == 1
    assert s["dropped_texts"] == {"null_text": 1}
    assert s["dropped_users"] == {"all_texts_dropped": 1}
    assert s["texts_per_user"]["1"] == 1 and s["texts_per_user"]["2"] == 1
    text = runner.invoke(cli, ["data", "inspect", str(path), "--min-texts-per-user", "2"])
    assert text.exit_code == 0, text.output
    assert "dropped users: all_texts_dropped 1, min_texts_per_user 1" in text.output
    strict = runner.invoke(cli, ["data", "inspect", str(path), "--strict"])
    assert strict.exit_code == 1
    assert strict.output == (
        f"Error: {path}, line 4: field 'text' is unusable (null_text); "
        "strict mode refuses records that would be dropped\n"
    )


def test_cli_inspect_field_options_and_shakespeare_genre() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["data", "inspect", "shakespeare", "--label-field", "genre"])
    assert result.exit_code == 0, result.output
    assert "classes: 3 -- comedy 12,046, tragedy 10,887, history 7,481" in result.output
    assert "extra fields: play" in result.output
