"""A small real `mia run` end to end: tiny Transformer, a subset of the embedded data, two shadows."""

from __future__ import annotations

import csv
import json
import os

import pytest

from mia_platform.cli import cli

TINY = """
name: tiny
seed: 7
output: {out}
dataset:
  source: shakespeare
  min_texts_per_user: 4
  max_users: 48
  max_texts_per_user: 8
split:
  num_shadows: 2
target:
  recipe: transformer
  params: {{epochs: 1, max_length: 32, hidden_size: 32, intermediate_size: 64, num_layers: 1, num_heads: 2}}
attacks: ["threshold[loss]", "population[loss]", learned, reference, lira_offline, rmia]
aggregators: ["mean_threshold[loss]", learned, "sample_to_user[learned]", lira_user]
evaluation: {{bootstrap: 20}}
"""


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from click.testing import CliRunner

    root = tmp_path_factory.mktemp("run")
    out = root / "out"
    config = root / "tiny.yaml"
    config.write_text(TINY.format(out=out), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(config)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return config, out, result


def test_run_writes_every_file(tiny_run):
    _, out, result = tiny_run
    for name in (
        "config.json",
        "split.json",
        "results.json",
        "report.md",
        "report.html",
        "scores_texts.csv",
        "scores_users.csv",
        "outputs/audit.npz",
        "outputs/audit.json",
    ):
        assert (out / name).is_file(), name
    assert "threshold[loss]" in result.stdout and "sample_to_user[learned]" in result.stdout
    assert "target utility on non-members" in result.stdout
    umask = os.umask(0)
    os.umask(umask)
    for name in ("results.json", "report.html", "scores_texts.csv", "outputs/audit.npz"):
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~umask, name


def test_results_schema(tiny_run):
    _, out, _ = tiny_run
    results = json.loads((out / "results.json").read_text())
    assert results["schema_version"] == 1
    assert [r["attack"] for r in results["sample_level"]] == [
        "threshold[loss]",
        "population[loss]",
        "learned",
        "reference",
        "lira_offline",
        "rmia",
    ]
    assert [r["attack"] for r in results["user_level"]] == [
        "mean_threshold[loss]",
        "learned",
        "sample_to_user[learned]",
        "lira_user",
    ]
    split = results["split"]
    for row in results["sample_level"]:
        assert row["n_members"] == split["candidate_members"]
        assert row["n_nonmembers"] == split["candidate_nonmembers"]
        assert 0.0 <= row["auc"] <= 1.0
        assert set(row["tpr_at_fpr"]) == {"0.1%", "1%", "10%"}
        assert row["tpr_at_fpr"]["1%"]["fpr"] <= 0.01
        assert row["tpr_at_fpr"]["1%"]["n_negatives"] == row["n_nonmembers"]
    for row in results["user_level"]:
        assert row["n_members"] + row["n_nonmembers"] == split["member_users"] + split[
            "nonmember_users"
        ] - len(split["users_without_candidates"])
    assert 0.0 <= results["utility"]["accuracy"] <= 1.0
    from mia_platform.manager import make_plugin_manager

    full = make_plugin_manager().open_dataset("shakespeare", min_texts_per_user=4)
    drops = results["data"]["drops"]
    assert (
        drops["dropped_users"]["min_texts_per_user"]
        == full.drops.dropped_users["min_texts_per_user"]
    )
    assert drops["dropped_users"]["max_users"] == len(set(full.users.tolist())) - 48
    kept = (
        results["data"]["texts"]
        + drops["dropped_texts"]["max_texts_per_user"]
        + drops["dropped_texts"]["max_users"]
    )
    assert kept == len(full)
    assert results["data"]["users"] == 48


def test_score_csvs_align_with_results(tiny_run):
    _, out, _ = tiny_run
    results = json.loads((out / "results.json").read_text())
    with (out / "scores_texts.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == results["split"]["candidate_texts"]
    assert sum(int(r["is_member"]) for r in rows) == results["split"]["candidate_members"]
    with (out / "scores_users.csv").open() as fh:
        users = list(csv.DictReader(fh))
    assert (
        len(users)
        == results["user_level"][0]["n_members"] + results["user_level"][0]["n_nonmembers"]
    )
    split = json.loads((out / "split.json").read_text())
    members = set(split["member_users"])
    assert {u["user"] for u in users if u["is_member"] == "1"} <= members


def test_rerun_uses_the_cache_and_gives_identical_results(tiny_run):
    from click.testing import CliRunner

    config, out, _ = tiny_run
    models = sorted(p.name for p in (out / "cache" / "models").iterdir())
    before = json.loads((out / "results.json").read_text())
    stamps = {p: p.stat().st_mtime_ns for p in (out / "cache").rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, ["run", str(config)])
    assert result.exit_code == 0, result.output
    assert "training" not in result.stderr
    after = json.loads((out / "results.json").read_text())
    assert sorted(p.name for p in (out / "cache" / "models").iterdir()) == models
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    for level in ("sample_level", "user_level"):
        assert [(r["attack"], r["auc"], r["balanced_accuracy"]) for r in before[level]] == [
            (r["attack"], r["auc"], r["balanced_accuracy"]) for r in after[level]
        ]


def test_attack_on_cached_outputs_needs_no_model(tiny_run, monkeypatch):
    from click.testing import CliRunner

    _, out, _ = tiny_run
    import mia_platform.manager as manager

    real = manager.make_plugin_manager

    def no_models(**kwargs):
        pm = real(**kwargs)
        pm.open_target = lambda *a, **k: pytest.fail("a model was opened")
        return pm

    monkeypatch.setattr(manager, "make_plugin_manager", no_models)
    result = CliRunner().invoke(
        cli,
        [
            "attack",
            "--outputs",
            str(out),
            "--attack",
            "threshold[entropy]",
            "--aggregator",
            "mean_threshold[entropy]",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert [r["attack"] for r in results["sample_level"]] == ["threshold[entropy]"]
    assert [r["attack"] for r in results["user_level"]] == ["mean_threshold[entropy]"]
    again = CliRunner().invoke(cli, ["attack", "--outputs", str(out)])
    assert again.exit_code == 0, again.output
    restored = json.loads((out / "results.json").read_text())
    assert len(restored["sample_level"]) == 6 and len(restored["user_level"]) == 4


def test_attack_on_a_folder_without_outputs(tmp_path, runner):
    result = runner.invoke(cli, ["attack", "--outputs", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: {tmp_path / 'outputs'}: no cached outputs (expected audit.npz and audit.json); run `mia run` first to create them\n"
    )


def test_run_with_missing_config(runner, tmp_path):
    result = runner.invoke(cli, ["run", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert (
        f"Invalid value for CONFIG: {tmp_path / 'nope.yaml'} does not exist or is not a file"
        in result.stderr
    )


def test_predict_writes_logits_for_a_dataset(tiny_run, tmp_path, runner):
    import numpy as np

    _, out, _ = tiny_run
    model = json.loads((out / "results.json").read_text())["outputs"]["target_model"]
    data = tmp_path / "three.jsonl"
    rows = [
        {"user": "u1", "text": "To be, or not to be", "label": "a"},
        {"user": "u2", "text": "Alas", "label": "b"},
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    target = tmp_path / "logits.npy"
    result = runner.invoke(
        cli, ["predict", model, str(data), "-o", str(target), "--max-length", "32"]
    )
    assert result.exit_code == 0, result.output
    logits = np.load(target)
    assert logits.shape == (2, 37) and logits.dtype == np.float32
    assert result.stdout.splitlines() == [
        f"wrote {target}: 2 texts x 37 classes (logits)",
        "the model's label names differ from the dataset's: no accuracy computed",
    ]


def test_predict_on_a_missing_model(tmp_path, runner):
    result = runner.invoke(
        cli, ["predict", str(tmp_path / "none"), "shakespeare", "-o", str(tmp_path / "x.npy")]
    )
    assert result.exit_code == 1
    assert result.stderr == f"Error: model path {str(tmp_path / 'none')!r} does not exist\n"
    assert not (tmp_path / "x.npy").exists()
