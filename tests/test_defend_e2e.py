"""`mia defend` end to end on a tiny run, and the --defense syntax."""

from __future__ import annotations

import json

import pytest

from mia_platform.cli import cli
from mia_platform.defend import DefenseRequest, parse_defense
from mia_platform.errors import ConfigError

TINY = """
name: tiny-defend
seed: 3
output: {out}
dataset: {{source: shakespeare, min_texts_per_user: 4, max_users: 40, max_texts_per_user: 6}}
split: {{num_shadows: 2}}
target:
  recipe: transformer
  params: {{epochs: 1, max_length: 24, hidden_size: 32, intermediate_size: 64, num_layers: 1, num_heads: 2}}
attacks: ["threshold[loss]", learned]
aggregators: ["mean_threshold[loss]"]
evaluation: {{bootstrap: 0}}
"""


def test_parse_defense_reads_yaml_scalars():
    assert parse_defense("dp_sgd:epsilon=8,delta=1e-5,accountant=rdp") == DefenseRequest(
        "dp_sgd:epsilon=8,delta=1e-5,accountant=rdp",
        "dp_sgd",
        {"epsilon": 8, "delta": 1e-5, "accountant": "rdp"},
    )
    assert parse_defense("label_only") == DefenseRequest("label_only", "label_only", {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("perturb:p", "--defense 'perturb:p': 'p' is not key=value"),
        ("bad name", "--defense 'bad name': expected NAME or NAME:key=value,key=value"),
    ],
)
def test_parse_defense_errors(text, message):
    with pytest.raises(ConfigError) as info:
        parse_defense(text)
    assert str(info.value) == message


def test_defend_table_has_baseline_and_each_defense(tmp_path, runner):
    config = tmp_path / "tiny.yaml"
    out = tmp_path / "out"
    config.write_text(TINY.format(out=out), encoding="utf-8")
    args = [
        "defend",
        str(config),
        "-d",
        "perturb:p=0.3",
        "-d",
        "round:decimals=1",
        "-d",
        "label_only",
        "-d",
        "dp_sgd:epsilon=8,accountant=rdp",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    comparison = json.loads((out / "defend.json").read_text())
    rows = comparison["rows"]
    assert [(r["defense"], r["kind"]) for r in rows] == [
        ("baseline", "none"),
        ("perturb:p=0.3", "data"),
        ("round:decimals=1", "output"),
        ("label_only", "output"),
        ("dp_sgd:epsilon=8,accountant=rdp", "training"),
    ]
    for row in rows:
        assert sorted(row["sample"]) == ["learned", "threshold[loss]"]
        assert sorted(row["user"]) == ["mean_threshold[loss]"]
    # output defenses reuse the baseline's model: same utility except label-only/rounding ties
    assert rows[2]["accuracy"] == pytest.approx(rows[0]["accuracy"], abs=0.05)
    eps = rows[4]["spent"][0]["epsilon"]
    assert 0 < eps <= 8.0 + 1e-6
    md = (out / "defend.md").read_text()
    assert md.count("\n| ") == 1 + len(rows)
    assert "<svg" in (out / "defend.html").read_text()
    for row in rows:
        assert row["defense"] in result.stdout


@pytest.mark.skipif(
    not __import__("importlib.util").util.find_spec("mia_defense_truncate"),
    reason="example plugin not installed (pip install examples/plugins/mia-defense-truncate)",
)
def test_defend_with_the_third_party_defense(tmp_path, runner):
    config = tmp_path / "tiny.yaml"
    out = tmp_path / "out"
    config.write_text(TINY.format(out=out), encoding="utf-8")
    result = runner.invoke(cli, ["defend", str(config), "-d", "truncate:max_words=3"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    rows = json.loads((out / "defend.json").read_text())["rows"]
    assert [(r["defense"], r["kind"]) for r in rows] == [
        ("baseline", "none"),
        ("truncate:max_words=3", "data"),
    ]
    # the adaptive attacker retrains target and both shadows under the defense: 3 + 3 models
    assert len(list((out / "cache" / "models").iterdir())) == 6


def test_defend_unknown_defense(tmp_path, runner):
    result = runner.invoke(cli, ["defend", "-d", "nope", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --defense 'nope': unknown defense 'nope'; available: ")


def test_defend_bad_parameter(tmp_path, runner):
    result = runner.invoke(cli, ["defend", "-d", "top_k:k=0", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: --defense 'top_k:k=0': defense 'top_k': k must be an integer >= 1, got 0\n"
    )
