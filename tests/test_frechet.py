"""Fréchet distance: closed forms for Gaussians, symmetry, zero on identical samples, errors."""
import numpy as np
import pytest

from advai.evaluate.frechet import frechet_distance, frechet_from_moments


def test_closed_form_for_shifted_and_scaled_gaussians():
    k = 3
    # d^2(N(0, I), N(m, s^2 I)) = |m|^2 + k (1 - s)^2
    m, s = np.array([1.0, -2.0, 0.5]), 3.0
    assert frechet_from_moments(np.zeros(k), np.eye(k), m, s**2 * np.eye(k)) == pytest.approx(m @ m + k * (1 - s) ** 2)


def test_sample_estimate_converges_and_is_symmetric():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    b = 2 * rng.normal(size=(20000, 4)) + 1
    d = frechet_distance(a, b)
    assert d == pytest.approx(4 * 1 + 4 * (1 - 2) ** 2, rel=0.03)
    assert frechet_distance(b, a) == pytest.approx(d, rel=1e-9)
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-8)


def test_bad_features_raise():
    with pytest.raises(ValueError, match="dimensions differ"):
        frechet_distance(np.zeros((5, 2)) + np.arange(5)[:, None], np.ones((5, 3)) * np.arange(5)[:, None])
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.full((5, 2), np.nan), np.ones((5, 2)))
    with pytest.raises(ValueError, match="n >= 2"):
        frechet_distance(np.ones((1, 2)), np.ones((5, 2)))
