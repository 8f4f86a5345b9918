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
    """The foundation's acceptance criterion at a size that runs fast (n = 1500, 4 seeds; energy
    only: the MMD, tested on its own above, was 3/4 of the time)."""
    ot = mismatch.summarize(prior, "ot", dim, n=1500, seeds=range(4), n_permutations=100, with_mmd=False)
    lin = mismatch.summarize(prior, "linear", dim, n=1500, seeds=range(4), n_permutations=100, with_mmd=False)
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
    floor = mismatch.noise_floor("gaussian", 800, 4, draws=5)  # one draw scatters too much to bound by
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


def _energy_normals_1d(mu):
    """Population energy distance between N(0, 1) and N(mu, 1) in 1-D:
    2 E|X - Y| - E|X - X'| - E|Y - Y'| with X - Y ~ N(-mu, 2) and X - X' ~ N(0, 2), where
    E|N(m, s^2)| = s sqrt(2/pi) exp(-m^2 / (2 s^2)) + m (1 - 2 Phi(-m / s))."""
    s = np.sqrt(2.0)
    folded = s * np.sqrt(2 / np.pi) * np.exp(-mu**2 / (2 * s**2)) + mu * (1 - 2 * stats.norm.cdf(-mu / s))
    return 2 * folded - 2 * s * np.sqrt(2 / np.pi)


def test_unbiased_energy_distance_has_the_population_value_as_its_mean_at_any_n():
    for mu in (0.0, 0.5):
        for n in (40, 400):
            draws = [mismatch.energy_distance_unbiased(torch.randn(n, 1, generator=g),
                                                       torch.randn(n, 1, generator=g) + mu)
                     for g in (torch.Generator().manual_seed(s) for s in range(60))]
            se = np.std(draws, ddof=1) / np.sqrt(len(draws))
            assert abs(np.mean(draws) - _energy_normals_1d(mu)) < 4 * se
    # the V-statistic of the same draws is biased upwards by about E|X - X'| / n
    g = torch.Generator().manual_seed(0)
    v = np.mean([mismatch.energy_distance(torch.randn(40, 1, generator=g), torch.randn(40, 1, generator=g))
                 for _ in range(60)])
    assert v > 0.5 * (2 / np.sqrt(np.pi)) * 2 / 40


def test_unbiased_energy_distance_closed_form_symmetry_and_errors():
    x, y = torch.zeros(10, 2), torch.zeros(7, 2)
    y[:, 0] = 3.0
    assert mismatch.energy_distance_unbiased(x, y) == pytest.approx(6.0)  # no within-sample spread
    a, b = sample_prior("uniform", 30, 3, seed=0), sample_prior("uniform", 20, 3, seed=1)
    assert mismatch.energy_distance_unbiased(a, b) == pytest.approx(mismatch.energy_distance_unbiased(b, a))
    # V = U + (within-sample means) / n: U is V with the zero diagonals left out of the counts
    n, m = len(a), len(b)
    xx, yy = torch.cdist(a.double(), a.double()).sum(), torch.cdist(b.double(), b.double()).sum()
    expected = mismatch.energy_distance(a, b) + float(xx / n**2 - xx / (n * (n - 1)) + yy / m**2 - yy / (m * (m - 1)))
    assert mismatch.energy_distance_unbiased(a, b) == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="at least 2 points a side, got 1 and 7"):
        mismatch.energy_distance_unbiased(x[:1], y)


def test_share_left_is_one_for_lineintp_near_zero_for_an_exact_method_and_rejects_a_zero_baseline():
    lin = mismatch.summarize("gaussian", "linear", 2, n=1500, seeds=range(5), n_permutations=0, with_mmd=False)
    ot = mismatch.summarize("gaussian", "ot", 2, n=1500, seeds=range(5), n_permutations=0, with_mmd=False)
    assert mismatch.share_left(lin["energy_u"], lin["energy_u"]) == 1.0
    share = mismatch.share_left(ot["energy_u"], lin["energy_u"])
    assert abs(share) < 0.05 and abs(ot["energy_u"]) < 3 * ot["energy_u_std"]  # 0 within its spread
    with pytest.raises(ValueError, match="must be > 0"):
        mismatch.share_left(0.1, 0.0)


def test_share_left_draws_are_summarizes_draws_and_read_one_for_lineintp_zero_for_an_exact_method():
    e = mismatch.share_left_draws("gaussian", "ot", 2, n=600, seeds=range(3, 9))
    assert e.shape == (6, 2)
    s = mismatch.summarize("gaussian", "ot", 2, n=600, seeds=range(3, 6), n_permutations=0, with_mmd=False)
    lin = mismatch.summarize("gaussian", "linear", 2, n=600, seeds=range(3, 6), n_permutations=0, with_mmd=False)
    assert e[:3, 0].mean() == pytest.approx(s["energy_u"], rel=1e-9)  # the same draws on common seeds
    assert e[:3, 1].mean() == pytest.approx(lin["energy_u"], rel=1e-9)
    assert abs(e[:, 0].mean() / e[:, 1].mean()) < 0.05  # OT-matched: exact, share ~ 0
    both = mismatch.share_left_draws("uniform", "linear", 2, n=300, seeds=range(2))
    np.testing.assert_array_equal(both[:, 0], both[:, 1])  # LineIntp against itself: share 1
    assert (both > 0).all()
    with pytest.raises(ValueError, match="n must be"):
        mismatch.share_left_draws("uniform", "linear", 2, n=0)
    share, se = mismatch.share_left_with_se(np.array([[1.0, 10.0], [3.0, 30.0]]))
    assert share == pytest.approx(0.1) and se == pytest.approx(np.std([1.0, 3.0], ddof=1) / 20 / np.sqrt(2))
    with pytest.raises(ValueError, match="k >= 2"):
        mismatch.share_left_with_se(e[:1])


def test_off_support_mass_is_zero_on_the_prior_and_counts_known_points():
    for name, dim in [("uniform", 5), ("gaussian", 3), ("ring", 2), ("nine_discs", 2), ("surface", 3),
                      ("two_discs", 2), ("two_rings", 2)]:
        assert mismatch.off_support_mass(name, sample_prior(name, 2000, dim, seed=0)) == 0.0
    gap, edge = torch.tensor([[1.5, 1.5], [1.5, 0.0]]), torch.tensor([[0.0, 0.0], [1.2, 0.0], [0.8, 0.0]])
    assert torch.allclose(mismatch.get_prior("nine_discs").distance_to_support(gap),
                          torch.tensor([2**0.5 * 1.5 - 1, 0.5]))
    assert torch.allclose(mismatch.get_prior("ring").distance_to_support(edge), torch.tensor([0.6, 0.2, 0.0]))
    assert mismatch.off_support_mass("ring", edge) == pytest.approx(2 / 3)
    assert mismatch.off_support_mass("ring", edge, tol=0.3) == pytest.approx(1 / 3)
    assert mismatch.off_support_mass("uniform", torch.tensor([[2.0, 0.5], [0.0, -1.0]])) == 0.5
    assert mismatch.off_support_mass("gaussian", torch.full((4, 2), 1e3)) == 0.0  # full support
    lifted = torch.tensor([[0.0, 0.0, 0.3], [0.5, 0.5, float(np.sin(-0.25)) + 0.01]])
    assert mismatch.off_support_mass("surface", lifted) == 0.5  # 0.3 above it; 0.01 within 0.05
    # LineIntp midpoints of the nine discs: pairs of different discs land between them
    g = torch.Generator().manual_seed(0)
    mid = mismatch.interpolant_sample("nine_discs", 4000, None, 0.5, "linear", g)
    assert mismatch.off_support_mass("nine_discs", mid) > 0.3
    with pytest.raises(ValueError, match="tol must be >= 0"):
        mismatch.off_support_mass("ring", edge, tol=-1)
    with pytest.raises(ValueError, match="defined only for dim=2"):
        mismatch.off_support_mass("ring", torch.zeros(3, 3))


def test_floors_average_draws_and_curves_draw_afresh_per_alpha():
    one = [mismatch.noise_floor("gaussian", 100, 2, seed=s) for s in range(40)]
    five = [mismatch.noise_floor("gaussian", 100, 2, seed=s, draws=5) for s in range(40)]
    assert np.std(five) < 0.75 * np.std(one)  # 1/sqrt(5) = 0.45 of the spread in expectation
    assert np.mean(five) == pytest.approx(np.mean(one), rel=0.2)  # same expectation
    c = mismatch.curve("gaussian", "linear", [0.5, 0.5], n=300, dim=2, seed=0)
    assert c[0] != c[1]  # independent draws at equal alphas
    assert c[1] == mismatch.at_alpha("gaussian", "linear", 0.5, 300, 2, seed=mismatch.alpha_seed(0, 1))
    assert mismatch.alpha_seed(0, 1) != mismatch.alpha_seed(1, 0)


def test_off_support_curve_is_zero_at_the_endpoints_and_largest_near_the_middle_for_linear():
    alphas = [0.0, 0.1, 0.5, 0.9, 1.0]
    c = mismatch.off_support_curve("nine_discs", "linear", alphas, n=3000, seed=0)
    assert c[0] == 0.0 and c[-1] == 0.0  # the endpoints are prior samples
    assert c[2] > max(c[1], c[3]) > 0  # midpoints leave the discs most often
    assert c[1] == pytest.approx(c[3], abs=0.03)  # alpha and 1 - alpha mirror each other


def test_report_and_along_training_on_a_quick_fit():
    import advai
    it = advai.fit_advai("ring", 2, mode="joint", steps=40, seed=0, hidden=16, layers=2, batch_size=64,
                         progress=False, snapshot_every=20)
    r = mismatch.report("ring", "linear", n=300, n_small=100, seeds=range(2), alphas=(0.25, 0.5), n_alpha=200,
                        n_permutations=20)
    assert r["pass_rate"] == 0.0 and r["pass_rate_small"] <= 0.5  # LineIntp leaves the ring
    assert r["off_support_avg"] > 0.05 and r["energy_u"] > 0 and r["n_small"] == 100
    rows = mismatch.along_training("ring", it, n=300)
    assert [row["step"] for row in rows] == [0, 20, 40]
    assert all(0 <= row["off_support"] <= 1 and np.isfinite(row["share_left"]) for row in rows)


def test_far_off_support_counts_only_codes_beyond_the_distance():
    kw = dict(n=400, seeds=range(2), n_permutations=0, with_mmd=False)
    at_zero = mismatch.summarize("nine_discs", "linear", far=0.0, **kw)
    assert at_zero["off_support_far"] == at_zero["off_support"] > 0.3  # LineIntp's midpoints fill the gaps
    deep = mismatch.summarize("nine_discs", "linear", far=0.5, **kw)
    assert 0 < deep["off_support_far"] < deep["off_support"]
    assert "off_support_far" not in mismatch.summarize("nine_discs", "linear", **kw)
