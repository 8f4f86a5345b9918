import numpy as np
import pytest
import torch
from scipy import stats

from advai import sample_prior
from advai.evaluate import mismatch
from advai.latent import analytic


def test_energy_distance_identity_symmetry_and_1d_closed_form():
    x = sample_prior("gaussian", 500, 3, seed=0)
    y = sample_prior("gaussian", 400, 3, seed=1) + 0.5
    assert mismatch.energy_distance(x, x) == pytest.approx(0, abs=1e-12)
    assert mismatch.energy_distance(x, y) == pytest.approx(mismatch.energy_distance(y, x))
    assert mismatch.energy_distance(x, y) > 0
    # 1-D: both equal 2 * int (F - G)^2 for the empirical CDFs; scipy returns its square root
    a, b = x[:, 0].numpy(), y[:, 0].numpy()
    ours = mismatch.energy_distance(x[:, :1], y[:, :1])
    assert ours == pytest.approx(stats.energy_distance(a, b) ** 2, rel=1e-6)


def test_energy_distance_known_value_for_point_masses():
    x = torch.zeros(10, 2)
    y = torch.zeros(10, 2)
    y[:, 0] = 3.0
    assert mismatch.energy_distance(x, y) == pytest.approx(2 * 3.0)


def test_mmd_basic_properties():
    x = sample_prior("gaussian", 300, 2, seed=0)
    y = sample_prior("gaussian", 300, 2, seed=1)
    assert mismatch.mmd(x, x) == pytest.approx(0, abs=1e-12)
    assert mismatch.mmd(x, y + 2) > 10 * mismatch.mmd(x, y)
    # single bandwidth, two points: MMD^2 = 2 - 2 exp(-r^2 / (2 w^2)) with w = s sqrt(d)
    a, b = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 1.0]])
    w2 = (1.0 * 2**0.5) ** 2
    assert mismatch.mmd(a, b, bandwidths=(1.0,)) == pytest.approx(2 - 2 * np.exp(-2 / (2 * w2)))


def test_sliced_wasserstein_shift():
    x = sample_prior("gaussian", 2000, 2, seed=0)
    assert mismatch.sliced_wasserstein(x, x + torch.tensor([3.0, 0.0]), n_projections=500) > 1.0
    assert mismatch.sliced_wasserstein(x, x) == pytest.approx(0, abs=1e-9)


def test_noise_floor_shrinks_like_one_over_n():
    small = np.mean([mismatch.noise_floor("gaussian", 250, 2, seed=s) for s in range(6)])
    large = np.mean([mismatch.noise_floor("gaussian", 1000, 2, seed=s) for s in range(6)])
    assert 2.5 < small / large < 6  # 4 in expectation


@pytest.mark.parametrize("prior", ["uniform", "gaussian"])
@pytest.mark.parametrize("dim", [2, 64])
def test_acceptance_ot_on_floor_linear_far_above(prior, dim):
    """The foundation's acceptance criterion at a size that runs fast (n = 1500, 4 seeds)."""
    ot = mismatch.summarize(prior, "ot", dim, n=1500, seeds=range(4), n_permutations=100)
    lin = mismatch.summarize(prior, "linear", dim, n=1500, seeds=range(4), n_permutations=100)
    assert ot["energy_ratio"] <= 1.5
    assert lin["energy_ratio"] >= 10
    assert ot["pass_rate"] >= 0.75 and lin["pass_rate"] == 0.0


def test_permutation_test_calibration():
    x, y = sample_prior("gaussian", 300, 2, seed=0), sample_prior("gaussian", 300, 2, seed=1)
    assert mismatch.permutation_test(x, y, 200) > 0.05
    assert mismatch.permutation_test(x, y * 1.6, 200) < 0.01
    assert mismatch.permutation_test(x, y * 1.6, 200) == pytest.approx(1 / 201)  # nothing beats the observed split


def test_mismatch_curve_zero_at_endpoints_and_peak_in_middle():
    curve = mismatch.curve("gaussian", "linear", [0.0, 0.25, 0.5, 0.75, 1.0], n=800, dim=4)
    floor = mismatch.noise_floor("gaussian", 800, 4)
    assert curve[0] < 2 * floor and curve[-1] < 2 * floor
    assert curve[2] == curve.max()


def test_metric_errors():
    x = torch.zeros(5, 2)
    with pytest.raises(ValueError, match="same d"):
        mismatch.energy_distance(x, torch.zeros(5, 3))
    with pytest.raises(ValueError, match="contains NaN"):
        mismatch.mmd(x, torch.full((5, 2), float("nan")))
    with pytest.raises(ValueError, match="metric='w1'"):
        mismatch.metric_fn("w1")
    with pytest.raises(ValueError, match="n must be a positive integer"):
        mismatch.at_alpha("gaussian", "linear", n=0, dim=2)


def test_analytic_gaussian_norms_match_sampling():
    for d in (2, 32, 512):
        z1, z2 = sample_prior("gaussian", 4000, d, seed=0), sample_prior("gaussian", 4000, d, seed=1)
        mid = ((z1 + z2) / 2).norm(dim=1).mean()
        assert float(mid) == pytest.approx(analytic.gaussian_norm_mean(d, 0.5), rel=0.02)
        assert float(z1.norm(dim=1).mean()) == pytest.approx(analytic.gaussian_norm_mean(d), rel=0.02)
    assert analytic.gaussian_norm_mean(512, 0.5) == pytest.approx(16.0, rel=1e-3)  # ~ sqrt(d/2)


def test_analytic_uniform_midpoint_is_triangular():
    y = np.linspace(-1, 1, 9)
    assert np.allclose(analytic.uniform_mix_pdf(y, 0.5), 1 - np.abs(y))
    grid = np.linspace(-1, 1, 20001)
    for a in (0.0, 0.2, 0.5, 0.9):
        assert np.trapezoid(analytic.uniform_mix_pdf(grid, a), grid) == pytest.approx(1, abs=1e-3)
    z = (sample_prior("uniform", 100_000, 1, seed=0) + sample_prior("uniform", 100_000, 1, seed=1)) / 2
    hist, edges = np.histogram(z.numpy(), bins=20, range=(-1, 1), density=True)
    assert np.allclose(hist, analytic.uniform_mix_pdf((edges[1:] + edges[:-1]) / 2, 0.5), atol=0.03)
