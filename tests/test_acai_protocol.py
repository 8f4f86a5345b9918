"""Lines as ACAI runs them (issue 43, deliverable 2): fresh lines every batch, ACAI's networks as
an option, and ACAI's reported statistic (the median of the last 20 of 256 evaluations)."""
import pytest
import torch

from advai.data import LINES_RANGE, FreshLines
from advai.evaluate.lines import acai_eval_steps, acai_statistic
from advai.layers import AcaiCritic, AcaiDecoder, AcaiEncoder, acai_conv
from advai.models import build_model, fit_model


def test_fresh_lines_are_new_every_batch_follow_the_seed_and_lie_in_acais_range():
    lines = FreshLines(batch_size=8)
    torch.manual_seed(0)
    (a,), (b,) = lines(), lines()
    torch.manual_seed(0)
    (a2,) = lines()
    assert a.shape == (8, 1, 32, 32) and torch.equal(a, a2) and not torch.equal(a, b)
    assert a.min() >= LINES_RANGE[0] and a.max() <= LINES_RANGE[1]
    assert lines.resized(3)()[0].shape == (3, 1, 32, 32)


def test_a_fit_on_fresh_lines_resumes_bit_identically(tmp_path):
    def run(steps, **kw):
        m = fit_model("ae", FreshLines(), latent=8, steps=steps, seed=2, train={"batch_size": 8}, progress=False,
                      checkpoint_every=100, **kw)
        return {k: v.clone() for k, v in m.state_dict().items()}

    full = run(6)

    def stop(step, log):
        if step == 3:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run(6, checkpoint=tmp_path / "run.pt", callback=stop)
    resumed = run(6, checkpoint=tmp_path / "run.pt")  # the checkpoint holds the random stream: same lines
    assert all(torch.equal(full[k], resumed[k]) for k in full)


def test_acais_networks_have_acais_shapes_and_initialisation():
    x = torch.rand(5, 1, 32, 32)
    enc, dec = AcaiEncoder(64), AcaiDecoder(64)  # 4 scales: a 2x2 code of 16 channels
    z = enc(x)
    assert z.shape == (5, 64) and dec(z).shape == (5, 1, 32, 32) and AcaiCritic(64)(x).shape == (5,)
    assert enc.net[-1].out_channels == 16 and sum(isinstance(m, torch.nn.AvgPool2d) for m in enc.net) == 4
    torch.manual_seed(0)
    conv = acai_conv(64, 64, 3)
    assert conv.weight.std().item() == pytest.approx((1.04 * 9 * 64) ** -0.5, rel=0.02) and not conv.bias.any()
    with pytest.raises(ValueError, match="latent=30 must be a multiple of 4"):
        AcaiEncoder(30)


def test_an_autoencoder_is_built_from_acais_networks_by_name_and_other_names_are_refused():
    m = build_model("acai", latent=64, arch="acai")
    assert isinstance(m.encoder, AcaiEncoder) and isinstance(m.critic, AcaiCritic)
    assert type(build_model("acai", latent=64).critic).__name__ == "ImageCritic"
    with pytest.raises(ValueError, match="arch='dcgan' is not supported"):
        build_model("ae", arch="dcgan")
    with pytest.raises(ValueError, match="arch='acai' is not supported"):
        fit_model("gan_gaussian", torch.rand(4, 1, 32, 32), arch="acai")
    m = fit_model("advai_ae", FreshLines(), latent=64, steps=2, train={"batch_size": 4}, warmup_steps=2,
                  progress=False, arch="acai")
    assert m.fit_config["arch"] == "acai" and m.fit_config["dataset"] == "lines, fresh every batch"


def test_acais_statistic_is_the_median_of_the_last_20_of_256_evenly_spaced_evaluations():
    steps = acai_eval_steps(2560)
    assert steps == list(range(2370, 2561, 10)) and len(steps) == 20
    assert acai_statistic(range(1, 21)) == 10.5 and acai_statistic([3.0]) == 3.0
    with pytest.raises(ValueError):
        acai_eval_steps(1000)  # not a multiple of 256: snapshots could not hold every evaluation
    with pytest.raises(ValueError):
        acai_statistic([])
