"""Notebook 4's pieces: the GANs, the classifier, and the realism protocol on a generator with a known answer."""
import pytest
import torch

from advai.data import Dataset, pad_to
from advai.evaluate.decoding import latent_paths
from advai.evaluate.realism import FLOOR, compare_paired, realism_draws, realism_rows
from advai.models import build_model, fit_model
from advai.models.classifier import DigitClassifier, fit_classifier


@pytest.mark.parametrize("name, lo", [("gan_gaussian", None), ("gan_uniform", -1.0)])
def test_gan_is_a_generator_and_decodes_prior_samples_to_images(name, lo):
    torch.manual_seed(0)
    g = build_model(name, latent=6)
    assert not hasattr(g, "encode") and not hasattr(g, "encoder")
    groups = g.parameter_groups()
    assert {id(p) for p in groups["generator"]} == {id(p) for p in g.generator.parameters()}
    assert {id(p) for p in groups["discriminator"]} == {id(p) for p in g.discriminator.parameters()}
    assert not ({id(p) for p in groups["generator"]} & {id(p) for p in groups["discriminator"]})
    z = g.sample_prior(5)
    assert z.shape == (5, 6)
    if lo is not None:
        assert z.min() >= lo and z.max() <= 1
    x = g.decode(z)
    assert x.shape == (5, 1, 32, 32) and x.min() >= 0 and x.max() <= 1
    losses, log = g.losses(torch.rand(8, 1, 32, 32))
    assert set(losses) == set(groups) and all(torch.isfinite(v) for v in losses.values())
    paths = latent_paths(g.eval(), z[:2], z[2:4], 5, "linear", g.prior)
    assert paths.shape == (2, 5, 1, 32, 32)
    assert torch.allclose(paths[:, 0], g.decode(z[:2]).clamp(0, 1)) and torch.allclose(paths[:, -1], g.decode(z[2:4]))


def test_gan_trains_through_the_shared_harness():
    x = torch.rand(16, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    a = fit_model("gan_uniform", x, latent=6, steps=3, seed=2, progress=False)
    b = fit_model("gan_uniform", x, latent=6, steps=3, seed=2, progress=False)
    assert torch.equal(a.generator.inp[0].weight, b.generator.inp[0].weight)
    assert a.history["step"] and set(a.history) == {"step", "generator", "discriminator"}


def toy_digits(n=60):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 3
    x = torch.zeros(n, 1, 28, 28)
    for k in range(3):  # class k: a bright band at rows 8k..8k+6, plus noise
        x[y == k, :, 8 * k: 8 * k + 6] = 1
    x = (x + 0.1 * torch.rand(x.shape, generator=g)).clamp(0, 1)
    return Dataset("toy", x, y, torch.arange(0, n, 2), torch.arange(1, n, 2), 0, "test")


def test_classifier_learns_caches_and_refuses_a_corrupt_file(tmp_path):
    ds = toy_digits()
    clf = fit_classifier(ds, steps=60, cache=tmp_path, progress=False)
    xt, yt = pad_to(ds.test[0], 32), ds.test[1]
    assert clf.accuracy(xt, yt) > 0.9
    c = clf.confidence(xt)
    assert c.shape == (30,) and c.min() >= 1 / 3 - 1e-6 and c.max() <= 1
    assert clf.features(xt).shape == (30, 64)
    again = fit_classifier(ds, steps=60, cache=tmp_path, progress=False)  # read back, not retrained
    assert torch.equal(again.head.weight, clf.head.weight)
    (path,) = tmp_path.glob("classifier_*.pt")
    path.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="classifier_.*datasettoy.*corrupt"):
        fit_classifier(ds, steps=60, cache=tmp_path, progress=False)


class LinearGenerator:
    """decode(z) = 0.5 + 0.04 z W: an image that depends linearly on the code (stays inside [0, 1])."""

    latent = 8

    def __init__(self):
        self.w = torch.randn(8, 1024, generator=torch.Generator().manual_seed(1))

    def decode(self, z):
        return (0.5 + 0.04 * z @ self.w).reshape(-1, 1, 32, 32)


class FlatFeatures(DigitClassifier):
    """features = the first 16 pixels; a fixed confidence: enough to test the protocol's plumbing."""

    def features(self, x, batch=1000):
        return x.reshape(len(x), -1)[:, :16]

    def confidence(self, x):
        return torch.full((len(x),), 0.5)


def test_realism_puts_ot_on_the_floor_and_linear_far_above_it():
    draws = realism_draws(LinearGenerator(), FlatFeatures(), "gaussian",
                          {"LineIntp": ("linear", None), "OT-matched": ("ot", None)}, alphas=(0.1, 0.5), n=3000,
                          seed=0, n_draws=3)
    assert len(draws) == 3 * (1 + 2 * 2) and {r["draw"] for r in draws} == {0, 1, 2}
    rows = realism_rows(draws)
    assert all(r["draws"] == 3 for r in rows)  # every row, floor included, averages the same number of draws
    fd = {(r["interpolator"], r["alpha"]): r["frechet"] for r in rows if r["alpha"] == r["alpha"]}
    floor = next(r for r in rows if r["interpolator"] == FLOOR)
    assert floor["frechet_spread"] > 0
    assert fd["OT-matched", 0.5] < 3 * floor["frechet"]
    assert fd["LineIntp", 0.5] > 10 * floor["frechet"]  # variance 1/2 per coordinate at the midpoint
    assert fd["LineIntp", 0.5] > fd["LineIntp", 0.1]  # worst in the middle
    assert all(r["confidence"] == 0.5 for r in rows)
    far = compare_paired(draws, "gaussian", 0.5, "LineIntp", "OT-matched")
    assert far["mean difference"] > 0 and far["p"] < 0.05 and far["draws"] == 3
    on_floor = compare_paired(draws, "gaussian", 0.5, "OT-matched", FLOOR)
    assert on_floor["p"] > 0.01  # exactly prior-distributed: no evidence against the floor
    with pytest.raises(ValueError, match="no draws for interpolator 'AdvAI'"):
        compare_paired(draws, "gaussian", 0.5, "AdvAI", FLOOR)
    with pytest.raises(ValueError, match="n_draws"):
        realism_draws(LinearGenerator(), FlatFeatures(), "gaussian", {}, (0.5,), 10, n_draws=0)
