"""advai.latent.authors_toy: the authors' toy training loop, reproduced (train_AdvAI.py)."""
import math

import pytest
import torch

import advai
from advai.latent import authors_toy as T
from advai.latent.advai_model import AUTHORS, AdvAIConfig, Correction
from advai.latent.advai_fit import AdvAIInterpolator


def test_the_paper_budget_is_two_to_the_fourteen_k_samples_at_batch_64():
    assert T.PAPER_STEPS * AUTHORS["batch_size"] == 2**14 * 1024 == 16_777_216


def test_networks_start_from_tensorflow_initialisation_and_see_the_doubly_scaled_codes():
    torch.manual_seed(0)
    m = T.AuthorsToyTraining(2, dict(AUTHORS))
    for layer in m.modules():
        if isinstance(layer, torch.nn.Linear):
            bound = math.sqrt(6 / (layer.in_features + layer.out_features))
            assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.9 * bound
            assert torch.equal(layer.bias, torch.zeros_like(layer.bias))
    assert m.cfg.mode == "factorized" and m.cfg.n_scale == 100.0 and m.critic.cfg.n_scale == 10.0
    z1, z2, t = torch.randn(5, 2), torch.randn(5, 2), torch.rand(5, 2)
    enc, dec = m.correction.encoder, m.correction.decoder
    col = lambda x: x.reshape(-1, 1)  # noqa: E731  every coordinate its own 1-D problem
    h = enc(torch.cat([100 * col(z1), 1 - col(t)], 1)) + enc(torch.cat([100 * col(z2), col(t)], 1))
    expect = (1 - col(t)) * col(z1) + col(t) * col(z2) + col(t) * (1 - col(t)) * dec(h) / 100
    assert torch.allclose(m.correction(z1, z2, t), expect.reshape(5, 2), atol=1e-6)
    assert torch.allclose(m.critic(z1), m.critic.net(10 * col(z1)).reshape(5, 2))


def test_the_moving_average_starts_at_the_first_step_and_overwrites_r():
    torch.manual_seed(0)
    frozen = T.AuthorsToyTraining(2, dict(AUTHORS, ema=1.0))  # decay 1 after the first update: R stops moving
    opt = frozen.configure_optimizers(AUTHORS)
    batch = lambda: (advai.sample_prior("ring", 64, 2),)  # noqa: E731
    start = [p.clone() for p in frozen.correction.parameters()]
    frozen.train_step(batch(), opt)
    first = [p.clone() for p in frozen.correction.parameters()]
    assert not all(torch.equal(a, b) for a, b in zip(start, first))  # step 1 keeps Adam's step (decay 0)
    assert all(torch.equal(a.double(), b) for a, b in zip(first, frozen.average))
    for _ in range(3):
        frozen.train_step(batch(), opt)
    assert all(torch.equal(a, b) for a, b in zip(first, frozen.correction.parameters()))
    assert all(a.dtype == torch.float64 for a in frozen.average)


def test_adam_steps_as_tensorflow_does():
    """theta -= lr sqrt(1 - b2^k) / (1 - b1^k) m / (sqrt(v) + 1e-8), for k = 1, 2, 3 (tiny gradients,
    where the two placements of epsilon differ)."""
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = torch.optim.Adam([p], lr=1e-4, betas=(0.9, 0.999))
    theta, m, v = p.detach().clone(), torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    for k, g in enumerate((torch.tensor([3e-9, -1e-8]), torch.tensor([2e-9, 5e-9]), torch.tensor([1e-3, 0.0])), 1):
        g = g.double()
        p.grad = g.clone()
        T.tf_epsilon(opt)
        opt.step()
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        theta = theta - 1e-4 * math.sqrt(1 - 0.999**k) / (1 - 0.9**k) * m / (v.sqrt() + 1e-8)
        assert torch.allclose(p.detach(), theta, rtol=0, atol=1e-15)


def test_pairs_come_from_the_batch_reversed_and_the_coefficient_is_folded(monkeypatch):
    torch.manual_seed(0)
    m = T.AuthorsToyTraining(2, dict(AUTHORS))
    seen = {}
    forward = m.correction.forward

    def spy(z1, z2, alpha):
        seen.update(z1=z1, z2=z2, alpha=alpha)
        return forward(z1, z2, alpha)
    monkeypatch.setattr(m.correction, "forward", spy)
    x = advai.sample_prior("nine_discs", 64, 2, seed=1)
    m.train_step((x,), m.configure_optimizers(AUTHORS))
    assert torch.equal(seen["z1"], x) and torch.equal(seen["z2"], x.flip(0))
    assert seen["alpha"].shape == (64, 2) and 0 <= seen["alpha"].min() and seen["alpha"].max() <= 0.5


def test_fit_resumes_bit_identically_and_as_drawn_rescales_the_same_weights(tmp_path):
    kw = dict(steps=300, seed=3, progress=False, checkpoint_every=100, snapshot_every=100)
    a = T.fit_authors_toy("ring", 2, checkpoint=tmp_path / "a.pt", **kw)

    class Stop(Exception):
        pass

    def stop(step, log):
        if step == 150:
            raise Stop
    with pytest.raises(Stop):
        T.fit_authors_toy("ring", 2, checkpoint=tmp_path / "b.pt", callback=stop, **kw)
    b = T.fit_authors_toy("ring", 2, checkpoint=tmp_path / "b.pt", **kw)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert [s for s, _ in b.snapshots] == [0, 100, 200, 300]
    z1, z2 = advai.sample_prior("ring", 50, 2, seed=0), advai.sample_prior("ring", 50, 2, seed=1)
    drawn = T.as_drawn(a)
    assert drawn.cfg.n_scale == 10.0 and a.cfg.n_scale == 100.0 and drawn.meta["evaluated"] == "as drawn"
    cfg10 = AdvAIConfig(**{**a.cfg.__dict__, "n_scale": 10.0})
    same = AdvAIInterpolator(cfg10, Correction(cfg10))
    same.correction.load_state_dict(a.correction.state_dict())
    assert torch.equal(drawn(z1, z2, 0.5), same(z1, z2, 0.5)) and not torch.equal(drawn(z1, z2, 0.5), a(z1, z2, 0.5))
    assert torch.equal(drawn.at_step(300)(z1, z2, 0.5), drawn(z1, z2, 0.5))
    for f in (a, drawn):  # endpoints and symmetry hold whatever the scale
        assert torch.allclose(f(z1, z2, 0.0), z1) and torch.allclose(f(z1, z2, 1.0), z2)
        assert torch.allclose(f(z1, z2, 0.3), f(z2, z1, 0.7), atol=1e-5)


def test_bad_settings_are_refused_by_name():
    with pytest.raises(ValueError, match="unknown.*'mode'"):
        T.fit_authors_toy("ring", 2, steps=1, mode="joint")
    for key, value in (("gp", 1.0), ("update", "sequential"), ("ema_mode", "shadow"), ("critic_steps", 2)):
        with pytest.raises(ValueError, match=f"{key}=.* is not a setting of the authors' loop"):
            T.fit_authors_toy("ring", 2, steps=1, **{key: value})
    for key, value in (("lr", 0.0), ("lr_disc", -1.0), ("beta1", 1.0), ("ema", 1.5), ("wa", -0.1), ("loss", "l3")):
        with pytest.raises(ValueError, match=f"^{key} must be"):
            T.fit_authors_toy("ring", 2, steps=1, **{key: value})
    with pytest.raises(ValueError, match="n_scale"):
        T.fit_authors_toy("ring", 2, steps=1, n_scale=0.0)
    with pytest.raises(ValueError, match="batch_size"):
        T.fit_authors_toy("ring", 2, steps=1, batch_size=0)
    torch.manual_seed(0)
    cfg = AdvAIConfig(dim=2, mode="factorized")
    with pytest.raises(ValueError, match="fit_authors_toy"):
        T.as_drawn(AdvAIInterpolator(cfg, Correction(cfg)))
