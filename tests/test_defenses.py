"""The built-in data and output defenses: exact effects, determinism, termination, validation."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from mia_platform.errors import ConfigError, TargetError
from mia_platform.manager import make_plugin_manager

TEXTS = [
    "The quick brown fox jumps over the lazy dog",
    "Good king said hello",
    "",
    "naïve café 東京 😀 ok",
]


@pytest.fixture(scope="module")
def defenses():
    """The defenses as registered through the real entry point."""
    return make_plugin_manager().defenses()


def make(defenses, name, **params):
    return defenses[name].factory(**params)


def test_registered_kinds(defenses):
    kinds = {n: s.defense_kind for n, s in defenses.items() if s.plugin == "defenses"}
    assert kinds == {
        "perturb": "data",
        "word_delete": "data",
        "word_swap": "data",
        "word_substitute": "data",
        "char_noise": "data",
        "dp_sgd": "training",
        "label_smoothing": "training",
        "top_k": "output",
        "round": "output",
        "label_only": "output",
        "temperature": "output",
        "gaussian_noise": "output",
    }


# --- text perturbation ---------------------------------------------------------------------------


def test_perturb_seeded_outputs_are_pinned(defenses):
    perturb = make(defenses, "perturb", p=0.3)
    assert perturb.perturb(TEXTS, seed=7) == [
        "quic browns jumps fox over lazy dog",
        "Good king said",
        "",
        "naïve 東京 cfaé 😀n ok",
    ]
    assert perturb.perturb(TEXTS, seed=8) == [
        "And quick brown fox jumped th dog",
        "kisg saying",
        "",
        "naïve 京 café a😀",
    ]


def test_perturb_depends_on_text_and_seed_only(defenses):
    perturb = make(defenses, "perturb", p=0.3)
    forward = perturb.perturb(TEXTS, seed=7)
    backward = perturb.perturb(TEXTS[::-1], seed=7)
    assert backward == forward[::-1]
    assert perturb.perturb(TEXTS, seed=7) == forward


def test_perturb_independent_of_process_and_hash_seed(defenses):
    code = (
        "import json; from mia_platform.manager import make_plugin_manager; "
        "d = make_plugin_manager().defenses()['perturb'].factory(p=0.3); "
        f"print(json.dumps(d.perturb({TEXTS!r}, seed=7)))"
    )
    outputs = []
    for hash_seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.append(json.loads(run.stdout))
    assert outputs[0] == outputs[1] == make(defenses, "perturb", p=0.3).perturb(TEXTS, seed=7)


def test_swap_at_rate_one_swaps_disjoint_pairs(defenses):
    swap = make(defenses, "word_swap", p=1.0)
    assert swap.perturb(["a b c d e", "one", "x  y"], seed=0) == ["b a d c e", "one", "y x"]


def test_delete_at_rate_one_keeps_one_word(defenses):
    delete = make(defenses, "word_delete", p=1.0)
    out = delete.perturb(["a b c d", "solo"], seed=0)
    assert out == ["c", "solo"]


def test_rate_zero_and_unchanged_texts_are_returned_verbatim(defenses):
    text = "  spaced\tout  text "
    assert make(defenses, "perturb", p=0.0).perturb([text], seed=1) == [text]
    # swapping identical words and substituting words without neighbours change nothing
    repeated = "the  the the the"
    assert make(defenses, "word_swap", p=1.0).perturb([repeated], seed=3) == [repeated]
    unknown = "zzqx  qqwv"
    assert make(defenses, "word_substitute", p=1.0).perturb([unknown], seed=3) == [unknown]


def test_substitution_keeps_case_and_punctuation(defenses, tmp_path):
    lexicon = tmp_path / "lex.tsv"
    lexicon.write_text("# test lexicon\ngood\texcellent\nking\tqueen\n", encoding="utf-8")
    sub = make(defenses, "word_substitute", p=1.0, lexicon=str(lexicon))
    assert sub.perturb(["Good, KING! good king..."], seed=0) == [
        "Excellent, QUEEN! excellent queen..."
    ]


def test_builtin_lexicon_neighbours(defenses):
    sub = make(defenses, "word_substitute", p=1.0)
    assert sub.lexicon["king"] == ("kings", "queen", "monarch")
    assert sub.lexicon["good"] == ("excellent", "bad", "great")
    assert len(sub.lexicon) == 15688
    assert sub.perturb(["king"], seed=0)[0] in {"kings", "queen", "monarch"}


def test_char_noise_edits_each_word_once(defenses):
    noise = make(defenses, "char_noise", p=1.0)
    out = noise.perturb(["a bb ccc"], seed=3)
    assert out == ["l bbc cdc"]
    for before, after in zip("a bb ccc".split(), out[0].split(), strict=True):
        assert abs(len(after) - len(before)) <= 1 and after != "" and after != before


def test_terminates_on_long_repeated_and_unicode_texts(defenses):
    perturb = make(defenses, "perturb", p=0.5)
    long_text = " ".join(f"w{i % 97}" for i in range(10_000))
    repeated = " ".join(["again"] * 5_000)
    weird = "\u0301\u200b \ud800 ﷽ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \x00"
    out = perturb.perturb([long_text, repeated, weird, " \n\t "], seed=0)
    assert 3_000 < len(out[0].split()) < 7_000  # each word deleted with p = 0.5
    assert 1_000 < len(out[1].split()) < 4_000
    assert isinstance(out[2], str) and out[2]
    assert out[3] == " \n\t "
    assert perturb.perturb([long_text], seed=0) == out[:1]


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("perturb", {"p": 1.5}, "defense 'perturb': p must be a number in [0, 1], got 1.5"),
        ("perturb", {"p": "high"}, "defense 'perturb': p must be a number in [0, 1], got 'high'"),
        (
            "perturb",
            {"ops": "delete,fly"},
            "defense 'perturb': ops must be a non-empty subset of substitute, char, swap, "
            "delete, got 'delete,fly'",
        ),
        (
            "perturb",
            {"ops": []},
            "defense 'perturb': ops must be a non-empty subset of substitute, char, swap, "
            "delete, got []",
        ),
        (
            "word_delete",
            {"ops": "swap"},
            "defense 'word_delete': unknown parameter 'ops'; allowed: p",
        ),
        ("top_k", {"k": 0}, "defense 'top_k': k must be an integer >= 1, got 0"),
        ("top_k", {"k": True}, "defense 'top_k': k must be an integer >= 1, got True"),
        ("round", {"digits": 2}, "defense 'round': unknown parameter 'digits'; allowed: decimals"),
        ("label_only", {"k": 1}, "defense 'label_only': unknown parameter 'k'; allowed: none"),
        (
            "temperature",
            {"temperature": 0},
            "defense 'temperature': temperature must be a number in (0, inf), got 0",
        ),
        (
            "gaussian_noise",
            {"sigma": -1.0},
            "defense 'gaussian_noise': sigma must be a number in [0, inf), got -1.0",
        ),
        (
            "label_smoothing",
            {"epsilon": 1},
            "defense 'label_smoothing': epsilon must be a number in [0, 1), got 1",
        ),
        (
            "dp_sgd",
            {"epsilon": 3.0, "noise_multiplier": 1.0},
            "defense 'dp_sgd': epsilon must be left unset when noise_multiplier is given, got 3.0",
        ),
        (
            "dp_sgd",
            {"epsilon": math.inf},
            "defense 'dp_sgd': epsilon must be a number in (0, inf), got inf",
        ),
        (
            "dp_sgd",
            {"accountant": "gdp"},
            "defense 'dp_sgd': accountant must be one of prv, rdp, got 'gdp'",
        ),
    ],
)
def test_bad_params_name_param_value_and_range(defenses, name, params, message):
    with pytest.raises(ValueError) as info:
        make(defenses, name, **params)
    assert isinstance(info.value, ConfigError)
    assert str(info.value) == message


def test_bad_lexicon_file_names_file_and_line(defenses, tmp_path):
    lexicon = tmp_path / "lex.tsv"
    lexicon.write_text("good\texcellent\nking queen\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        make(defenses, "word_substitute", lexicon=str(lexicon))
    assert str(info.value) == (
        f"{lexicon}:2: expected 'word<TAB>neighbour [neighbour ...]', got 'king queen'; "
        "fix: separate the word from its space-separated neighbours with one tab"
    )
    with pytest.raises(ConfigError, match="cannot be read"):
        make(defenses, "word_substitute", lexicon=str(tmp_path / "missing.tsv"))


# --- output hardening ----------------------------------------------------------------------------

LOGITS = np.array(
    [[1.0, 3.0, 2.0, 0.0], [5.0, 5.0, 0.0, -1.0], [-1.0, -2.0, -3.0, -4.0]], "float32"
)


def test_label_only_is_one_hot_of_argmax(defenses):
    hard = make(defenses, "label_only")
    assert hard.output_kind == "probabilities"
    out = hard.harden(LOGITS)
    expected = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]], dtype=np.float32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


def test_round_gives_rounded_probabilities(defenses):
    hard = make(defenses, "round", decimals=2)
    assert hard.output_kind == "probabilities"
    z = np.array([[0.0, math.log(3.0)], [0.0, 0.0]], dtype=np.float32)
    np.testing.assert_array_equal(
        hard.harden(z), np.array([[0.25, 0.75], [0.5, 0.5]], dtype=np.float32)
    )
    thirds = make(defenses, "round", decimals=3).harden(np.zeros((1, 3), np.float32))
    np.testing.assert_array_equal(thirds, np.full((1, 3), 0.333, dtype=np.float32))
    big = make(defenses, "round", decimals=1).harden(np.array([[1e4, -1e4, 0.0]], np.float32))
    np.testing.assert_array_equal(big, np.array([[1.0, 0.0, 0.0]], dtype=np.float32))


def test_top_k_renormalises_the_k_largest(defenses):
    hard = make(defenses, "top_k", k=2)
    assert hard.output_kind == "logits"
    out = hard.harden(LOGITS[:1])
    floor = math.log(1e-12)
    norm = math.log1p(math.exp(-1.0))
    np.testing.assert_allclose(out, [[floor, -norm, -1.0 - norm, floor]], rtol=1e-6)
    # ties go to the lower class index; k >= K keeps every class (plain log-softmax)
    np.testing.assert_array_equal(
        make(defenses, "top_k", k=1).harden(np.array([[2.0, 2.0, 2.0]], np.float32)),
        np.array([[0.0, floor, floor]], dtype=np.float32),
    )
    full = make(defenses, "top_k", k=9).harden(LOGITS)
    z = LOGITS.astype(np.float64)
    expected = (
        z
        - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
        - z.max(1, keepdims=True)
    )
    np.testing.assert_allclose(full, expected, rtol=1e-6)
    assert np.isfinite(hard.harden(np.array([[1e4, -1e4, 0.0]], np.float32))).all()


def test_temperature_divides_logits(defenses):
    hard = make(defenses, "temperature", temperature=2.0)
    assert hard.output_kind == "logits"
    np.testing.assert_array_equal(hard.harden(LOGITS), LOGITS / 2.0)


def test_gaussian_noise_is_seeded_and_follows_call_order(defenses):
    first = make(defenses, "gaussian_noise", sigma=0.5, seed=3)
    rng = np.random.default_rng(3)
    a = first.harden(LOGITS)
    b = first.harden(LOGITS)
    np.testing.assert_allclose(a, LOGITS + rng.normal(0.0, 0.5, LOGITS.shape), rtol=1e-6)
    np.testing.assert_allclose(b, LOGITS + rng.normal(0.0, 0.5, LOGITS.shape), rtol=1e-6)
    assert not np.array_equal(a, b)
    again = make(defenses, "gaussian_noise", sigma=0.5, seed=3)
    np.testing.assert_array_equal(again.harden(LOGITS), a)
    np.testing.assert_array_equal(
        make(defenses, "gaussian_noise", sigma=0.0).harden(LOGITS), LOGITS
    )


def test_harden_refuses_non_matrix(defenses):
    with pytest.raises(TargetError) as info:
        make(defenses, "top_k", k=1).harden(np.zeros(3, np.float32))
    assert str(info.value) == "defense 'top_k': expected logits of shape [n, K], got shape (3,)"
