"""Combinations of k codes (issue 54, deliverable 4): ``advai.combine``'s closed forms, its two-code
case against ``interpolate``, endpoints, symmetry, exactness on known distributions, refusals."""
import itertools
import math

import pytest
import torch
from scipy import stats

from advai import combine, fit_flow, interpolate, sample_prior
from advai.latent.combination import weighted_uniform_cdf


def codes(prior, k, n, d, seed=0):
    return sample_prior(prior, k * n, d, seed=seed).reshape(k, n, d)


def test_the_weighted_uniform_cdf_matches_irwin_hall_and_a_direct_count():
    for m in (1, 2, 3, 5, 16):  # equal weights: the Irwin-Hall law of m uniforms, scaled by 1/m
        s = torch.linspace(0, 1, 41, dtype=torch.float64)
        irwin_hall = sum((-1) ** j * math.comb(m, j) * (s * m - j).clamp_min(0) ** m for j in range(m + 1)) / math.factorial(m)
        assert torch.allclose(weighted_uniform_cdf(s, torch.full((m,), 1.0 / m)), irwin_hall.clamp(0, 1), atol=1e-9)
    a = torch.tensor([0.3, 1.2, 0.05, 2.0])
    v = torch.rand(400_000, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    total = (v * a.double()).sum(1)
    grid = torch.linspace(0, float(a.sum()), 25, dtype=torch.float64)
    counted = (total[None] <= grid[:, None]).double().mean(1)
    assert (weighted_uniform_cdf(grid, a) - counted).abs().max() < 3e-3  # 4.4 standard errors at n = 400,000


@pytest.mark.parametrize("prior, method", [("gaussian", "ot"), ("uniform", "ot"), ("gaussian", "linear")])
def test_the_two_code_case_is_interpolate(prior, method):
    z1, z2 = sample_prior(prior, 500, 3, seed=1), sample_prior(prior, 500, 3, seed=2)
    for a in (0.0, 0.1, 0.5, 0.77, 1.0):
        got = combine(torch.stack([z1, z2]), [1 - a, a], method=method, prior=prior)
        assert torch.allclose(got, interpolate(z1, z2, a, method=method, prior=prior), atol=1e-6)


@pytest.mark.parametrize("method, prior", [("linear", None), ("ot", "gaussian"), ("ot", "uniform")])
def test_a_one_hot_weight_returns_its_code_exactly_and_order_does_not_matter(method, prior):
    z = codes(prior or "gaussian", 4, 300, 5)
    for j in range(4):
        w = torch.zeros(4)
        w[j] = 1
        assert torch.equal(combine(z, w, method=method, prior=prior), z[j])
    w = torch.tensor([0.1, -0.4, 0.25, 0.7])
    base = combine(z, w, method=method, prior=prior)
    for perm in itertools.islice(itertools.permutations(range(4)), 1, 6):
        assert torch.allclose(combine(z[list(perm)], w[list(perm)], method=method, prior=prior), base, atol=1e-6)


def test_the_gaussian_closed_form_is_the_normalised_weighted_sum():
    z, w = codes("gaussian", 3, 200, 4), torch.tensor([0.2, -1.0, 0.5])
    assert torch.allclose(combine(z, w, method="ot", prior="gaussian"), torch.einsum("k,knd->nd", w / w.norm(), z),
                          atol=1e-6)


@pytest.mark.parametrize("k", [2, 4, 8, 16])
def test_centroids_keep_the_prior_where_the_linear_one_shrinks(k):
    n = 20_000
    zu, zg = codes("uniform", k, n, 1, seed=k), codes("gaussian", k, n, 1, seed=k)
    assert stats.kstest(combine(zu, method="ot", prior="uniform")[:, 0].numpy(), "uniform", args=(-1, 2)).pvalue > 1e-3
    assert stats.kstest(combine(zg, method="ot", prior="gaussian")[:, 0].numpy(), "norm").pvalue > 1e-3
    inside = combine(zu, method="ot", prior="uniform")
    assert inside.min() >= -1 and inside.max() <= 1  # never outside the box
    assert combine(zg).std() == pytest.approx(1 / math.sqrt(k), rel=0.05)  # LineIntp's centroid: variance 1/k


def test_uniform_combinations_with_negative_weights_stay_uniform():
    w = torch.tensor([0.3, -1.2, 0.05, 2.0, 0.7])
    f = combine(codes("uniform", 5, 30_000, 1, seed=9), w, method="ot", prior="uniform")
    assert stats.kstest(f[:, 0].numpy(), "uniform", args=(-1, 2)).pvalue > 1e-3


def test_the_flow_combination_is_the_flow_interpolator_for_two_codes():
    fl = fit_flow("ring", steps=30, seed=0, transforms=1, bins=4, hidden=8, layers=1, batch_size=64,
                  n_standardize=512, progress=False)
    z1, z2 = sample_prior("ring", 200, seed=1), sample_prior("ring", 200, seed=2)
    got = combine(torch.stack([z1, z2]), [0.7, 0.3], method="flow", model=fl)
    assert torch.allclose(got, fl(z1, z2, 0.3), atol=1e-5)
    assert torch.equal(combine(torch.stack([z1, z2]), [0.0, 1.0], method="flow", model=fl), z2)
    assert combine([z1, z2, z1, z2], method="flow", model=fl).shape == (200, 2)


@pytest.mark.parametrize("kwargs, message", [
    (dict(weights=[0.0, 0.0, 0.0]), "weights are all zero"),
    (dict(weights=[1.0, float("nan"), 0.0]), "weights must be finite"),
    (dict(weights=[1.0, float("inf"), 0.0]), "weights must be finite"),
    (dict(weights=[0.5, 0.5]), r"one number per code: a 1-D tensor of length 3"),
    (dict(weights=[[0.5, 0.2, 0.3]]), r"a 1-D tensor of length 3, got shape \(1, 3\)"),
    (dict(method="spherical"), r"method='spherical' is not supported"),
    (dict(method="ot", prior="ring"), r"method='ot' needs prior= with a closed form"),
    (dict(method="ot"), r"method='ot' needs prior="),
    (dict(method="flow"), r"method='flow' needs model="),
])
def test_bad_weights_and_methods_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        combine(codes("gaussian", 3, 10, 2), **kwargs)


def test_bad_codes_are_refused_by_name():
    with pytest.raises(ValueError, match="codes must all have one shape"):
        combine([torch.zeros(4, 2), torch.zeros(4, 3)])
    with pytest.raises(ValueError, match="codes contains NaN or inf"):
        combine(torch.full((2, 4, 2), float("nan")))
    with pytest.raises(ValueError, match="codes is empty"):
        combine([])
    with pytest.raises(ValueError, match=r"codes must be \[k, ..., d\]"):
        combine(torch.zeros(3))
    with pytest.raises(ValueError, match="more than 4096 terms"):
        combine(codes("uniform", 13, 2, 1), torch.linspace(0.1, 1.3, 13) + torch.rand(13) * 1e-3, method="ot",
                prior="uniform")
