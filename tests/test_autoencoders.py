"""The autoencoders: losses, parameter groups, AdvAI-AE's interpolation, determinism, decoded paths, errors.
(Checkpoints, resume and the cache are tested for every model kind at once in test_train.py.)"""
import pytest
import torch

from advai.data import Dataset, pad_to
from advai.evaluate import mismatch
from advai.evaluate.decoding import decode_paths, encode, prior_samples
from advai.models import AUTOENCODERS, build_model, fit_model
from advai.models.autoencoder import AutoencoderModel
from advai.study.diagram import draw_advai_ae, layer_summary

TINY = dict(latent=4)
FAST = dict(latent=4, progress=False, checkpoint_every=2)


def images(n=24, seed=0):
    return torch.rand(n, 1, 32, 32, generator=torch.Generator().manual_seed(seed))


def small(name):
    torch.manual_seed(0)
    return build_model(name, warmup_steps=5, **TINY) if name == "advai_ae" else build_model(name, **TINY)


@pytest.mark.parametrize("name", sorted(AUTOENCODERS))
def test_losses_are_finite_scalars_and_parameter_groups_are_disjoint(name):
    m = small(name)
    losses, log = m.losses(images(8))
    groups = m.parameter_groups()
    assert set(losses) == set(groups) and "rec" in log
    assert all(v.dim() == 0 and torch.isfinite(v) for v in losses.values())
    ae, adv = ({id(p) for p in groups.get(k, [])} for k in ("autoencoder", "adversary"))
    assert ae and not ae & adv
    assert (name == "ae") == (not adv)
    if name == "advai_ae":  # R is frozen: in neither group
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
    assert m.interpolator == "AdvAI" and small("acai").interpolator == "LineIntp"


def test_mmd_squared_is_differentiable_and_matches_the_metric():
    x = torch.randn(50, 3, requires_grad=True)
    y = torch.randn(60, 3) + 1
    v = mismatch.mmd_squared(x, y)
    v.backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert float(v.detach()) == pytest.approx(mismatch.mmd(x.detach(), y), rel=1e-6)


@pytest.mark.parametrize("name", ["acai", "advai_ae"])
def test_same_seed_same_weights_and_training_moves_the_weights(name, tmp_path):
    kw = dict(cache=tmp_path, warmup_steps=5) if name == "advai_ae" else {}
    a = fit_model(name, images(), steps=4, seed=3, **FAST, **kw)
    b = fit_model(name, images(), steps=4, seed=3, resume=False, **FAST, **kw)
    c = build_model(name, **TINY)
    for (k, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), k
    assert not torch.equal(a.encoder.out.weight, c.encoder.out.weight)


def test_a_dataset_trains_on_its_padded_training_split_and_names_itself(tmp_path):
    x = torch.rand(30, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    ds = Dataset("toy", x, torch.zeros(30, dtype=torch.int64), torch.arange(20), torch.arange(20, 30), 0, "test")
    m = fit_model("ae", ds, latent=4, steps=2, progress=False, cache=tmp_path)
    assert m.fit_config["dataset"] == "toy" and m.fit_config["split"] == 0
    assert m.fit_config["data"]["shape"] == [20, 1, 32, 32]
    (path,) = tmp_path.glob("*.pt")
    assert path.name.startswith("model_") and all(f"_{k}_" in path.name for k in ("datasettoy", "modelae", "steps2"))


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="model.*'ae'"):
        build_model("vae")
    with pytest.raises(ValueError, match="unknown weights for model 'acai'.*mmd"):
        build_model("acai", mmd=1.0)
    with pytest.raises(ValueError, match="unknown weights for model 'acai'"):
        fit_model("acai", images(4), steps=1, progress=False, mmd=1.0)
    with pytest.raises(ValueError, match="unknown training settings"):
        fit_model("ae", images(4), steps=1, progress=False, train={"learning_rate": 1.0})
    with pytest.raises(ValueError, match="images must be a tensor"):
        fit_model("ae", torch.zeros(4, 32, 32), steps=1, progress=False)
    with pytest.raises(ValueError, match="divisible by 8"):
        fit_model("ae", torch.zeros(4, 1, 28, 28), steps=1, progress=False)
    x = images(4)
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        fit_model("ae", x, steps=1, progress=False)
    with pytest.raises(ValueError, match="steps"):
        fit_model("ae", images(4), steps=0, progress=False)
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
        prior_samples(ae, 4)
    assert prior_samples(ae, 4, encode(ae, images(10))).shape == (4, 1, 32, 32)


def test_architecture_diagram_is_read_off_the_modules():
    m = small("advai_ae")
    lines = layer_summary(m.encoder, torch.zeros(1, 1, 32, 32))
    assert lines == ["Conv 4x4/2 -> 16x16x16", "Conv 4x4/2 -> 32x8x8", "Conv 4x4/2 -> 64x4x4", "Linear 1024 -> 4"]
    assert draw_advai_ae(m) is not None  # draws, and its own layout check passes


def test_the_diagram_layout_check_catches_overflow_and_overlap():
    from advai.study.diagram import Canvas, check_layout

    c = Canvas(6, 3)
    b = c.box(1.5, 1.5, "Encoder E", ["Conv 4x4/2 -> 16x16x16"], "white")
    check_layout(c)  # a box sized from its text holds it
    assert b.width > 1.0  # a monospace line of 22 characters at 8.5 pt is wider than an inch
    c.boxes[0][1][1].set_text("a much longer body line that no longer fits the box it was sized for")
    with pytest.raises(ValueError, match="overflows its box"):
        check_layout(c)
    c.boxes[0][1][1].set_text("Conv 4x4/2 -> 16x16x16")
    c.arrow((3, 1), (5, 1), "first label")
    c.arrow((3, 1.02), (5, 1.02), "second label")
    with pytest.raises(ValueError, match="labels 'first label' and 'second label' overlap"):
        check_layout(c)
