"""The authors' whole-code interpolation module R, its latent critic and its warm-up."""
import pytest
import torch

from advai.latent.whole_code import LatentCritic, WholeCodeCorrection, WholeCodeWarmup, fit_whole_code
from advai.models import TRAIN


def small_r(dim=3, seed=0):
    torch.manual_seed(seed)
    return WholeCodeCorrection(dim, hidden=16, layers=2, code=5)


def test_endpoints_symmetry_and_the_alpha_reweighting():
    r = small_r()
    z1, z2, a = torch.randn(7, 3), torch.randn(7, 3), torch.rand(7, 1)
    assert torch.allclose(r(z1, z2, torch.zeros(7, 1)), z1, atol=1e-6)
    assert torch.allclose(r(z1, z2, torch.ones(7, 1)), z2, atol=1e-6)
    assert torch.allclose(r(z1, z2, a), r(z2, z1, 1 - a), atol=1e-6)
    # with B's output zeroed, f is w(1-a) z1 + w(a) z2 with w(a) = a + a(1-a) g(a)
    torch.nn.init.zeros_(r.bias[-1].weight), torch.nn.init.zeros_(r.bias[-1].bias)
    torch.nn.init.zeros_(r.weight[-1].weight), torch.nn.init.constant_(r.weight[-1].bias, 0.7)
    w = lambda t: t + t * (1 - t) * 0.7
    assert torch.allclose(r(z1, z2, a), w(1 - a) * z1 + w(a) * z2, atol=1e-6)


def test_a_scalar_alpha_is_broadcast_and_bad_shapes_are_refused():
    r = small_r()
    z1, z2 = torch.randn(4, 3), torch.randn(4, 3)
    assert torch.allclose(r(z1, z2, 0.3), r(z1, z2, torch.full((4, 1), 0.3)))
    with pytest.raises(ValueError, match=r"\[n, 3\]"):
        r(z1, torch.randn(4, 2), 0.5)


def test_the_critic_averages_its_d_outputs_on_scaled_codes():
    c = LatentCritic(3, hidden=8, layers=1, n_scale=5.0)
    z = torch.randn(6, 3)
    assert c(z).shape == (6,) and torch.allclose(c(z), c.net(5 * z).mean(1))


def test_warmup_losses_groups_and_a_cached_fit(tmp_path):
    m = WholeCodeWarmup(3, hidden=16, layers=2, code=5)
    losses, log = m.losses(torch.randn(8, 3))
    groups = m.parameter_groups()
    assert set(losses) == set(groups) == {"correction", "critic"}
    assert not {id(p) for p in groups["correction"]} & {id(p) for p in groups["critic"]}
    kw = dict(train=TRAIN, seed=1, cache=tmp_path, progress=False, hidden=16, code=5)
    a = fit_whole_code(3, 6, **kw)
    b = fit_whole_code(3, 6, **kw)  # read back from the cache
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert len(list(tmp_path.glob("whole-code-warmup_*.pt"))) == 1
    with pytest.raises(ValueError, match="unknown sizes"):
        fit_whole_code(3, 1, train=TRAIN, progress=False, width=3)


def test_warmup_trains_both_r_and_the_critic():
    fresh = WholeCodeWarmup(2, hidden=32, code=8)
    torch.manual_seed(0)
    start = WholeCodeWarmup(2, hidden=32, code=8).state_dict()
    fit = fit_whole_code(2, 200, train=TRAIN, seed=0, progress=False, hidden=32, code=8)
    moved = {k for k, v in fit.state_dict().items() if not torch.equal(v, start[k])}
    assert any(k.startswith("correction.") for k in moved) and any(k.startswith("critic.") for k in moved)
    assert fit.history["critic"][-1] < fit.history["critic"][0] and set(fresh.state_dict()) == set(start)
