"""Experiment YAML: defaults, types, duplicate keys, exponent floats, exact messages."""

from __future__ import annotations

import pytest

from mia_platform.config import DEFAULTS, load_experiment
from mia_platform.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "exp.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_default_experiment():
    exp = load_experiment(None)
    assert exp.data == DEFAULTS
    assert exp.source == "<default experiment>"


def test_partial_file_is_merged_over_defaults(tmp_path):
    exp = load_experiment(
        write(tmp_path, "seed: 3\nsplit:\n  num_shadows: 2\ntarget:\n  params: {epochs: 1}\n")
    )
    assert exp["seed"] == 3
    assert exp["split"]["num_shadows"] == 2
    assert exp["split"]["member_fraction"] == 0.5
    assert exp["target"] == {
        "recipe": "transformer",
        "params": {"epochs": 1},
        "model": None,
        "backend": None,
    }


def test_exponent_without_dot_is_a_float(tmp_path):
    exp = load_experiment(write(tmp_path, "target:\n  params:\n    lr: 1e-5\n    wd: 2E+3\n"))
    assert exp["target"]["params"] == {"lr": 1e-5, "wd": 2000.0}
    assert isinstance(exp["target"]["params"]["lr"], float)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "seed: 1\nsplit:\n  num_shadows: four\n",
            "line 3: key 'split.num_shadows': 'four' is a str, expected integer (an integer >= 1)",
        ),
        ("seed: 1\nseed: 2\n", "line 2: duplicate key 'seed' (first at line 1); keep one"),
        (
            "split:\n  shadows: 4\n",
            "line 2: unknown key 'split.shadows'; allowed here: member_fraction, num_shadows, query_mode, target_fraction, unseen_fraction",
        ),
        (
            "split:\n  query_mode: online\n",
            "line 2: key 'split.query_mode': 'online' is not allowed; expected 'train' or 'unseen'",
        ),
        (
            "split:\n  member_fraction: 1.5\n",
            "line 2: key 'split.member_fraction': 1.5 is not allowed; expected a number strictly between 0 and 1",
        ),
        ("seed: true\n", "line 1: key 'seed': True is a bool, expected integer (an integer >= 0)"),
        ("attacks: [threshold, 3]\n", "key 'attacks': item 1 3 must be a name"),
        (
            "target:\n  recipe: null\n",
            "line 2: key 'target.recipe': None is a NoneType, expected string (a recipe name (see `mia list recipes`))",
        ),
        ("- a\n- b\n", "the experiment must be a mapping of keys, got list"),
        ("seed: [1\n", "line 2: invalid YAML: expected ',' or ']', but got '<stream end>'"),
    ],
)
def test_errors_name_file_line_key_value_and_fix(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert str(info.value) == f"{path}: {message}"


def test_unsafe_yaml_tags_are_refused(tmp_path):
    path = write(tmp_path, "name: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_experiment(path)
