"""The public helpers for plugin authors in mia_platform.testing."""

from __future__ import annotations

import numpy as np

from mia_platform import FeatureSpec, hookimpl
from mia_platform.manager import make_plugin_manager
from mia_platform.testing import FakeTarget, registered


def test_fake_target_is_deterministic_and_boosts_memorised_texts():
    plain = FakeTarget(["a", "b", "c"])
    fitted = FakeTarget(["a", "b", "c"], memorised={"seen": 2}, boost=4.0)
    texts = ["seen", "unseen"]
    base, boosted = plain.predict_logits(texts), fitted.predict_logits(texts)
    assert base.shape == (2, 3) and base.dtype == np.float32
    np.testing.assert_array_equal(base, plain.predict_logits(texts))
    np.testing.assert_allclose(boosted[0] - base[0], [0.0, 0.0, 4.0])
    np.testing.assert_array_equal(boosted[1], base[1])
    assert plain.fingerprint != fitted.fingerprint
    assert plain.calls == 2


class TopLogit:
    @hookimpl
    def mia_feature_extractors(self):
        return [FeatureSpec(name="top_logit", compute=lambda z, y: z.max(axis=1))]


def test_registered_adds_and_removes_a_plugin(mia_pm):
    assert "top_logit" not in mia_pm.features()
    with registered(mia_pm, TopLogit(), "top-logit-test"):
        spec = mia_pm.features()["top_logit"]
        assert spec.plugin == "top-logit-test"
        assert spec.compute(np.array([[1.0, 3.0]]), np.array([0]))[0] == 3.0
    assert "top_logit" not in mia_pm.features()
    assert make_plugin_manager().get_plugin("top-logit-test") is None
