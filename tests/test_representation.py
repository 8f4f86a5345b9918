import numpy as np
import pytest

from advai.evaluate.representation import clustering_accuracy, linear_probe_accuracy, matched_accuracy


def blobs(n_per=60, k=4, d=5, sep=6.0, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * sep
    y = np.repeat(np.arange(k), n_per)
    return centres[y] + rng.normal(size=(len(y), d)), y


def test_matched_accuracy_is_permutation_invariant():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert matched_accuracy(np.array([2, 2, 0, 0, 1, 1]), y) == 1.0
    assert matched_accuracy(np.array([5, 5, 5, 7, 7, 9]), y) == pytest.approx(4 / 6)  # 5->0, 7->1, 9->2
    assert matched_accuracy(np.zeros(6), y) == pytest.approx(1 / 3)


def test_clustering_accuracy_on_separated_and_random_codes():
    x, y = blobs()
    assert clustering_accuracy(x, y) == 1.0
    rng = np.random.default_rng(1)
    noise = rng.normal(size=x.shape)
    assert clustering_accuracy(noise, y) < 0.6  # chance is 1/4, K-means on noise a bit above


def test_linear_probe():
    x, y = blobs(sep=3.0)
    idx = np.random.default_rng(0).permutation(len(y))
    tr, te = idx[:160], idx[160:]
    assert linear_probe_accuracy(x[tr], y[tr], x[te], y[te]) > 0.95
    rng = np.random.default_rng(2)
    z = rng.normal(size=x.shape)
    assert linear_probe_accuracy(z[tr], y[tr], z[te], y[te]) < 0.55


def test_errors():
    x, y = blobs()
    with pytest.raises(ValueError, match="labels has 3 labels for 240 codes"):
        clustering_accuracy(x, y[:3])
    with pytest.raises(ValueError, match="differ in dimension"):
        linear_probe_accuracy(x, y, x[:, :2], y)
    with pytest.raises(ValueError, match=r"codes must be \[n, d\]"):
        clustering_accuracy(x[:, 0], y)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clustering_accuracy(bad, y)
