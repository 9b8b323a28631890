"""Bad input gets one line, a non-zero exit, and no run directory, before anything is trained."""

from __future__ import annotations

import json
import warnings

import pytest

from mia_platform.cli import cli
from mia_platform.manager import make_plugin_manager


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "attacks: [bogus]\n",
            "line 1: key 'attacks': unknown attack 'bogus'; available: learned, lira_offline, population, reference, rmia, threshold",
        ),
        (
            'aggregators: ["sample_to_user[nope]"]\n',
            "line 1: key 'aggregators': aggregator 'sample_to_user[nope]': 'nope' is not a sample attack of this run",
        ),
        (
            "reports: [pdf]\n",
            "line 1: key 'reports': unknown report 'pdf'; available: html, markdown (see `mia list reports`)",
        ),
        (
            "target:\n  params: {lr: .nan}\n",
            "line 2: key 'target.params': recipe 'transformer': lr must be a number > 0, got nan",
        ),
        (
            "target:\n  params: {epochz: 3}\n",
            "line 2: key 'target.params': recipe 'transformer': unknown hyper-parameter 'epochz'",
        ),
        (
            "target:\n  recipe: cnn\n",
            "line 2: key 'target.recipe': unknown recipe 'cnn'; available: bert, rnn, transformer",
        ),
    ],
)
def test_config_mistakes_fail_before_training(tmp_path, runner, config, message):
    path = tmp_path / "exp.yaml"
    out = tmp_path / "out"
    path.write_text(config + f"output: {out}\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: {message}")
    assert result.stderr.count("\n") == 1
    assert "training" not in result.stderr
    assert not out.exists()


def test_single_label_data_is_refused_before_training(tmp_path, runner):
    data = tmp_path / "one.jsonl"
    rows = [{"user": f"u{i % 20}", "text": f"text number {i}", "label": "only"} for i in range(200)]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    path = tmp_path / "exp.yaml"
    path.write_text(f"dataset: {{source: {data}}}\noutput: {tmp_path / 'out'}\n", encoding="utf-8")
    result = runner.invoke(cli, ["run", str(path)])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: {data}: the texts left after validation carry 1 label; a classifier audit needs at least 2\n"
    )
    assert not (tmp_path / "out").exists()


def test_non_utf8_config(tmp_path, runner):
    path = tmp_path / "exp.yaml"
    path.write_bytes(b"\xff\xfeseed: 1\n")
    result = runner.invoke(cli, ["run", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: not UTF-8 text (byte 0); save it as UTF-8\n"


def test_loader_name_is_not_a_dataset(runner):
    result = runner.invoke(cli, ["data", "inspect", "jsonl"])
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: 'jsonl' is a file-format loader, not a dataset: give the path of the file or folder to read\n"
    )


def test_damaged_run_files(tmp_path, runner):
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "audit.npz").write_bytes(b"not a zip")
    (tmp_path / "outputs" / "audit.json").write_text("{}", encoding="utf-8")
    result = runner.invoke(cli, ["attack", "--outputs", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'outputs'}: cached outputs are damaged (")


def test_unwritable_output_is_one_line(runner):
    result = runner.invoke(cli, ["run", "-o", "/proc/mia-cannot-write-here"])
    assert result.exit_code == 1
    assert result.stderr == "Error: /proc/mia-cannot-write-here: No such file or directory\n"


def test_plugin_calling_sys_exit_is_isolated(fake_dist):
    fake_dist(
        "mia-exits", {"exits": "mia_exits_mod"}, {"mia_exits_mod": "import sys\nsys.exit('bye')\n"}
    )
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        pm = make_plugin_manager()
    record = next(r for r in pm.records if r.name == "exits")
    assert (record.status, record.error) == ("failed", "SystemExit: bye")
    assert all(r.status == "loaded" for r in pm.records if r.builtin)
