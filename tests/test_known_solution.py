"""The tournament snap: an exact, gap-free interpolation of the nine discs, and fits started from it."""
import numpy as np
import pytest
from scipy import stats
import torch

from advai.evaluate import mismatch
from advai.analyses.known_solution import (SNAP_TRAIN, AdvAIFromSnap, disc_index, fit_from_snap, fit_snap,
                                         ring_snap, snap_jump, snap_training, tournament_snap)
from advai.latent.advai_model import DEFAULTS, AdvAIConfig
from advai.latent.priors import NINE_DISC_CENTRES, get_prior

SMALL = dict(hidden=16, layers=2, n_scale=1.0)
WIDER = dict(hidden=64, layers=2, n_scale=1.0)


def joint_config(hp: dict) -> AdvAIConfig:
    """The 2-D joint-mode network of a fit with settings ``hp`` (as fit_correction builds it)."""
    return AdvAIConfig(dim=2, mode="joint", hidden=hp["hidden"], layers=hp["layers"], n_scale=hp["n_scale"])


def pairs(n, seed=0, name="nine_discs"):
    g = torch.Generator().manual_seed(seed)
    prior = get_prior(name)
    return prior.sample(n, 2, g), prior.sample(n, 2, g)


def test_every_disc_beats_exactly_four_others_and_the_jump_is_antisymmetric():
    i, j = torch.meshgrid(torch.arange(9), torch.arange(9), indexing="ij")
    jump = snap_jump(i, j)
    assert torch.equal(jump.diagonal(), torch.full((9,), 0.5))
    assert torch.allclose(jump + jump.T, torch.ones(9, 9))  # alpha*(i, j) = 1 - alpha*(j, i)
    assert ((jump == 0.75).sum(1) == 4).all() and ((jump == 0.25).sum(1) == 4).all()
    with pytest.raises(ValueError, match="odd"):
        snap_jump(i, j, modes=4)


def test_disc_index_finds_the_centre():
    assert torch.equal(disc_index(NINE_DISC_CENTRES + 0.3), torch.arange(9))


def test_the_snap_is_an_interpolation_on_the_support_and_symmetric():
    z1, z2 = pairs(500)
    assert torch.equal(tournament_snap(z1, z2, torch.zeros(500, 1)), z1)
    assert torch.equal(tournament_snap(z1, z2, torch.ones(500, 1)), z2)
    for a in (0.1, 0.3, 0.6, 0.9):  # away from the jumps at 1/4, 1/2, 3/4
        t = tournament_snap(z1, z2, torch.full((500, 1), a))
        assert torch.equal(t, tournament_snap(z2, z1, torch.full((500, 1), 1 - a)))
        assert mismatch.off_support_mass("nine_discs", t) == 0.0


@pytest.mark.parametrize("alpha", [0.4, 0.6])
def test_the_snap_keeps_every_disc_at_one_ninth(alpha):
    """Between the jumps the values sit at the winners' endpoints; a tournament that is not regular
    (a disc winning more than four pairings) would overfill some discs. Chi-square at n = 90,000."""
    z1, z2 = pairs(90_000, seed=1)
    counts = torch.bincount(disc_index(tournament_snap(z1, z2, torch.full((90_000, 1), alpha))), minlength=9)
    chi2 = float(((counts - 10_000.0) ** 2 / 10_000.0).sum())
    assert chi2 < 26.1  # the 0.999 quantile of chi-square with 8 degrees of freedom
    # and LineIntp's midpoints would not: the centre disc collects far more than a ninth
    lin = disc_index(0.5 * (z1 + z2))
    assert torch.bincount(lin, minlength=9)[4] > 15_000


def test_r_fitted_to_the_snap_learns_it_and_is_cached(tmp_path):
    it = fit_snap(steps=1000, seed=0, cache=tmp_path, progress=False, **WIDER)
    z1, z2 = pairs(2000, seed=2)
    a = torch.full((2000, 1), 0.4)
    lin_err = (0.6 * z1 + 0.4 * z2 - tournament_snap(z1, z2, a)).norm(dim=1).mean()
    fit_err = (it(z1, z2, a) - tournament_snap(z1, z2, a)).norm(dim=1).mean()
    assert fit_err < 0.5 * lin_err  # half LineIntp's distance from the snap after a short fit (measured: 0.34)
    again = fit_snap(steps=1000, seed=0, cache=tmp_path, progress=False, **WIDER)
    assert all(torch.equal(p, q) for p, q in zip(it.parameters(), again.parameters()))


def test_training_from_the_snap_starts_at_the_snap_fit(tmp_path):
    snap = fit_snap(steps=20, seed=3, cache=tmp_path, progress=False, **SMALL)
    hp = {**DEFAULTS, **SMALL}
    torch.manual_seed(3)
    model = AdvAIFromSnap(joint_config(hp), hp, snap_steps=20)
    model.prepare(seed=3, cache=tmp_path, resume=True, progress=False)
    assert all(torch.equal(p, q) for p, q in zip(model.correction.parameters(), snap.correction.parameters()))
    assert all(torch.equal(p, q) for p, q in zip(model.average.parameters(), snap.correction.parameters()))
    for objective in ("adversarial", "mmd"):
        it = fit_from_snap(objective, steps=5, snap_steps=20, seed=3, cache=tmp_path, progress=False, **SMALL)
        z1, z2 = pairs(10)
        assert torch.allclose(it(z1, z2, 0.0), z1) and torch.allclose(it(z1, z2, 1.0), z2)
    assert len(list(tmp_path.glob("*.pt"))) == 3  # one snap fit shared by both, then one run each


def test_snap_train_replaces_the_regression_settings_and_is_part_of_the_run(tmp_path):
    assert snap_training() == SNAP_TRAIN and snap_training({"ema": 0.999}) == {**SNAP_TRAIN, "ema": 0.999}
    with pytest.raises(ValueError, match="unknown"):
        snap_training({"gp": 1.0})
    # ema 0: the moving average *is* R's last weights; the default 0.95 lags behind them
    plain = fit_snap(steps=30, seed=1, cache=tmp_path, progress=False, **SMALL)
    none = fit_snap(steps=30, seed=1, cache=tmp_path, progress=False, snap_train={"ema": 0.0}, **SMALL)
    assert plain.meta["train"]["ema"] == SNAP_TRAIN["ema"] and none.meta["train"]["ema"] == 0.0
    assert not all(torch.equal(p, q) for p, q in zip(plain.parameters(), none.parameters()))
    hp = {**DEFAULTS, **SMALL, **snap_training({"ema": 0.0})}
    torch.manual_seed(1)
    model = AdvAIFromSnap(joint_config(hp), hp, snap_steps=30, snap_train={"ema": 0.0})
    model.prepare(seed=1, cache=tmp_path, resume=True, progress=False)  # the ema-0 fit, read back
    assert all(torch.equal(p, q) for p, q in zip(model.correction.parameters(), none.correction.parameters()))


def test_the_ring_snap_is_an_interpolation_on_the_ring_and_symmetric():
    z1, z2 = pairs(3000, seed=4, name="ring")
    ring = get_prior("ring")
    for a in (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0):
        alpha = torch.full((3000, 1), a)
        t = ring_snap(z1, z2, alpha)
        assert (ring.distance_to_support(t) == 0).all(), a  # on the annulus at every alpha
        if a not in (0.25, 0.75):
            torch.testing.assert_close(t, ring_snap(z2, z1, 1 - alpha))
    torch.testing.assert_close(ring_snap(z1, z2, torch.zeros(3000)), z1)
    torch.testing.assert_close(ring_snap(z1, z2, torch.ones(3000)), z2)


def test_the_ring_snap_is_the_prior_between_its_jumps():
    z1, z2 = pairs(20_000, seed=5, name="ring")
    t = ring_snap(z1, z2, torch.full((20_000, 1), 0.5))
    r, angle = t.norm(dim=1).numpy(), torch.atan2(t[:, 1], t[:, 0]).numpy()
    assert stats.kstest(r, stats.uniform(0.6, 0.4).cdf).pvalue > 0.01  # r ~ U[0.6, 1]
    assert stats.kstest(angle, stats.uniform(-np.pi, 2 * np.pi).cdf).pvalue > 0.01  # uniform angle
    assert abs(np.corrcoef(r, np.cos(angle))[0, 1]) < 0.03  # radius independent of the angle
    lin = 0.5 * (z1 + z2)
    assert stats.kstest(lin.norm(dim=1).numpy(), stats.uniform(0.6, 0.4).cdf).pvalue < 1e-6  # LineIntp is not


def test_a_ring_regression_learns_its_snap_and_a_bad_prior_is_refused(tmp_path):
    it = fit_snap(steps=300, seed=0, cache=tmp_path, progress=False, prior="ring", **WIDER)
    assert it.meta["sampler"] == "ring"
    z1, z2 = pairs(2000, seed=6, name="ring")
    a = torch.full((2000, 1), 0.5)
    lin_err = (0.5 * (z1 + z2) - ring_snap(z1, z2, a)).norm(dim=1).mean()
    assert (it(z1, z2, a) - ring_snap(z1, z2, a)).norm(dim=1).mean() < 0.5 * lin_err
    with pytest.raises(ValueError, match="prior"):
        fit_snap(steps=1, prior="gaussian", progress=False, **SMALL)
    with pytest.raises(ValueError, match="prior"):
        fit_from_snap("adversarial", steps=1, snap_steps=1, prior="two_discs", progress=False, **SMALL)
