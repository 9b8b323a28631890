"""Plugin discovery through real entry points of fake installed distributions."""

from __future__ import annotations

import warnings

import pytest

from mia_platform.errors import ComponentConflictError, PluginLoadError
from mia_platform.manager import make_plugin_manager

GOOD = """
from mia_platform import FeatureSpec, hookimpl

@hookimpl
def mia_feature_extractors():
    return [FeatureSpec(name="top_logit_{tag}", compute=lambda z, y: z.max(axis=1))]
"""


def load(**kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pm = make_plugin_manager(**kwargs)
    return pm, [str(w.message) for w in caught]


def record(pm, name):
    return next(r for r in pm.records if r.name == name)


def test_good_third_party_plugin_loads_and_registers(fake_dist):
    fake_dist("mia-good", {"good": "mia_good_mod"}, {"mia_good_mod": GOOD.format(tag="a")})
    pm, _ = load()
    rec = record(pm, "good")
    assert (rec.status, rec.builtin, rec.package, rec.version) == (
        "loaded",
        False,
        "mia-good",
        "1.0",
    )
    assert rec.hooks == ["mia_feature_extractors"]
    assert rec.provides == {"feature": ["top_logit_a"]}
    assert pm.features()["top_logit_a"].plugin == "good"


def test_broken_plugin_is_isolated(fake_dist):
    fake_dist(
        "mia-broken", {"broken": "mia_broken_mod"}, {"mia_broken_mod": "import nonexistent_xyz\n"}
    )
    fake_dist("mia-good", {"good": "mia_good_mod2"}, {"mia_good_mod2": GOOD.format(tag="b")})
    pm, messages = load()
    rec = record(pm, "broken")
    assert rec.status == "failed"
    assert rec.error == "ModuleNotFoundError: No module named 'nonexistent_xyz'"
    assert record(pm, "good").status == "loaded"
    assert "top_logit_b" in pm.features()
    assert any("plugin 'broken' (mia-broken 1.0) failed" in m for m in messages)
    assert all(r.status == "loaded" for r in pm.records if r.builtin)


def test_strict_mode_makes_a_failure_fatal(fake_dist, monkeypatch):
    fake_dist(
        "mia-broken",
        {"broken": "mia_broken_mod3"},
        {"mia_broken_mod3": "raise RuntimeError('boom')\n"},
    )
    monkeypatch.setenv("MIA_STRICT_PLUGINS", "1")
    with pytest.raises(
        PluginLoadError, match=r"plugin 'broken' \(mia-broken 1.0\) failed: RuntimeError: boom"
    ):
        make_plugin_manager()


def test_misspelt_hook_is_caught(fake_dist):
    source = """
from mia_platform import hookimpl

@hookimpl
def mia_feature_extractor():
    return []
"""
    fake_dist("mia-typo", {"typo": "mia_typo_mod"}, {"mia_typo_mod": source})
    pm, _ = load()
    rec = record(pm, "typo")
    assert rec.status == "failed"
    assert rec.error.startswith("unknown hook mia_feature_extractor (known hooks: ")
    assert pm.get_plugin("typo") is None


def test_signature_mismatch_is_caught(fake_dist):
    source = """
from mia_platform import hookimpl

@hookimpl
def mia_claim_target(uri, extra):
    return None
"""
    fake_dist("mia-sig", {"sig": "mia_sig_mod"}, {"mia_sig_mod": source})
    pm, _ = load()
    rec = record(pm, "sig")
    assert rec.status == "failed"
    assert "PluginValidationError" in rec.error and "extra" in rec.error


def test_bad_registration_return_value_is_blamed_on_the_plugin(fake_dist):
    source = """
from mia_platform import hookimpl

@hookimpl
def mia_feature_extractors():
    return ["not a spec"]
"""
    fake_dist("mia-badret", {"badret": "mia_badret_mod"}, {"mia_badret_mod": source})
    pm, _ = load()
    rec = record(pm, "badret")
    assert rec.status == "failed"
    assert (
        rec.error == "mia_feature_extractors: TypeError: returned str, expected FeatureSpec records"
    )


def test_blocked_plugin_is_not_imported(fake_dist, monkeypatch):
    fake_dist(
        "mia-blk", {"blk": "mia_blk_mod"}, {"mia_blk_mod": "raise RuntimeError('imported')\n"}
    )
    monkeypatch.setenv("MIA_DISABLE_PLUGINS", "blk")
    pm, messages = load()
    assert record(pm, "blk").status == "blocked"
    assert messages == []
    pm2, _ = load(blocked=["blk"])
    assert record(pm2, "blk").status == "blocked"


def test_load_plugins_env_limits_third_party(fake_dist, monkeypatch):
    fake_dist("mia-good", {"good": "mia_good_mod4"}, {"mia_good_mod4": GOOD.format(tag="c")})
    monkeypatch.setenv("MIA_LOAD_PLUGINS", "")
    pm, _ = load()
    assert record(pm, "good").status == "blocked"
    assert "top_logit_c" not in pm.features()


def test_two_distributions_claiming_one_entry_point_name(fake_dist):
    fake_dist("mia-aaa", {"same": "mia_same_a"}, {"mia_same_a": GOOD.format(tag="d")})
    fake_dist("mia-bbb", {"same": "mia_same_b"}, {"mia_same_b": GOOD.format(tag="e")})
    pm, messages = load()
    records = [r for r in pm.records if r.name == "same"]
    assert [(r.package, r.status) for r in records] == [
        ("mia-aaa", "loaded"),
        ("mia-bbb", "failed"),
    ]
    assert records[1].error == (
        "entry point name 'same' is also claimed by mia-aaa 1.0; only the first was loaded: "
        "uninstall one of them"
    )
    assert any("mia-bbb" in m for m in messages)


def test_component_name_clash_names_both_plugins(fake_dist):
    fake_dist("mia-c1", {"c1": "mia_c1_mod"}, {"mia_c1_mod": GOOD.format(tag="x")})
    fake_dist("mia-c2", {"c2": "mia_c2_mod"}, {"mia_c2_mod": GOOD.format(tag="x")})
    pm, _ = load()
    with pytest.raises(ComponentConflictError) as info:
        pm.features()
    assert str(info.value) == (
        "feature 'top_logit_x' is registered by plugins 'c1' and 'c2': disable one with "
        "--disable-plugin NAME or MIA_DISABLE_PLUGINS"
    )
    assert pm.conflicts() == ["feature 'top_logit_x' is registered by plugins 'c1' and 'c2'"]


def test_fresh_manager_each_time():
    a, b = make_plugin_manager(), make_plugin_manager()
    assert a is not b
    assert make_plugin_manager(load_entrypoints=False).records == []
