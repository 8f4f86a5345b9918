import numpy as np
import pytest
import torch
from scipy import stats

from advai import interpolate, sample_prior
from advai.latent.interpolation import uniform_mix_cdf

FIXED = [("linear", None), ("spherical", None), ("ot", "uniform"), ("ot", "gaussian")]


def codes(prior, n=256, d=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    p = "gaussian" if prior is None else prior
    return sample_prior(p, n, d, generator=g), sample_prior(p, n, d, generator=g)


@pytest.mark.parametrize("method,prior", FIXED)
def test_endpoints_exact(method, prior):
    z1, z2 = codes(prior)
    assert torch.equal(interpolate(z1, z2, 0.0, method=method, prior=prior), z1)
    assert torch.equal(interpolate(z1, z2, 1.0, method=method, prior=prior), z2)


@pytest.mark.parametrize("method,prior", FIXED)
def test_symmetry(method, prior):
    z1, z2 = codes(prior)
    a = torch.rand(256, generator=torch.Generator().manual_seed(1))
    f = interpolate(z1, z2, a, method=method, prior=prior)
    g = interpolate(z2, z1, 1 - a, method=method, prior=prior)
    assert torch.allclose(f, g, atol=1e-5)


def test_linear_closed_form_and_broadcasting():
    z1, z2 = codes(None, n=4, d=3)
    a_sample = torch.tensor([0.1, 0.2, 0.3, 0.4])
    expect = (1 - a_sample[:, None]) * z1 + a_sample[:, None] * z2
    assert torch.allclose(interpolate(z1, z2, a_sample), expect)
    a_coord = torch.rand(4, 3)
    assert torch.allclose(interpolate(z1, z2, a_coord), (1 - a_coord) * z1 + a_coord * z2)
    path = interpolate(z1[0], z2[0], torch.linspace(0, 1, 7)[:, None])  # a path of 7 points
    assert path.shape == (7, 3)


def test_spherical_keeps_norm_on_sphere_and_is_stable():
    z1 = torch.tensor([[1.0, 0.0]])
    z2 = torch.tensor([[0.0, 1.0]])
    mid = interpolate(z1, z2, 0.5, method="spherical")
    assert torch.allclose(mid, torch.tensor([[2**-0.5, 2**-0.5]]), atol=1e-6)
    # parallel and antiparallel codes, and the zero code: finite, linear fallback
    for a, b in [([1.0, 1.0], [2.0, 2.0]), ([1.0, 0.0], [-1.0, 0.0]), ([0.0, 0.0], [1.0, 2.0]),
                 ([1.0, 0.0], [1.0, 1e-9])]:
        f = interpolate(torch.tensor([a]), torch.tensor([b]), 0.3, method="spherical")
        assert torch.isfinite(f).all()
        assert torch.allclose(f, 0.7 * torch.tensor([a]) + 0.3 * torch.tensor([b]), atol=1e-6)


def test_ot_gaussian_is_standard_normal():
    z1, z2 = codes("gaussian", n=50_000, d=2)
    for a in (0.2, 0.5):
        f = interpolate(z1, z2, a, method="ot", prior="gaussian").flatten().numpy()
        assert stats.kstest(f, "norm").pvalue > 0.01


def test_ot_uniform_is_uniform_and_monotone():
    z1, z2 = codes("uniform", n=50_000, d=2)
    for a in (0.1, 0.5, 0.8):
        f = interpolate(z1, z2, a, method="ot", prior="uniform").flatten().numpy()
        assert stats.kstest(f, stats.uniform(loc=-1, scale=2).cdf).pvalue > 0.01
    s = torch.linspace(0, 1, 101)
    for a in (0.0, 0.2, 0.5):
        F = uniform_mix_cdf(s, torch.tensor(a))
        assert F[0] == 0 and abs(float(F[-1]) - 1) < 1e-6 and (F.diff() >= 0).all()
    # alpha = 1/2: triangular law on [0, 1], F(s) = 2 s^2 on [0, 1/2]
    assert torch.allclose(uniform_mix_cdf(torch.tensor([0.25]), torch.tensor(0.5)), torch.tensor([0.125]))


def test_linear_midpoint_is_not_the_prior():
    z1, z2 = codes("gaussian", n=50_000, d=2)
    f = interpolate(z1, z2, 0.5).flatten().numpy()
    assert abs(f.var() - 0.5) < 0.02
    assert stats.kstest(f, "norm").pvalue < 1e-6


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(method="cubic"), "method='cubic'.*allowed values"),
        (dict(method="ot"), "needs prior="),
        (dict(method="ot", prior="ring"), "no closed form for prior='ring'.*uniform, gaussian"),
        (dict(method="ot", prior="cauchy"), "prior='cauchy'"),
        (dict(method="advai"), "needs model="),
    ],
)
def test_bad_method_or_prior(kwargs, match):
    z1, z2 = codes(None, n=4, d=2)
    with pytest.raises(ValueError, match=match):
        interpolate(z1, z2, 0.5, **kwargs)


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan"), [0.2, 1.01, 0.3, 0.4]])
def test_bad_alpha(alpha):
    z1, z2 = codes(None, n=4, d=2)
    with pytest.raises(ValueError, match="alpha"):
        interpolate(z1, z2, alpha)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_codes(bad):
    z1, z2 = codes(None, n=4, d=2)
    z1[1, 0] = bad
    with pytest.raises(ValueError, match="z1 contains NaN or inf"):
        interpolate(z1, z2, 0.5)
    with pytest.raises(ValueError, match="z2 contains NaN or inf"):
        interpolate(z2, z1, 0.5)


def test_shapes_that_do_not_broadcast():
    z1, z2 = codes(None, n=4, d=3)
    with pytest.raises(ValueError, match="same dimension d"):
        interpolate(z1, z2[:, :2], 0.5)
    with pytest.raises(ValueError, match="do not broadcast"):
        interpolate(z1, z2[:3], 0.5)
    with pytest.raises(ValueError, match="shapes do not broadcast"):
        interpolate(z1, z2, torch.rand(5, 3))


def test_accepts_numpy():
    z1, z2 = codes(None, n=4, d=3)
    f = interpolate(z1.numpy(), z2.numpy(), np.float64(0.25))
    assert torch.allclose(f, 0.75 * z1 + 0.25 * z2)
