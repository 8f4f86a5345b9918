"""The autoencoders: losses, parameter sets, AdvAI-AE's interpolation, determinism, checkpoints, cache, errors."""
import pytest
import torch

from advai import metrics
from advai.autoencoders import MODELS, build_model, cached_autoencoder, fit_autoencoder
from advai.autoencoders.base import AutoencoderModel
from advai.autoencoders.evaluate import decode_paths, encode, gaussian_samples
from advai.data import Dataset, pad_to
from advai.diagram import draw_advai_ae, layer_summary

TINY = dict(latent=4)
FAST = dict(latent=4, progress=False, checkpoint_every=2)


def images(n=24, seed=0):
    return torch.rand(n, 1, 32, 32, generator=torch.Generator().manual_seed(seed))


def small(name):
    torch.manual_seed(0)
    return build_model(name, warmup_steps=5, **TINY) if name == "advai_ae" else build_model(name, **TINY)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_losses_are_finite_scalars_and_parameter_sets_are_disjoint(name):
    m = small(name)
    loss_ae, loss_adv, log = m.losses(images(8))
    assert loss_ae.dim() == 0 and torch.isfinite(loss_ae) and "rec" in log
    ae = {id(p) for p in m.autoencoder_parameters()}
    adv = {id(p) for p in m.adversary_parameters()}
    assert not ae & adv
    assert (loss_adv is None) == (name == "ae") == (not adv)
    if name == "advai_ae":  # R is frozen: in neither set
        assert not ({id(p) for p in m.correction.parameters()} & (ae | adv))
    assert m.encode(images(3)).shape == (3, 4) and m.decode(torch.zeros(3, 4)).shape == (3, 1, 32, 32)


def test_reconstruction_loss_is_mse_on_the_minus1_1_scale():
    m = small("ae")
    x = images(5)
    _, r, rec = m.reconstruction_loss(x)
    assert torch.allclose(rec, ((2 * r - 1) - (2 * x - 1)).pow(2).mean())


def test_advai_ae_interpolation_pins_endpoints_and_is_symmetric():
    m = small("advai_ae")
    z1, z2 = torch.randn(6, 4), torch.randn(6, 4)
    a = torch.rand(6, 1)
    assert torch.allclose(m.interpolate(z1, z2, torch.zeros(6, 1)), z1, atol=1e-6)
    assert torch.allclose(m.interpolate(z1, z2, torch.ones(6, 1)), z2, atol=1e-6)
    assert torch.allclose(m.interpolate(z1, z2, a), m.interpolate(z2, z1, 1 - a), atol=1e-5)
    assert torch.equal(AutoencoderModel.interpolate(m, z1, z2, a), (1 - a) * z1 + a * z2)


def test_mmd_squared_is_differentiable_and_matches_the_metric():
    x = torch.randn(50, 3, requires_grad=True)
    y = torch.randn(60, 3) + 1
    v = metrics.mmd_squared(x, y)
    v.backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert float(v.detach()) == pytest.approx(metrics.mmd(x.detach(), y), rel=1e-6)


@pytest.mark.parametrize("name", ["acai", "advai_ae"])
def test_same_seed_same_weights_and_training_moves_the_weights(name, tmp_path):
    kw = dict(warmup_cache=tmp_path / "w.pt", warmup_steps=5) if name == "advai_ae" else {}
    a = fit_autoencoder(name, images(), steps=4, seed=3, **FAST, **kw)
    b = fit_autoencoder(name, images(), steps=4, seed=3, **FAST, **kw)
    c = build_model(name, **TINY)
    for (k, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), k
    assert not torch.equal(a.encoder.out.weight, c.encoder.out.weight)


def test_interrupted_training_resumes_to_the_same_weights(tmp_path):
    ref = fit_autoencoder("acai", images(), steps=6, seed=1, **FAST)
    ck = tmp_path / "acai.pt"

    def stop(step, log):
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit_autoencoder("acai", images(), steps=6, seed=1, checkpoint=ck, callback=stop, **FAST)
    assert torch.load(ck, weights_only=False)["step"] == 3
    resumed = fit_autoencoder("acai", images(), steps=6, seed=1, checkpoint=ck, **FAST)
    for k, v in ref.state_dict().items():
        assert torch.equal(v, resumed.state_dict()[k]), k
    assert resumed.history["step"] == ref.history["step"]


def test_checkpoints_other_settings_other_data_corrupt_files_are_refused(tmp_path):
    ck = tmp_path / "ae.pt"
    fit_autoencoder("ae", images(), steps=2, seed=0, checkpoint=ck, **FAST)
    with pytest.raises(ValueError, match=r"ae\.pt.*other settings or data.*seed"):
        fit_autoencoder("ae", images(), steps=2, seed=1, checkpoint=ck, **FAST)
    with pytest.raises(ValueError, match=r"ae\.pt.*other settings or data.*data"):
        fit_autoencoder("ae", images(seed=5), steps=2, seed=0, checkpoint=ck, **FAST)
    with pytest.raises(ValueError, match=r"ae\.pt.*step 2 > steps=1"):
        fit_autoencoder("ae", images(), steps=1, seed=0, checkpoint=ck, **FAST)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"bad\.pt.*corrupt"):
        fit_autoencoder("ae", images(), steps=2, checkpoint=bad, **FAST)


def test_cached_model_is_reused_not_retrained(tmp_path, monkeypatch):
    x = images(30)
    ds = Dataset("toy", x, torch.zeros(30, dtype=torch.int64), torch.arange(20), torch.arange(20, 30), 0, "test")
    first = cached_autoencoder("ae", ds, latent=4, steps=3, progress=False, cache=tmp_path)
    calls = []
    again = cached_autoencoder("ae", ds, latent=4, steps=3, progress=False, cache=tmp_path,
                               callback=lambda s, log: calls.append(s))
    assert calls == [] and torch.equal(first.encoder.out.weight, again.encoder.out.weight)
    monkeypatch.setenv("ADVAI_RECOMPUTE", "1")
    cached_autoencoder("ae", ds, latent=4, steps=3, progress=False, cache=tmp_path, callback=lambda s, log: calls.append(s))
    assert calls == [1, 2, 3]


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="model.*'ae'"):
        build_model("vae")
    with pytest.raises(ValueError, match="unknown weights.*'acai'"):
        build_model("acai", mmd=1.0)
    with pytest.raises(ValueError, match="images must be a tensor"):
        fit_autoencoder("ae", torch.zeros(4, 32, 32), steps=1, progress=False)
    with pytest.raises(ValueError, match="divisible by 8"):
        fit_autoencoder("ae", torch.zeros(4, 1, 28, 28), steps=1, progress=False)
    x = images(4)
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        fit_autoencoder("ae", x, steps=1, progress=False)
    with pytest.raises(ValueError, match="steps"):
        fit_autoencoder("ae", images(4), steps=0, progress=False)
    with pytest.raises(ValueError, match="do not fit"):
        pad_to(torch.zeros(1, 1, 40, 40), 32)


def test_pad_to_centres_mnist_digits():
    x = torch.ones(2, 1, 28, 28)
    y = pad_to(x, 32)
    assert y.shape == (2, 1, 32, 32) and y.sum() == x.sum() and y[0, 0, 2, 2] == 1 and y[0, 0, 1, 1] == 0


def test_decoded_paths_shapes_endpoints_and_samples():
    m = small("advai_ae").eval()
    xa, xb = images(3, 1), images(3, 2)
    p = decode_paths(m, xa, xb, n_steps=5)
    assert p.shape == (3, 5, 1, 32, 32) and p.min() >= 0 and p.max() <= 1
    with torch.no_grad():
        assert torch.allclose(p[:, 0], m.decode(m.encode(xa)).clamp(0, 1), atol=1e-5)
    assert torch.allclose(p[:, -1], decode_paths(m, xa, xb, n_steps=5, method="linear")[:, -1], atol=1e-5)
    with pytest.raises(ValueError, match="pair up"):
        decode_paths(m, xa, xb[:2])
    ae = small("ae")
    with pytest.raises(ValueError, match="train_codes"):
        gaussian_samples(ae, 4)
    assert gaussian_samples(ae, 4, encode(ae, images(10))).shape == (4, 1, 32, 32)


def test_architecture_diagram_is_read_off_the_modules():
    m = small("advai_ae")
    lines = layer_summary(m.encoder, torch.zeros(1, 1, 32, 32))
    assert lines == ["Conv 4x4/2 -> 16x16x16", "Conv 4x4/2 -> 32x8x8", "Conv 4x4/2 -> 64x4x4", "Linear 1024 -> 4"]
    assert draw_advai_ae(m) is not None


def test_cache_names_carry_non_default_weights(tmp_path):
    x = images(30)
    ds = Dataset("toy", x, torch.zeros(30, dtype=torch.int64), torch.arange(20), torch.arange(20, 30), 0, "test")
    cached_autoencoder("acai", ds, latent=4, steps=2, progress=False, cache=tmp_path)
    cached_autoencoder("acai", ds, latent=4, steps=2, progress=False, cache=tmp_path, adv=0.0)
    names = sorted(p.name for p in (tmp_path / "autoencoders").glob("*.pt"))
    assert names == ["toy-split0-acai-adv0-d4-steps2-seed0.pt", "toy-split0-acai-d4-steps2-seed0.pt"]
    with pytest.raises(ValueError, match="model"):
        cached_autoencoder("vae", ds, cache=tmp_path)
