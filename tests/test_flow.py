"""The flow-matched interpolator (advai.latent.flow): endpoints, the exact case, what it
preserves, save and load, refused settings, bit-identical resume."""
import math

import pytest
import torch

import advai
from advai.evaluate import mismatch
from advai.files import write_torch_file
from advai.latent.flow import FlowConfig, FlowInterpolator, fit_flow, gaussian_operator, load_flow

TINY = dict(transforms=2, bins=8, hidden=32, layers=2, batch_size=256, n_standardize=4096, progress=False)


@pytest.fixture(scope="module")
def ring_flow():
    return fit_flow("ring", 2, steps=300, seed=0, **TINY)


def test_the_gaussian_operator_keeps_a_standard_gaussian_standard():
    g = torch.Generator().manual_seed(0)
    u1, u2 = torch.randn(200_000, 2, generator=g), torch.randn(200_000, 2, generator=g)
    for a in (0.1, 0.5, 0.8):
        v = gaussian_operator(u1, u2, torch.tensor(a))
        assert v.mean(0).abs().max() < 0.01 and (v.var(0) - 1).abs().max() < 0.01
    assert torch.equal(gaussian_operator(u1, u2, torch.tensor(0.0)), u1)
    assert torch.equal(gaussian_operator(u1, u2, torch.tensor(1.0)), u2)


def test_endpoints_within_the_inverse_round_off_and_exact_through_interpolate(ring_flow):
    z1, z2 = advai.sample_prior("ring", 500, seed=1), advai.sample_prior("ring", 500, seed=2)
    assert (ring_flow(z1, z2, 0.0) - z1).abs().max() < 1e-4
    assert (ring_flow(z1, z2, 1.0) - z2).abs().max() < 1e-4
    assert torch.equal(advai.interpolate(z1, z2, 0.0, method="flow", model=ring_flow), z1)
    assert torch.equal(advai.interpolate(z1, z2, 1.0, method="flow", model=ring_flow), z2)
    mid = advai.interpolate(z1, z2, 0.5, method="flow", model=ring_flow)
    assert torch.allclose(mid, advai.interpolate(z2, z1, 0.5, method="flow", model=ring_flow), atol=1e-5)  # symmetric
    assert mid.shape == z1.shape and advai.interpolate(z1[0], z2[0], 0.5, method="flow", model=ring_flow).shape == (2,)


def test_midpoints_keep_to_the_ring_where_linear_ones_fall_into_the_hole(ring_flow):
    g = torch.Generator().manual_seed(3)
    z1, z2 = advai.sample_prior("ring", 4000, seed=3), advai.sample_prior("ring", 4000, seed=4)
    mid = ring_flow(z1, z2, 0.5)
    linear_off = mismatch.off_support_mass("ring", advai.interpolate(z1, z2, 0.5))
    flow_off, own_off = mismatch.off_support_mass("ring", mid), mismatch.off_support_mass("ring", ring_flow.flow.sample(4000, g))
    assert linear_off > 0.3 and flow_off < linear_off / 3
    assert abs(flow_off - own_off) < 0.05  # the midpoints inherit the flow's own sampling error


def test_on_a_gaussian_prior_the_map_is_near_the_identity_and_the_result_agustsson_s():
    fl = fit_flow("gaussian", 2, steps=400, seed=0, **TINY)
    z = advai.sample_prior("gaussian", 2000, 2, seed=5)
    inner = z.norm(dim=1) < 2
    assert (fl.flow(z[inner]) - z[inner]).abs().mean() < 0.1
    z2 = advai.sample_prior("gaussian", 2000, 2, seed=6)
    ot = advai.interpolate(z, z2, 0.3, method="ot", prior="gaussian")
    assert (fl(z, z2, 0.3) - ot)[inner].abs().mean() < 0.15
    nll = sum(fl.history["nll"][-10:]) / 10  # the Gaussian's entropy, log(2 pi e) in 2-D, is the least possible
    assert abs(nll - math.log(2 * math.pi * math.e)) < 0.05
    z = advai.sample_prior("gaussian", 20000, 2, seed=7)  # and the model's density is the Gaussian's
    assert abs(-fl.flow.log_prob(z).mean() - math.log(2 * math.pi * math.e)) < 0.03


def test_save_and_load_and_a_finished_checkpoint_loads(tmp_path, ring_flow):
    ring_flow.save(tmp_path / "ring.pt")
    back = load_flow(tmp_path / "ring.pt")
    z1, z2 = advai.sample_prior("ring", 50, seed=0), advai.sample_prior("ring", 50, seed=1)
    assert torch.equal(ring_flow(z1, z2, 0.3), back(z1, z2, 0.3)) and back.cfg == ring_flow.cfg
    assert back.history == ring_flow.history
    fl = fit_flow("ring", 2, steps=6, seed=0, checkpoint=tmp_path / "fit.pt", **TINY)
    assert torch.equal(load_flow(tmp_path / "fit.pt")(z1, z2, 0.3), fl(z1, z2, 0.3))


def test_file_errors(tmp_path, evil_payload):
    write_torch_file(tmp_path / "foreign.pt", {"format": "advai-interpolator"})
    with pytest.raises(ValueError, match="foreign.pt is not a flow interpolator file"):
        load_flow(tmp_path / "foreign.pt")
    write_torch_file(tmp_path / "partial.pt", {"format": "advai-flow-interpolator", "state": {}})
    with pytest.raises(ValueError, match="partial.pt is incomplete"):
        load_flow(tmp_path / "partial.pt")
    payload, marker = evil_payload
    torch.save({"format": "advai-flow-interpolator", "config": payload}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match=r"evil\.pt is corrupt or not a plain torch file"):
        load_flow(tmp_path / "evil.pt")
    assert not marker.exists()
    cfg = FlowConfig(dim=2, transforms=1, bins=4, hidden=8, layers=1)
    state = {k: v.float().fill_(float("nan")) if v.is_floating_point() else v
             for k, v in FlowInterpolator(cfg).flow.state_dict().items()}
    write_torch_file(tmp_path / "nan.pt", {"format": "advai-flow-interpolator", "config": cfg.__dict__,
                                           "state": state, "history": {}, "meta": {}})
    with pytest.raises(ValueError, match="nan.pt"):
        load_flow(tmp_path / "nan.pt")


@pytest.mark.parametrize("bad, name", [(dict(bins=0), "bins"), (dict(lr=2.0), "lr"), (dict(transforms=1.5), "transforms"),
                                       (dict(width=3), "width"), (dict(steps=0), "steps"), (dict(seed=-1), "seed"),
                                       (dict(dim=3), "dim")])
def test_bad_settings_are_refused_by_name_before_training(bad, name):
    kw = dict(dict(TINY, steps=5, dim=2), **bad)
    with pytest.raises(ValueError, match=name):
        fit_flow("ring", **kw)


def test_a_model_of_the_wrong_kind_or_none_is_refused(ring_flow):
    z = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="needs model="):
        advai.interpolate(z, z, 0.5, method="flow")
    with pytest.raises(ValueError, match="needs a model from advai.fit_flow"):
        advai.interpolate(z, z, 0.5, method="flow", model=lambda a, b, c: a)
    with pytest.raises(ValueError, match="dimension 3"):
        ring_flow(torch.zeros(3, 3), torch.zeros(3, 3), 0.5)


def test_an_interrupted_fit_resumes_bit_identically(tmp_path):
    whole = fit_flow("nine_discs", 2, steps=20, seed=1, **TINY)

    def stop(step, log):
        if step == 7:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        fit_flow("nine_discs", 2, steps=20, seed=1, checkpoint=tmp_path / "f.pt", callback=stop, **TINY)
    resumed = fit_flow("nine_discs", 2, steps=20, seed=1, checkpoint=tmp_path / "f.pt", **TINY)
    for a, b in zip(whole.flow.state_dict().values(), resumed.flow.state_dict().values()):
        assert torch.equal(a, b)
    assert resumed.history == whole.history
    with pytest.raises(ValueError):  # another length is another schedule: not a continuation
        fit_flow("nine_discs", 2, steps=30, seed=1, checkpoint=tmp_path / "f.pt", **TINY)
