"""AdvAI: symmetry, endpoints, training effect, save/load, errors. (Checkpoints, resume and the
cache are tested for every model kind at once in test_train.py.)"""
import pytest
import torch

import advai
from advai.files import write_torch_file
from advai.evaluate import mismatch
from advai.latent.advai_model import AUTHORS, DEFAULTS, AdvAIConfig, Correction, exact_transport_cost
from advai.latent.advai_fit import AdvAIInterpolator, fit_advai, load_advai

SMALL = dict(hidden=32, layers=2, batch_size=64, progress=False)


def untrained(mode="factorized", dim=3):
    torch.manual_seed(0)
    cfg = AdvAIConfig(dim=dim, mode=mode)
    return AdvAIInterpolator(cfg, Correction(cfg))


@pytest.mark.parametrize("mode", ["factorized", "joint"])
def test_endpoints_and_symmetry_hold_by_construction(mode):
    it = untrained(mode)
    z1, z2 = advai.sample_prior("gaussian", 200, 3, seed=0), advai.sample_prior("gaussian", 200, 3, seed=1)
    a = torch.rand(200, generator=torch.Generator().manual_seed(2))
    for alpha in (0.0, 1.0):
        expect = z1 if alpha == 0 else z2
        assert torch.allclose(it(z1, z2, alpha), expect, atol=1e-6)  # the a(1-a) factor
        assert torch.equal(advai.interpolate(z1, z2, alpha, method="advai", model=it), expect)
    f = advai.interpolate(z1, z2, a, method="advai", model=it)
    g = advai.interpolate(z2, z1, 1 - a, method="advai", model=it)
    assert torch.allclose(f, g, atol=1e-5)
    assert not torch.allclose(f, advai.interpolate(z1, z2, a))  # R does correct something


def test_factorized_accepts_per_coordinate_alpha_joint_does_not():
    z1, z2 = torch.zeros(4, 3), torch.ones(4, 3)
    a = torch.rand(4, 3)
    assert untrained("factorized")(z1, z2, a).shape == (4, 3)
    with pytest.raises(ValueError, match="one value per sample.*factorized"):
        untrained("joint")(z1, z2, a)


def test_model_errors():
    it = untrained(dim=3)
    z = torch.zeros(4, 3)
    with pytest.raises(ValueError, match="trained for dim=3"):
        it(torch.zeros(4, 2), torch.zeros(4, 2), 0.5)
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]; got 1.2 \(1 value"):
        it(z.double(), z.double(), 1.2)
    with pytest.raises(ValueError, match=r"got 1.0000001192092896 \(1 value\(s\) outside, in a torch.float32"):
        it(z, z, torch.tensor(1.0000001))  # the exact offending value, not a rounded "1"
    with pytest.raises(ValueError, match="z1 contains NaN"):
        it(torch.full((4, 3), float("nan")), z, 0.5)
    with pytest.raises(ValueError, match="mode='diagonal'"):
        AdvAIConfig(dim=2, mode="diagonal")


# steps: measured ratios 0.09 (gaussian at 800 steps) and 0.02 (ring at 1,500; 0.17-0.20 at 800-1,000)
@pytest.mark.parametrize("prior,mode,steps", [("gaussian", "factorized", 800), ("ring", "joint", 1500)])
def test_training_removes_most_of_the_mismatch(prior, mode, steps):
    it = fit_advai(prior, 2, mode=mode, steps=steps, seed=0, progress=False)
    lin = mismatch.at_alpha(prior, "linear", 0.5, 1500, 2, seed=5)
    adv = mismatch.at_alpha(prior, "advai", 0.5, 1500, 2, seed=5, model=it)
    assert adv < 0.3 * lin
    assert len(it.history["loss_D"]) == steps // 10 and it.history["step"][-1] == steps


@pytest.mark.parametrize("mode", ["factorized", "joint"])
def test_same_seed_same_weights_and_callable_sampler(mode):
    a = fit_advai("uniform", 2, mode=mode, steps=30, seed=3, **SMALL)
    b = fit_advai("uniform", 2, mode=mode, steps=30, seed=3, **SMALL)
    c = fit_advai(lambda n: torch.rand(n, 2) * 2 - 1, 2, mode=mode, steps=30, seed=3, **SMALL)
    assert c.cfg.mode == mode
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb) and torch.equal(pa, pc)  # the callable draws the same numbers


def test_save_and_load(tmp_path):
    it = fit_advai("ring", 2, mode="joint", steps=20, seed=0, **SMALL)
    it.save(tmp_path / "ring.pt")
    back = load_advai(tmp_path / "ring.pt")
    z1, z2 = advai.sample_prior("ring", 50, seed=0), advai.sample_prior("ring", 50, seed=1)
    assert torch.equal(it(z1, z2, 0.3), back(z1, z2, 0.3))
    assert back.cfg == it.cfg and back.history == it.history


def test_a_finished_training_checkpoint_loads_as_its_interpolator(tmp_path):
    it = fit_advai("gaussian", 2, steps=12, seed=0, checkpoint=tmp_path / "fit.pt", **SMALL)
    back = load_advai(tmp_path / "fit.pt")
    z1, z2 = advai.sample_prior("gaussian", 50, 2, seed=0), advai.sample_prior("gaussian", 50, 2, seed=1)
    assert torch.equal(it(z1, z2, 0.4), back(z1, z2, 0.4))
    assert back.meta["train"] == it.meta["train"] and back.history == it.history


def test_interpolator_file_errors(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="bad.pt is corrupt"):
        load_advai(bad)
    with pytest.raises(ValueError, match="does not exist"):
        load_advai(tmp_path / "missing.pt")
    write_torch_file(tmp_path / "foreign.pt", {"format": "something-else"})
    with pytest.raises(ValueError, match="foreign.pt is not an advai interpolator file"):
        load_advai(tmp_path / "foreign.pt")
    write_torch_file(tmp_path / "partial.pt", {"format": "advai-interpolator", "state": {}})
    with pytest.raises(ValueError, match="partial.pt is incomplete"):
        load_advai(tmp_path / "partial.pt")


def test_a_shared_interpolator_file_cannot_run_code_and_a_truncated_one_is_named(tmp_path, evil_payload):
    payload, marker = evil_payload
    torch.save({"format": "advai-interpolator", "config": payload}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match=r"evil\.pt is corrupt or not a plain torch file"):
        load_advai(tmp_path / "evil.pt")
    assert not marker.exists()
    it = fit_advai("ring", 2, mode="joint", steps=5, seed=0, **SMALL)
    it.save(tmp_path / "ring.pt")
    data = (tmp_path / "ring.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.pt is corrupt or not a plain torch file"):
        load_advai(tmp_path / "cut.pt")


def test_a_numpy_sampler_works_and_names_its_runs(tmp_path):
    import numpy as np

    def moons(n):
        return np.random.default_rng(0).normal(size=(n, 2))

    it = fit_advai(moons, 2, steps=4, seed=0, cache=tmp_path, **SMALL)
    assert it.meta["sampler"] == "moons"
    assert next(tmp_path.glob("*.pt")).name.startswith("advai_dim2_modefactorized_samplermoons")
    assert fit_advai(lambda n: np.zeros((n, 2)), 2, steps=2, **SMALL).meta["sampler"] == "sampler"
    assert fit_advai(lambda n: np.zeros((n, 2)), 2, steps=2, name="zeros", **SMALL).meta["sampler"] == "zeros"


def test_a_checkpoint_with_other_hyperparameters_is_refused_by_name(tmp_path):
    ckpt = tmp_path / "g.pt"
    fit_advai("gaussian", 2, steps=5, checkpoint=ckpt, **SMALL)
    with pytest.raises(ValueError, match=r"g\.pt was made with other settings.*train: .*'lr': 0\.5"):
        fit_advai("gaussian", 2, steps=5, checkpoint=ckpt, **dict(SMALL, lr=0.5))
    with pytest.raises(ValueError, match=r"other settings.*dim: checkpoint 2 vs requested 3"):
        fit_advai("gaussian", 3, steps=5, checkpoint=ckpt, **SMALL)
    fit_advai("gaussian", 3, steps=5, checkpoint=ckpt, resume=False, **SMALL)  # explicit retrain is fine


def test_sampler_errors():
    with pytest.raises(ValueError, match=r"sampler returned shape \((4|10), 3\), expected \((4|10), 2\)"):
        fit_advai(lambda n: torch.zeros(n, 3), 2, steps=2, **dict(SMALL, batch_size=5))
    with pytest.raises(ValueError, match=r"sampler returned a str, not an array of shape \((4|10), 2\)"):
        fit_advai(lambda n: "points", 2, steps=2, **dict(SMALL, batch_size=5))
    with pytest.raises(ValueError, match="NaN or inf"):
        fit_advai(lambda n: torch.full((n, 2), float("nan")), 2, steps=2, **SMALL)
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        fit_advai(lambda n: torch.zeros(n, 2), None, steps=2, **SMALL)
    with pytest.raises(ValueError, match="prior='moon'"):
        fit_advai("moon", 2, steps=2, **SMALL)
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        fit_advai("gaussian", 2, steps=2, learning_rate=1.0, **SMALL)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        fit_advai("gaussian", 2, steps=0, **SMALL)


def test_authors_settings_are_available():
    assert AUTHORS["lr"] == 1e-4 and AUTHORS["ema"] == 0.95 and AUTHORS["wa"] == 0.05
    assert AUTHORS["n_scale"] == 10 and AUTHORS["hidden"] == 100 and AUTHORS["layers"] == 3
    assert AUTHORS["loss"] == "l1" and set(AUTHORS) == set(DEFAULTS)


def test_the_capacity_oracle_trains_r_alone_on_the_energy_distance(tmp_path):
    it = fit_advai("gaussian", 2, steps=600, seed=0, objective="energy", cache=tmp_path, **SMALL)
    assert set(it.history) >= {"loss_R"} and "loss_D" not in it.history
    lin = mismatch.summarize("gaussian", "linear", 2, n=1500, seeds=range(3), n_permutations=0)
    ora = mismatch.summarize("gaussian", "advai", 2, n=1500, seeds=range(3), model=it, n_permutations=0)
    assert mismatch.share_left(ora["energy_u"], lin["energy_u"]) < 0.3
    z1, z2 = torch.randn(5, 2), torch.randn(5, 2)
    assert torch.allclose(it(z1, z2, 0.0), z1) and torch.allclose(it(z1, z2, 1.0), z2)  # still an interpolation
    assert "objectiveenergy" in next(tmp_path.glob("*.pt")).name  # cached apart from the adversarial fit
    with pytest.raises(ValueError, match="objective"):
        fit_advai("gaussian", 2, steps=1, objective="wasserstein", **SMALL)


@pytest.mark.parametrize("objective", ["mmd", "ot"])
def test_the_oracle_objectives_shrink_the_mismatch_and_are_cached_apart(objective, tmp_path):
    it = fit_advai("gaussian", 2, steps=400, seed=0, objective=objective, cache=tmp_path, **SMALL)
    lin = mismatch.summarize("gaussian", "linear", 2, n=1500, seeds=range(3), n_permutations=0)
    ora = mismatch.summarize("gaussian", "advai", 2, n=1500, seeds=range(3), model=it, n_permutations=0)
    assert mismatch.share_left(ora["energy_u"], lin["energy_u"]) < 0.5
    assert f"objective{objective}" in next(tmp_path.glob("*.pt")).name


def test_exact_transport_cost_closed_forms():
    x = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    assert float(exact_transport_cost(x, x)) == pytest.approx(0.0, abs=1e-6)
    # a rigid shift by v costs |v|^2 exactly, whatever the points
    assert float(exact_transport_cost(x, x + torch.tensor([1.0, 2.0]))) == pytest.approx(5.0, rel=1e-5)
    # invariant to the order of either batch
    perm = torch.randperm(40, generator=torch.Generator().manual_seed(1))
    y = torch.randn(40, 2, generator=torch.Generator().manual_seed(2))
    assert float(exact_transport_cost(x, y)) == pytest.approx(float(exact_transport_cost(x[perm], y)))
    # to a batch of zeros: every match costs |x_i|^2, the gradient is 2 x_i / n
    xg = x.clone().requires_grad_(True)
    exact_transport_cost(xg, torch.zeros(40, 2)).backward()
    assert torch.allclose(xg.grad, 2 * x / 40, atol=1e-6)
    with pytest.raises(ValueError, match="one size"):
        exact_transport_cost(x, y[:10])


def test_energy_squared_has_finite_gradients_at_coincident_points():
    from advai.distances import energy_squared
    x = torch.zeros(4, 2, requires_grad=True)  # every within-sample distance is 0
    energy_squared(x, torch.ones(3, 2)).backward()
    assert torch.isfinite(x.grad).all()


def _one_step(**hp):
    from advai.latent.advai_model import AdvAITraining
    torch.manual_seed(0)
    m = AdvAITraining(AdvAIConfig(dim=2, mode="joint", hidden=16, layers=2), dict(DEFAULTS, **hp))
    opt = m.configure_optimizers(m.hp)
    m.train_step((torch.randn(64, 2),), opt)
    return m


def test_the_authors_ema_overwrites_r_and_ours_keeps_a_shadow_copy():
    for mode, same in (("overwrite", True), ("shadow", False)):
        m = _one_step(ema_mode=mode)
        p, q = torch.cat([x.flatten() for x in m.correction.parameters()]), \
            torch.cat([x.flatten() for x in m.average.parameters()])
        assert torch.equal(p, q) == same, mode
    assert AUTHORS["ema_mode"] == "overwrite" and DEFAULTS["ema_mode"] == "shadow"


def test_critic_steps_and_the_gradient_penalty_change_the_critic_and_bad_values_are_refused():
    base = _one_step()
    for hp in (dict(critic_steps=3), dict(gp=10.0)):
        m = _one_step(**hp)
        w, w0 = m.critic.net[0].weight, base.critic.net[0].weight
        assert torch.isfinite(w).all() and not torch.equal(w, w0), hp
    for bad, message in ((dict(critic_steps=0), "critic_steps must be a positive integer"),
                         (dict(gp=-1.0), r"gp must be a finite number in \[0, inf\)")):
        with pytest.raises(ValueError, match=message):
            _one_step(**bad)
    with pytest.raises(ValueError, match="ema_mode"):
        _one_step(ema_mode="both")


def test_snapshots_trace_the_fit_and_survive_an_interruption(tmp_path):
    kw = dict(SMALL, mode="joint", seed=0, snapshot_every=10)
    it = fit_advai("ring", 2, steps=30, **kw)
    assert [s for s, _ in it.snapshots] == [0, 10, 20, 30]
    z1, z2 = torch.randn(7, 2), torch.randn(7, 2)
    assert torch.equal(it.at_step(30)(z1, z2, 0.5), it(z1, z2, 0.5))  # the last snapshot is the result
    assert not torch.equal(it.at_step(0)(z1, z2, 0.5), it(z1, z2, 0.5))
    with pytest.raises(ValueError, match="no snapshot at step 5"):
        it.at_step(5)
    ck = tmp_path / "ring.pt"
    fit_advai("ring", 2, steps=20, checkpoint=ck, **kw)  # stopped at 20, then continued to 30
    resumed = fit_advai("ring", 2, steps=30, checkpoint=ck, **kw)
    assert [s for s, _ in resumed.snapshots] == [0, 10, 20, 30]
    assert torch.equal(resumed.at_step(10)(z1, z2, 0.5), it.at_step(10)(z1, z2, 0.5))
    assert fit_advai("ring", 2, steps=30, **dict(SMALL, mode="joint", seed=0)).snapshots == []


def test_the_simultaneous_update_takes_r_s_gradient_before_the_critic_moves():
    from advai.latent.advai_model import AdvAITraining
    seq, sim = _one_step(update="sequential"), _one_step(update="simultaneous")
    assert torch.equal(seq.critic.net[0].weight, sim.critic.net[0].weight)  # the critic's step is the same
    assert not torch.equal(seq.correction.decoder[0].weight, sim.correction.decoder[0].weight)
    # simultaneous = R's step against the critic at its initial weights, taken by hand
    torch.manual_seed(0)
    m = AdvAITraining(AdvAIConfig(dim=2, mode="joint", hidden=16, layers=2), dict(DEFAULTS))
    opt = m.configure_optimizers(m.hp)
    z = torch.randn(64, 2)
    u = torch.rand(32, 1)
    f = m.correction(z[:32], z[32:], u)
    (DEFAULTS["wa"] * m.critic(f).pow(2).mean()).backward()
    opt["correction"].step()
    assert torch.allclose(m.correction.decoder[0].weight, sim.correction.decoder[0].weight)
    assert AUTHORS["update"] == "simultaneous" and DEFAULTS["update"] == "sequential"
    with pytest.raises(ValueError, match="update"):
        _one_step(update="alternating")


def test_constant_guess_loss_is_the_best_constant_critics_loss():
    """Closed forms against a brute-force search over constants on a large sample of the
    critic's targets (0 on prior samples, folded alpha on interpolants)."""
    from advai.analyses.critic import constant_guess_loss

    g = torch.Generator().manual_seed(0)
    u = torch.rand(400_000, generator=g, dtype=torch.float64)
    t = 0.5 - (u - 0.5).abs()
    cs = torch.linspace(-0.1, 0.5, 601, dtype=torch.float64)[:, None]
    l2 = (cs.square() + (cs - t[None, ::40]).square().mean(1, keepdim=True)).min()
    l1 = (cs.abs() + (cs - t[None, ::40]).abs().mean(1, keepdim=True)).min()
    assert float(l2) == pytest.approx(constant_guess_loss("l2"), rel=5e-3)
    assert float(l1) == pytest.approx(constant_guess_loss("l1"), rel=5e-3)
    with pytest.raises(ValueError, match="loss="):
        constant_guess_loss("huber")
