import pytest
import torch

import advai
from advai.latent.priors import PRIORS, get_prior, sample_prior


def test_shapes_and_determinism():
    for name, p in PRIORS.items():
        d = p.dim or 5
        a = sample_prior(name, 100, d, seed=3)
        b = sample_prior(name, 100, d, seed=3)
        assert a.shape == (100, d)
        assert torch.equal(a, b)
        assert not torch.equal(a, sample_prior(name, 100, d, seed=4))


def test_uniform_and_gaussian_moments():
    u = sample_prior("uniform", 200_000, 3, seed=0)
    assert u.min() >= -1 and u.max() <= 1
    assert torch.allclose(u.var(0), torch.full((3,), 1 / 3), atol=0.01)  # Var U[-1,1] = 1/3
    g = sample_prior("gaussian", 200_000, 3, seed=0)
    assert torch.allclose(g.mean(0), torch.zeros(3), atol=0.01)
    assert torch.allclose(g.var(0), torch.ones(3), atol=0.02)


def test_ring_radius_is_uniform_in_range():
    r = sample_prior("ring", 50_000, seed=0).norm(dim=1)
    assert r.min() >= 0.6 - 1e-6 and r.max() <= 1 + 1e-6
    assert abs(float(r.mean()) - 0.8) < 0.005  # E U[0.6, 1] = 0.8


def test_nine_discs_centres_and_radii():
    z = sample_prior("nine_discs", 45_000, seed=0)
    centres = torch.round(z / 3) * 3
    assert ((z - centres).norm(dim=1) <= 1 + 1e-6).all()
    counts = torch.unique(centres, dim=0, return_counts=True)[1]
    assert len(counts) == 9 and counts.min() > 4500  # equal weights (5000 each in expectation)
    # uniform on a disc: E r^2 = 1/2
    assert abs(float((z - centres).pow(2).sum(1).mean()) - 0.5) < 0.01


def test_surface_lies_on_its_surface():
    z = sample_prior("surface", 5000, seed=0)
    assert (z[:, :2].norm(dim=1) <= 1 + 1e-6).all()
    assert torch.allclose(z[:, 2], torch.sin(-z[:, 0] * z[:, 1]))


@pytest.mark.parametrize("name,bad_dim", [("ring", 3), ("nine_discs", 1), ("surface", 2)])
def test_fixed_dimension_priors_reject_other_dims(name, bad_dim):
    with pytest.raises(ValueError, match="dim"):
        sample_prior(name, 10, bad_dim)


def test_errors_name_the_parameter():
    with pytest.raises(ValueError, match="prior='cauchy'.*allowed values"):
        get_prior("cauchy")
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            sample_prior("gaussian", bad, 2)
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        sample_prior("gaussian", 10, 0)


def test_exported_from_package():
    assert advai.get_prior("gaussian").factorized and not advai.get_prior("ring").factorized
    assert float(advai.sample_prior("uniform", 10, 2, seed=0).abs().max()) <= 1


def test_two_discs_and_two_rings_sample_their_supports_with_the_stated_weights():
    z = sample_prior("two_discs", 40_000, seed=0)
    left = z[:, 0] < 0
    assert abs(float(left.double().mean()) - 0.5) < 0.01  # equal weights
    centres = torch.where(left[:, None], torch.tensor([-2.5, 0.0]), torch.tensor([2.5, 0.0]))
    assert ((z - centres).norm(dim=1) <= 1 + 1e-6).all()
    r = sample_prior("two_rings", 40_000, seed=0).norm(dim=1)
    inner = r < 0.65
    assert ((r >= 0.3 - 1e-6) & (r <= 0.5 + 1e-6) | (r >= 0.8 - 1e-6) & (r <= 1 + 1e-6)).all()
    # uniform by area: the inner annulus holds (0.5^2 - 0.3^2) / ((0.5^2 - 0.3^2) + (1 - 0.8^2)) = 0.16 / 0.52
    assert abs(float(inner.double().mean()) - 0.16 / 0.52) < 0.01
    # within the outer annulus, area-uniform radius: E r^2 = (0.8^2 + 1^2) / 2
    assert abs(float(r[~inner].pow(2).mean()) - 0.82) < 0.005


def test_two_discs_and_two_rings_distances_to_support():
    d = get_prior("two_discs").distance_to_support(torch.tensor([[0.0, 0.0], [2.5, 0.5], [2.5, 3.0], [-5.0, 0.0]]))
    assert torch.allclose(d, torch.tensor([1.5, 0.0, 2.0, 1.5]))
    pts = torch.tensor([[0.0, 0.0], [0.4, 0.0], [0.0, 0.65], [0.7, 0.0], [0.9, 0.0], [0.0, -1.3]])
    d = get_prior("two_rings").distance_to_support(pts)
    assert torch.allclose(d, torch.tensor([0.3, 0.0, 0.15, 0.1, 0.0, 0.3]))
