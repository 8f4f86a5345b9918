"""The autoencoders: losses, parameter groups, AdvAI-AE's interpolation, determinism, decoded paths, errors.
(Checkpoints, resume and the cache are tested for every model kind at once in test_train.py.)"""
import pytest
import torch

from advai.data import Dataset, pad_to
from advai.evaluate import mismatch
from advai.evaluate.decoding import decode_paths, encode, midpoint_spread, prior_samples
from advai.models import AUTOENCODERS, build_model, fit_model
from advai.models.autoencoder import AutoencoderModel
from advai.study.diagram import draw_advai_ae, layer_summary

TINY = dict(latent=4)
FAST = dict(latent=4, progress=False, checkpoint_every=2)


def images(n=24, seed=0):
    return torch.rand(n, 1, 32, 32, generator=torch.Generator().manual_seed(seed))


def small(name):
    torch.manual_seed(0)
    return build_model(name, warmup_steps=5, **TINY) if name.startswith("advai_ae") else build_model(name, **TINY)


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
    if name.startswith("advai_ae"):  # R is frozen: in neither group
        assert not ({id(p) for p in m.correction.parameters()} & (ae | adv))
    assert m.encode(images(3)).shape == (3, 4) and m.decode(torch.zeros(3, 4)).shape == (3, 1, 32, 32)


def test_reconstruction_loss_is_mse_on_the_minus1_1_scale():
    m = small("ae")
    x = images(5)
    _, r, rec = m.reconstruction_loss(x)
    assert torch.allclose(rec, ((2 * r - 1) - (2 * x - 1)).pow(2).mean())


def test_reconstruction_loss_on_data_already_in_minus1_1_is_plain_mse():
    m = build_model("ae", value_range=(-1, 1), **TINY)
    x = 2 * images(5) - 1
    _, r, rec = m.reconstruction_loss(x)
    assert torch.allclose(rec, (r - x).pow(2).mean())
    with pytest.raises(ValueError, match="value_range"):
        build_model("ae", value_range=(1, 1))


def test_lines_train_on_their_own_scale_and_out_of_range_data_is_refused(tmp_path):
    from advai import data
    lines = data.load("lines", n_lines=40)
    m = fit_model("ae", lines, steps=2, **FAST)
    assert m.value_range == (-1.0, 1.0) and m.fit_config["value_range"] == [-1.0, 1.0]
    assert float(decode_paths(m, lines.test[0][:2], lines.test[0][2:4], 3).min()) >= -1
    with pytest.raises(ValueError, match="outside value_range"):
        fit_model("ae", lines.train[0], steps=1, progress=False)  # [-1, 1] images, default [0, 1]


def test_snapshots_give_the_learning_curve_points(tmp_path):
    from advai.models import at_step
    m = fit_model("ae", images(16), steps=4, snapshot_every=2, **FAST)
    assert [s for s, _ in m.snapshots] == [0, 2, 4]
    assert set(m.snapshots[0][1]) == {k for k in m.state_dict() if k.startswith(("encoder.", "decoder."))}
    last, first = at_step(m, 4), at_step(m, 0)
    x = images(3)
    assert torch.equal(last.encode(x), m.encode(x)) and not torch.equal(first.encode(x), m.encode(x))
    with pytest.raises(ValueError, match="no snapshot at step 3"):
        at_step(m, 3)


@pytest.mark.parametrize("name", ["advai_ae", "advai_ae_factorized"])
def test_advai_ae_interpolation_pins_endpoints_and_is_symmetric(name):
    m = small(name)
    z1, z2 = torch.randn(6, 4), torch.randn(6, 4)
    a = torch.rand(6, 1)
    assert torch.allclose(m.interpolate(z1, z2, torch.zeros(6, 1)), z1, atol=1e-6)
    assert torch.allclose(m.interpolate(z1, z2, torch.ones(6, 1)), z2, atol=1e-6)
    assert torch.allclose(m.interpolate(z1, z2, a), m.interpolate(z2, z1, 1 - a), atol=1e-5)
    assert torch.equal(AutoencoderModel.interpolate(m, z1, z2, a), (1 - a) * z1 + a * z2)
    assert m.interpolator == "AdvAI" and small("acai").interpolator == "LineIntp"


def test_the_authors_r_is_the_whole_code_module_with_their_sizes():
    from advai.latent.whole_code import LatentCritic, WholeCodeCorrection
    m, f = small("advai_ae"), small("advai_ae_factorized")
    r = m.correction
    assert isinstance(r, WholeCodeCorrection) and not isinstance(f.correction, WholeCodeCorrection)
    assert [l.out_features for l in r.embed if hasattr(l, "out_features")] == [1200, 1200, 100]
    assert [l.out_features for l in r.bias if hasattr(l, "out_features")] == [1200, 1200, 4]
    assert r.embed[0].in_features == 4 + 1 and r.n_scale == 5.0
    assert [l.out_features for l in LatentCritic(4).net if hasattr(l, "out_features")] == [1200, 1200, 4]


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


class _PixelCodes(torch.nn.Module):
    """An 'autoencoder' whose code is the image itself and whose own interpolator always returns
    one grey image: midpoint_spread's two closed-form cases."""
    size, value_range = 32, (0.0, 1.0)

    def encode(self, x):
        return x.flatten(1)

    def decode(self, z):
        return z.reshape(-1, 1, 32, 32)

    def interpolate(self, z1, z2, alpha):
        return torch.full_like(z1, 0.5)


def test_midpoint_spread_closed_forms_and_refusals():
    m = _PixelCodes()
    x = torch.rand(6, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    assert midpoint_spread(m, x, x, method="linear") == pytest.approx(1.0)  # the midpoint is the endpoint
    assert midpoint_spread(m, x, 1 - x, method="linear") == pytest.approx(0.0, abs=1e-12)  # all grey
    assert midpoint_spread(m, x, x.flip(0)) == pytest.approx(0.0, abs=1e-12)  # one image whatever the ends
    assert 0.3 < midpoint_spread(m, x, x.flip(0), method="linear") < 1
    with pytest.raises(ValueError, match="at least two pairs"):
        midpoint_spread(m, x[:1], x[:1])
