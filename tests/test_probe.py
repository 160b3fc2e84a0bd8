"""The probe's weights file: saved and loaded exactly, applied as a linear map, matched to its model."""

from __future__ import annotations

from importlib import resources

import numpy as np

from unspin.probe import SCALARS, SHIPPED, Probe, features, shipped_probe


def test_a_probe_survives_saving_and_loading(tmp_path):
    rng = np.random.default_rng(3)
    probe = Probe("some model", 4, 2, rng.standard_normal(2 * 4 + len(SCALARS)).astype(np.float32), -1.25)
    probe.save(tmp_path / "p.npz")
    again = Probe.load(tmp_path / "p.npz")
    assert (again.model, again.dim, again.layer, again.bias) == ("some model", 4, 2, -1.25)
    np.testing.assert_array_equal(again.weights, probe.weights)
    x = rng.standard_normal((5, len(probe.weights))).astype(np.float32)
    np.testing.assert_allclose(again.logits(x), x @ probe.weights - 1.25, rtol=1e-6)


def test_features_are_the_two_states_then_the_scalars():
    word, following = np.ones((2, 3)), np.full((2, 3), 2.0)
    scalars = np.arange(2 * len(SCALARS), dtype=np.float32).reshape(2, -1)
    x = features(word, following, scalars)
    assert x.shape == (2, 6 + len(SCALARS)) and x.dtype == np.float32
    assert x[1].tolist() == [1, 1, 1, 2, 2, 2, *scalars[1].tolist()]


def test_the_shipped_probe_is_for_smollm2_and_no_other_model():
    path = resources.files("unspin") / "data" / SHIPPED
    with resources.as_file(path) as p:
        probe = Probe.load(p)
    assert probe.weights.shape == (2 * probe.dim + len(SCALARS),)
    assert np.isfinite(probe.weights).all() and np.isfinite(probe.bias)
    assert "smollm2" in probe.model.lower()
    found = shipped_probe(probe.model, probe.dim)
    assert found is not None
    np.testing.assert_array_equal(found.weights, probe.weights)
    assert shipped_probe("another model", probe.dim) is None
    assert shipped_probe(probe.model, probe.dim + 1) is None


def test_a_probes_name_tells_one_fit_from_another():
    weights = np.arange(6, dtype=np.float32)
    probe = Probe("m", 2, 0, weights, 0.5)
    assert probe.name == Probe("m", 2, 0, weights.copy(), 0.5).name
    assert probe.name != Probe("m", 2, 0, weights, 0.25).name
    assert probe.name != Probe("m", 2, 0, weights[::-1].copy(), 0.5).name
